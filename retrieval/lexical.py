"""BM25 over chunk texts (bm25s: sparse matrices, fast), with Snowball stemming."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import bm25s
import numpy as np
import Stemmer
from numpy.typing import NDArray

__all__ = ["LexicalIndex"]

# BM25 saturation and length normalisation: the best mean MRR over OpenBookQA dev and the
# course questions (`benchmarks/retrieval.py --tune`); the surface is flat (top five
# settings within 0.002), so these matter little.
K1, B = 1.5, 0.75


class LexicalIndex:
    def __init__(self, texts: Sequence[str], language: str = "english", *, k1: float = K1,
                 b: float = B) -> None:
        self._stemmer = Stemmer.Stemmer(language)
        self._size = len(texts)
        self._bm25: Any = None
        self.vocabulary: frozenset[str] = frozenset()
        if texts:
            self._bm25 = bm25s.BM25(k1=k1, b=b)
            tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=self._stemmer,
                                    show_progress=False)
            self._bm25.index(tokens, show_progress=False)
            self.vocabulary = frozenset(tokens.vocab)

    def terms(self, query: str) -> list[str]:
        tokenized = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer,
                                   show_progress=False, return_ids=False)
        return list(tokenized[0]) if tokenized else []

    def unknown_share(self, text: str) -> float:
        """The share of the text's content words (stemmed) that no indexed text contains."""
        terms = self.terms(text)
        return sum(t not in self.vocabulary for t in terms) / len(terms) if terms else 1.0

    def scores(self, query: str) -> NDArray[np.float32]:
        """A BM25 score for every text, in index order (zeros when nothing matches)."""
        if self._bm25 is None:
            return np.zeros(self._size, dtype=np.float32)
        terms = self.terms(query)
        if not terms:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
