"""What retrieval found for a question, scored sentence by sentence, and whether it covers it.

The answer-or-decline decision is made here, from retrieval evidence only, the same in
offline and LLM mode: a logistic model over two features, calibrated on dev questions.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from retrieval import SearchIndex
from retrieval.embeddings import Vectors
from tutor.qa.sentences import split_sentences

if TYPE_CHECKING:
    from langchain_core.documents import Document

__all__ = ["Evidence", "EvidenceModel", "Passage", "ScoredSentence", "SentenceVectors",
           "gather"]

# Sentence ends, and tag-like markup (people paste it; injection attempts are full of it).
_MESSAGE_SENTENCES = re.compile(r"(?<=[.?!])\s+|\s*</?[A-Za-z][^<>]{0,40}>\s*")


@dataclass(frozen=True)
class EvidenceModel:
    """P(the course covers the question) from the best sentence's cosine similarity and the
    share of the question's words the course never uses.

    Fitted by `benchmarks/qa.py --calibrate`: logistic regression on 144 in-scope and 42
    out-of-scope course questions; the threshold balances answering and declining on
    5-fold cross-validated probabilities (93.8% answered, 90.5% declined there). The
    answer-shaping values below maximise gold-card citations on the same questions.
    """

    sentence_weight: float = 4.604
    unknown_weight: float = -3.553
    bias: float = -1.654
    threshold: float = 0.58
    overlap_weight: float = 0.5  # lexical overlap's share in choosing sentences to quote
    rank_weight: float = 0.0  # the retriever's own ranking of the passage, as 1/(1+rank)
    keep_ratio: float = 0.75  # a further quoted sentence scores at least this share of the best
    max_passages: int = 3  # passages one answer may quote (and so cite)

    def probability(self, best_similarity: float, unknown_share: float) -> float:
        z = self.sentence_weight * best_similarity + self.unknown_weight * unknown_share + \
            self.bias
        return 1 / (1 + math.exp(-z))


@dataclass(frozen=True)
class Passage:
    text: str
    metadata: Mapping[str, object]

    @property
    def key(self) -> str:
        return "/".join(str(self.metadata.get(k, "")) for k in ("course", "lesson", "card"))


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    passage: int  # index into Evidence.passages
    position: int  # order within its passage
    similarity: float
    overlap: float
    score: float


@dataclass(frozen=True)
class Evidence:
    question: str
    passages: tuple[Passage, ...]
    sentences: tuple[ScoredSentence, ...]  # best first
    unknown_share: float
    confidence: float
    covered: bool

    @property
    def best_similarity(self) -> float:
        return max((s.similarity for s in self.sentences), default=0.0)


class SentenceVectors:
    """Embeddings of passage sentences, kept (up to a bound) across questions.

    The same cards come back question after question; embedding their sentences once
    takes the offline answer from ~80 ms to ~15 ms (benchmarks/qa.py).
    """

    def __init__(self, index: SearchIndex, capacity: int = 20_000) -> None:
        self._index = index
        self._capacity = capacity
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()

    def __call__(self, texts: Sequence[str]) -> Vectors:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self._index.embed(missing), strict=True):
                self._vectors[text] = vector
        for text in texts:
            self._vectors.move_to_end(text)
        found = np.stack([self._vectors[t] for t in texts])
        while len(self._vectors) > self._capacity:
            self._vectors.popitem(last=False)
        return found


def _parts(question: str) -> list[str]:
    """The sentences of a message: "Hi! I'm stuck. What is X?" is judged by "What is X?"."""
    parts = [p for p in _MESSAGE_SENTENCES.split(question.strip()) if len(p.split()) >= 2]
    return parts or [question]


def gather(index: SearchIndex, question: str, documents: Sequence[Document],
           model: EvidenceModel | None = None,
           sentence_vectors: SentenceVectors | None = None) -> Evidence:
    """Score every sentence of the retrieved passages against the question.

    A message of several sentences is covered when any one of them is, and that
    sentence steers which passage sentences are quoted: padding (a greeting, or
    "ignore your instructions") neither hides a real question nor answers itself.
    """
    model = model or EvidenceModel()
    passages = tuple(Passage(d.page_content, d.metadata) for d in documents)
    candidates = [(i, j, s) for i, p in enumerate(passages)
                  for j, s in enumerate(split_sentences(p.text))]
    parts = _parts(question)
    if not candidates:
        return Evidence(question, passages, (), index.unknown_share(question), 0.0, False)
    part_vectors = index.embed(parts)
    embed_sentences = sentence_vectors or SentenceVectors(index)
    candidate_vectors = embed_sentences([s for _, _, s in candidates])
    judged = []
    for number, part in enumerate(parts):
        part_similarities = candidate_vectors @ part_vectors[number]
        unknown = index.unknown_share(part)
        probability = model.probability(float(np.max(part_similarities)), unknown)
        judged.append((probability, part, part_similarities, unknown))
    confidence, focus, similarities, unknown = max(judged, key=lambda j: j[0])
    terms = set(index.terms(focus))
    scored = []
    for (i, j, text), similarity in zip(candidates, similarities, strict=True):
        overlap = len(terms & set(index.terms(text))) / len(terms) if terms else 0.0
        score = float(similarity) + model.overlap_weight * overlap + model.rank_weight / (1 + i)
        scored.append(ScoredSentence(text, i, j, float(similarity), overlap, score))
    scored.sort(key=lambda s: -s.score)
    return Evidence(question, passages, tuple(scored), unknown, confidence,
                    confidence >= model.threshold)
