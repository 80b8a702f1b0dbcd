"""What retrieval found for a question, scored sentence by sentence, and whether it covers it.

The answer-or-decline decision is made here, from retrieval evidence only, the same in
offline and LLM mode: a logistic model over signals of the evidence (how close the best
sentence is, whether the question's rare words, names and numbers are in its passage,
whether the passage can hold the kind of answer asked for), fitted on dev questions.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from retrieval import SearchIndex
from retrieval.embeddings import Vectors
from tutor.qa.sentences import split_sentences
from tutor.qa.signals import (
    answer_kind,
    asks_about_a_negation,
    can_hold,
    conversion,
    missing_entities,
    negated,
    turns_into,
)

if TYPE_CHECKING:
    from langchain_core.documents import Document

__all__ = ["FEATURES", "LEXICAL", "Evidence", "EvidenceModel", "Passage", "ScoredSentence",
           "SentenceVectors", "gather"]

# Sentence ends, and tag-like markup (people paste it; injection attempts are full of it).
_MESSAGE_SENTENCES = re.compile(r"(?<=[.?!])\s+|\s*</?[A-Za-z][^<>]{0,40}>\s*")
# A learner's own names in code ("nums = nums.sort()") are no sign of another topic.
_CODE_NAME = re.compile(r"\b([A-Za-z_]\w*)\s*(?=[.=(\[]|\+=|-=)|(?<=[.=(\[,])\s*([A-Za-z_]\w*)")
# How much the direction of a conversion counts in choosing the sentence: as much as a
# strong word overlap, so `str(12)` never answers "text to a number".
_DIRECTION = 0.3
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")

FEATURES = (
    "similarity",  # cosine of the question and the closest sentence
    "known_similarity",  # the same with the words the course never uses left out
    "unknown_share",  # share of the question's content words the course never uses
    "unknown_meaning",  # how much of the question's meaning those words carry (1 - cosine)
    "coverage",  # idf-weighted share of the question's words in the best sentence's passage
    "entity_missing",  # share of the question's names and numbers that passage lacks
    "kind_missing",  # 1 when a when/how-many/who question meets a sentence without one
    "negation_missing",  # 1 when the question is negated and the sentence is not
    "rare_missing",  # the rarest course word of the question that the passage lacks (idf)
    "sentence_coverage",  # idf-weighted share of the question's course words in the sentence
)


_FITTED = {"similarity": 7.303, "known_similarity": -0.697, "unknown_share": -0.738,
           "unknown_meaning": -7.636, "coverage": -1.637, "entity_missing": -1.795,
           "kind_missing": -1.15, "negation_missing": -1.907, "rare_missing": -1.708,
           "sentence_coverage": 0.511}


@dataclass(frozen=True)
class EvidenceModel:
    """P(the course covers the question): logistic over `FEATURES`.

    Fitted by `benchmarks/qa.py --calibrate`: logistic regression on 186 course questions
    (144 in scope, 42 out) and the squad2 dev course (972 answerable, 948 unanswerable, 415
    off-course questions), each family weighing the same, classes balanced within it. The
    threshold is the highest at which both families still answer 92% of their answerable
    questions on 5-fold held-out probabilities grouped by lesson or article: course 95.8%
    answered / 88.1% declined; squad2 92.6% answered, 21.4% of its unanswerable and 94.0%
    of its off-course questions declined. Fitted twice, the second time on the passages the
    first fit chose (a question is judged by the passage that covers it best). The
    answer-shaping values below maximise gold-card citations on the course questions.
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(_FITTED))
    bias: float = -1.374
    threshold: float = 0.4
    overlap_weight: float = 0.5  # lexical overlap's share in choosing sentences to quote
    rank_weight: float = 0.0  # the retriever's own ranking of the passage, as 1/(1+rank)
    keep_ratio: float = 0.75  # a further quoted sentence scores at least this share of the best
    max_passages: int = 3  # passages one answer may quote (and so cite)
    # False: the passages were found by their words alone (a course in a language the
    # embedding model does not read), and sentences are compared by words too.
    dense: bool = True

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


# The gate of word-only search (a course in a language the embedding model does not read):
# the same method (`benchmarks/qa.py --calibrate --words-only`) on the same dev questions
# plus the bundled Chinese course's 35 answerable and 22 out-of-scope ones as a family of
# their own, every search and signal by words (a sentence's closeness is its idf-weighted
# share of the question's words). Fitted on the English families alone it declined 40% of
# the Chinese course's answerable questions: a small course's vocabulary misses more of a
# learner's words. Held out (5-fold, grouped by lesson): Chinese 97.1% answered / 95.5%
# declined; course 98.6% / 35.7% and squad2 96.5% answered, 71.3% of its off-course
# questions declined (English courses are never searched this way).
LEXICAL = EvidenceModel(
    weights={"similarity": 2.086, "unknown_share": -4.662, "coverage": 0.483,
             "entity_missing": -2.585, "kind_missing": -1.642, "negation_missing": -2.07,
             "rare_missing": -0.047, "sentence_coverage": 1.668},
    bias=-0.941, threshold=0.22, dense=False, overlap_weight=0.0)


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
    features: Mapping[str, float]  # of the message's sentence the decision rests on
    confidence: float
    covered: bool


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
        return Evidence(question, passages, (), {"unknown_share": index.unknown_share(question)},
                        0.0, False)
    passage_terms = [set(index.terms(p.text)) for p in passages]
    judged = []
    for number, part, similarities, known, meaning in _closeness(
            index, parts, [s for _, _, s in candidates], model.dense, sentence_vectors):
        for features in _features(index, part, candidates, passages, passage_terms,
                                  similarities, known):
            features["unknown_meaning"] = meaning
            judged.append((model.probability(features), number, part, similarities, features))
    confidence, _, focus, similarities, features = max(judged, key=lambda j: (j[0], -j[1]))
    terms = set(index.terms(focus))
    direction = conversion(focus)
    scored = []
    for (i, j, text), similarity in zip(candidates, similarities, strict=True):
        overlap = len(terms & set(index.terms(text))) / len(terms) if terms else 0.0
        score = float(similarity) + model.overlap_weight * overlap + model.rank_weight / (1 + i)
        if direction is not None:
            score += _DIRECTION * (turns_into(text, direction[1]) - turns_into(text, direction[0]))
        scored.append(ScoredSentence(text, i, j, float(similarity), overlap, score))
    scored.sort(key=lambda s: -s.score)
    return Evidence(question, passages, tuple(scored), features, confidence,
                    confidence >= model.threshold)


