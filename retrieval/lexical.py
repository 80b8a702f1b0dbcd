"""BM25 over chunk texts (bm25s: sparse matrices, fast), with Snowball stemming.

Operators are terms too: "whats the % thing" must find the card on `%`, and a word
tokenizer drops every symbol, so each operator is spelt as a word before tokenizing.

Chinese has no spaces between words: runs of Han characters are segmented with jieba
(search mode, whose overlapping words find 光合作用 from 光合 as well), in any text, so a
course in Chinese, or a Chinese word in an English one, is searchable with no setting.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from typing import Any

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_CHINESE, STOPWORDS_EN
from numpy.typing import NDArray

__all__ = ["HAN", "LexicalIndex", "segment_han", "spell_operators"]

# BM25 saturation and length normalisation: the best mean MRR over OpenBookQA dev and the
# course questions (`benchmarks/retrieval.py --tune`); the surface is flat (top five
# settings within 0.002), so these matter little.
K1, B = 1.5, 0.75
TERMS_CACHED = 50_000  # texts whose terms are kept

_OPERATOR_WORDS = {"**": "oppower", "//": "opfloordiv", "%": "opmodulo", "==": "opequals",
                   "!=": "opnotequal", "<=": "oplessequal", ">=": "opgreaterequal",
                   "+=": "opaddto", "-=": "opsubtractfrom", "+": "opplus", "-": "opminus",
                   "*": "optimes", "/": "opdivide", "=": "opassign", "<": "opless",
                   ">": "opgreater"}
_OPERATOR = "|".join(re.escape(o) for o in sorted(_OPERATOR_WORDS, key=len, reverse=True))
_OPERAND = r"""[\w)\]"'.]"""
# An operator stands alone in backticks (`%`), between operands with no space (7//2), or
# with a space on both sides (7 % 2, "the % thing"). One-sided spacing is Markdown
# ("a **bold** word"), a hyphen or a percentage ("50% of"), and is left alone, as are a
# dash or slash between letters ("well-known", "and/or").
_SPELLED = re.compile(rf"""`\s*(?P<alone>{_OPERATOR})\s*`"""
                      rf"""|(?<={_OPERAND})(?P<tight>{_OPERATOR})(?=[\w(\["'])"""
                      rf"""|(?<=\S) (?P<spaced>{_OPERATOR}) (?=\S)""")


def _spelt(found: re.Match[str]) -> str:
    operator = found["alone"] or found["spaced"] or found["tight"]
    if found["tight"] and operator in "-/" and found.string[found.start() - 1].isalpha() \
            and found.string[found.end()].isalpha():
        return operator
    return f" {_OPERATOR_WORDS[operator]} "


def spell_operators(text: str) -> str:
    """`7 % 2` -> `7 opmodulo 2`: operators become terms the tokenizer keeps."""
    return _SPELLED.sub(_spelt, text)


HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"  # a Chinese (Han) character
_HAN = re.compile(f"{HAN}+")
# Words of two or more letters, as bm25s has it, and a Han character on its own: one
# character is a whole word in Chinese (水, water).
TOKEN = rf"(?u)\b\w\w+\b|{HAN}"
# English and Chinese function words ("what", "什么", "的"): a question's own wording is no
# sign of what it asks about, in either language.
STOPWORDS = tuple(dict.fromkeys((*STOPWORDS_EN, *STOPWORDS_CHINESE)))


def segment_han(text: str) -> str:
    """Runs of Chinese characters split into words with spaces (jieba, search mode)."""
    if not _HAN.search(text):
        return text
    import jieba

    jieba.setLogLevel(logging.WARNING)  # not its dictionary-loading chatter on stderr
    return _HAN.sub(lambda run: " " + " ".join(jieba.cut_for_search(run.group(0))) + " ",
                    text)


def _prepared(text: str) -> str:
    return segment_han(spell_operators(text))


class LexicalIndex:
    def __init__(self, texts: Sequence[str], language: str = "english", *, k1: float = K1,
                 b: float = B) -> None:
        self._stemmer = Stemmer.Stemmer(language)
        self._terms: dict[str, tuple[str, ...]] = {}
        self._size = len(texts)
        self._bm25: Any = None
        self.vocabulary: frozenset[str] = frozenset()
        self._document_frequency: dict[str, int] = {}
        if texts:
            self._bm25 = bm25s.BM25(k1=k1, b=b)
            tokens = bm25s.tokenize([_prepared(t) for t in texts], stopwords=STOPWORDS,
                                    stemmer=self._stemmer, show_progress=False,
                                    token_pattern=TOKEN)
            self._bm25.index(tokens, show_progress=False)
            self.vocabulary = frozenset(tokens.vocab)
            by_id = {number: term for term, number in tokens.vocab.items()}
            for ids in tokens.ids:
                for number in set(ids):
                    term = by_id[number]
                    self._document_frequency[term] = self._document_frequency.get(term, 0) + 1

    def terms(self, query: str) -> list[str]:
        """The text's stemmed content words. Cached: answers ask for the same passage
        sentences question after question, and bm25s tokenizes one text in ~0.1 ms."""
        found = self._terms.get(query)
        if found is None:
            tokenized = bm25s.tokenize([_prepared(query)], stopwords=STOPWORDS,
                                       stemmer=self._stemmer, show_progress=False,
                                       return_ids=False, token_pattern=TOKEN)
            found = tuple(tokenized[0]) if tokenized else ()
            if len(self._terms) >= TERMS_CACHED:
                self._terms.pop(next(iter(self._terms)))
            self._terms[query] = found
        return list(found)

    def idf(self, term: str) -> float:
        """How rare a term is among the indexed texts (BM25's idf; an unseen term the most)."""
        found = self._document_frequency.get(term, 0)
        return math.log(1 + (self._size - found + 0.5) / (found + 0.5))

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
