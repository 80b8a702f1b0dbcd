"""What retrieval found for a question, scored sentence by sentence, and whether it covers it.

The answer-or-decline decision is made here, from retrieval evidence only, the same in
offline and LLM mode: a logistic model over two features, calibrated on dev questions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from retrieval import SearchIndex
from tutor.qa.sentences import split_sentences

if TYPE_CHECKING:
    from langchain_core.documents import Document

__all__ = ["Evidence", "EvidenceModel", "Passage", "ScoredSentence", "gather"]

# Sentence ends, and tag-like markup (people paste it; injection attempts are full of it).
_MESSAGE_SENTENCES = re.compile(r"(?<=[.?!])\s+|\s*</?[A-Za-z][^<>]{0,40}>\s*")


@dataclass(frozen=True)
class EvidenceModel:
    """P(the course covers the question) from the best sentence's cosine similarity and the
    share of the question's words the course never uses.

    Fitted by `benchmarks/qa.py --calibrate`: logistic regression on 144 in-scope and 42
    out-of-scope course questions; the threshold balances answering and declining on
    5-fold cross-validated probabilities (about 91% answered, 90% declined there).
    """

    sentence_weight: float = 4.338
    unknown_weight: float = -3.639
    bias: float = -1.542
    threshold: float = 0.58
    overlap_weight: float = 0.3  # lexical overlap's share in choosing sentences to quote

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


def _parts(question: str) -> list[str]:
    """The sentences of a message: "Hi! I'm stuck. What is X?" is judged by "What is X?"."""
    parts = [p for p in _MESSAGE_SENTENCES.split(question.strip()) if len(p.split()) >= 2]
    return parts or [question]


def gather(index: SearchIndex, question: str, documents: Sequence[Document],
           model: EvidenceModel | None = None) -> Evidence:
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
    vectors = index.embed([*parts, *(s for _, _, s in candidates)])
    sentence_vectors = vectors[len(parts):]
    judged = []
    for number, part in enumerate(parts):
        part_similarities = sentence_vectors @ vectors[number]
        unknown = index.unknown_share(part)
        probability = model.probability(float(np.max(part_similarities)), unknown)
        judged.append((probability, part, part_similarities, unknown))
    confidence, focus, similarities, unknown = max(judged, key=lambda j: j[0])
    terms = set(index.terms(focus))
    scored = []
    for (i, j, text), similarity in zip(candidates, similarities, strict=True):
        overlap = len(terms & set(index.terms(text))) / len(terms) if terms else 0.0
        scored.append(ScoredSentence(text, i, j, float(similarity), overlap,
                                     float(similarity) + model.overlap_weight * overlap))
    scored.sort(key=lambda s: -s.score)
    return Evidence(question, passages, tuple(scored), unknown, confidence,
                    confidence >= model.threshold)