def _closeness(index: SearchIndex, parts: list[str], sentences: list[str], dense: bool,
               sentence_vectors: SentenceVectors | None
               ) -> Iterator[tuple[int, str, np.ndarray, np.ndarray, float]]:
    """For each part of the message: how close every sentence is to it (and to it without
    the words the course never uses), and how much of its meaning those words carry.

    Dense: cosines of the embeddings. Otherwise by words: the idf-weighted share of the
    part's words a sentence holds (a model that cannot read the language has no meaning to
    compare), with the unknown words' meaning left at 0."""
    if not dense:
        sentence_terms = [set(index.terms(s)) for s in sentences]
        for number, part in enumerate(parts):
            weights = {t: index.idf(t) for t in dict.fromkeys(index.terms(part))}
            total = sum(weights.values()) or 1.0
            shares = np.array([sum(w for t, w in weights.items() if t in terms) / total
                               for terms in sentence_terms], dtype=np.float32)
            yield number, part, shares, shares, 0.0
        return
    known = [_known_words(index, part) for part in parts]
    part_vectors = index.embed(parts + known)
    candidate_vectors = (sentence_vectors or SentenceVectors(index))(sentences)
    for number, part in enumerate(parts):
        # "is my computer broken" changes little of what is asked; "a cover letter" is it.
        meaning = 1 - float(part_vectors[number] @ part_vectors[len(parts) + number])
        yield (number, part, candidate_vectors @ part_vectors[number],
               candidate_vectors @ part_vectors[len(parts) + number], meaning)


def _code_names(text: str) -> set[str]:
    """The names a message uses in code: `nums` in "nums = nums.sort()"."""
    return {m.group(1) or m.group(2) for m in _CODE_NAME.finditer(text)}


def _known_words(index: SearchIndex, text: str) -> str:
    """The text without the words the course never uses ("is my computer broken", typos);
    question words, numbers, symbols and the learner's own names in code stay."""
    names = _code_names(text)

    def kept(word: re.Match[str]) -> str:
        w = word.group()
        return w if w in names or all(t in index.vocabulary for t in index.terms(w)) else ""

    return " ".join(_WORD.sub(kept, text).split()) or text


def _features(index: SearchIndex, part: str, candidates: list[tuple[int, int, str]],
              passages: tuple[Passage, ...], passage_terms: list[set[str]],
              similarities: np.ndarray, known: np.ndarray) -> list[dict[str, float]]:
    """The gate's signals for each passage, judged by its sentence closest to the question:
    the question is covered when one passage covers it, so a near miss elsewhere (a
    `ValueError` sentence for a `TypeError`) does not hide the passage that does."""
    names = _code_names(part)
    own = set(index.terms(" ".join(names))) if names else set()
    terms = [t for t in dict.fromkeys(index.terms(part)) if t not in own or t in index.vocabulary]
    weights = {t: index.idf(t) for t in terms}
    total = sum(weights.values())
    unknown = sum(t not in index.vocabulary for t in terms) / len(terms) if terms else 1.0
    # Words the course uses: a changed name ("the Spanish Parliament" against a passage on
    # the Scottish one) is missing from the passage; a typo or "computer" is in no passage.
    course_words = {t: w for t, w in weights.items() if t in index.vocabulary}
    rarest = index.idf("")  # the idf of a term no chunk holds: the ceiling
    course_total = sum(course_words.values())
    kind = answer_kind(part)
    negation = asks_about_a_negation(part)
    out = []
    for number, passage in enumerate(passages):
        rows = [row for row, (p, _, _) in enumerate(candidates) if p == number]
        if not rows:
            continue
        best = max(rows, key=lambda row: similarities[row])
        sentence = candidates[best][2]
        found = sum(w for t, w in weights.items() if t in passage_terms[number])
        in_sentence = set(index.terms(sentence))
        lacking = [w for t, w in course_words.items() if t not in passage_terms[number]]
        out.append({
            "similarity": float(similarities[best]),
            "known_similarity": float(max(known[row] for row in rows)),
            "unknown_share": unknown,
            "coverage": found / total if total else 0.0,
            "entity_missing": missing_entities(part, passage.text),
            "kind_missing": float(kind is not None and not can_hold(sentence, kind)),
            "negation_missing": float(negation and not negated(sentence)),
            "rare_missing": max(lacking, default=0.0) / rarest,
            "sentence_coverage": sum(w for t, w in course_words.items() if t in in_sentence)
            / course_total if course_total else 0.0,
        })
    return out
