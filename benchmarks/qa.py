"""Question-answering benchmark: answer, cite and decline rates, and latency.

    python -m benchmarks.qa               # the tables
    python -m benchmarks.qa --calibrate   # fit the answer-or-decline model on dev questions
"""

from __future__ import annotations

import argparse
import itertools
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.common import Query, console, course_questions, latency_ms, openbookqa, table
from benchmarks.retrieval import course_chunks, fact_chunks
from retrieval import SearchIndex, Section, SentenceTransformerEmbedder, chunk_sections
from retrieval.chunks import Chunk
from retrieval.langchain import IndexRetriever
from tutor.qa.answerer import Answer, Answerer
from tutor.qa.evidence import EvidenceModel


@dataclass
class IndexSource:
    """Answers over any index, for data that is not a course (OpenBookQA's facts)."""

    index: SearchIndex
    preparing: bool = False  # built before the benchmark asks anything

    def retriever(self, *, course: str | None = None, k: int = 5) -> IndexRetriever:
        return IndexRetriever(index=self.index, k=k,
                              where={"course": course} if course else None)


def cited(answer: Answer, gold: str) -> bool:
    return any("/".join((s.course, s.lesson, s.card)) == gold for s in answer.sources)


def course_rows(answerer: Answerer, inside: list[Query], near: list[str], far: list[str]
                ) -> list[list[str]]:
    answers = [answerer.answer(q.text) for q in inside]
    answered = sum(a.covered for a in answers)
    with_gold = sum(a.covered and cited(a, q.gold) for a, q in zip(answers, inside, strict=True))
    declined_near = sum(not answerer.answer(q).covered for q in near)
    declined_far = sum(not answerer.answer(q).covered for q in far)
    out = len(near) + len(far)
    return [
        ["in-scope answered", f"{answered}/{len(inside)}", f"{answered / len(inside):.1%}"],
        ["in-scope answered citing the gold card", f"{with_gold}/{len(inside)}",
         f"{with_gold / len(inside):.1%}"],
        ["out-of-scope declined (near the topics)", f"{declined_near}/{len(near)}",
         f"{declined_near / len(near):.1%}"],
        ["out-of-scope declined (far)", f"{declined_far}/{len(far)}",
         f"{declined_far / len(far):.1%}"],
        ["out-of-scope declined (all)", f"{declined_near + declined_far}/{out}",
         f"{(declined_near + declined_far) / out:.1%}"],
    ]


def obqa_rows(answerer: Answerer, queries: list[Query]) -> list[list[str]]:
    answers = [answerer.answer(q.text) for q in queries]
    answered = sum(a.covered for a in answers)
    gold = sum(a.covered and any(s.card == q.gold for s in a.sources)
               for a, q in zip(answers, queries, strict=True))
    return [["OpenBookQA dev answered", f"{answered}/{len(queries)}",
             f"{answered / len(queries):.1%}"],
            ["OpenBookQA dev answered citing the gold fact", f"{gold}/{len(queries)}",
             f"{gold / len(queries):.1%}"]]


def features(answerer: Answerer, questions: Sequence[str]) -> np.ndarray:
    rows = []
    for question in questions:
        evidence = answerer.evidence(question)
        rows.append([evidence.best_similarity, evidence.unknown_share])
    return np.array(rows)


def calibrate(answerer: Answerer, inside: list[Query], outside: list[str],
              folds: int = 5) -> EvidenceModel:
    """Logistic regression on dev questions; the threshold balances answering and declining
    on k-fold cross-validated probabilities; the overlap weight maximises gold citations."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    x = np.concatenate([features(answerer, [q.text for q in inside]),
                        features(answerer, outside)])
    y = np.array([1] * len(inside) + [0] * len(outside))
    held_out = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        fitted = LogisticRegression(class_weight="balanced").fit(x[train], y[train])
        held_out[test] = fitted.predict_proba(x[test])[:, 1]

    def balance(t: float) -> float:
        return min(float((held_out[y == 1] >= t).mean()), float((held_out[y == 0] < t).mean()))

    threshold = max((round(float(t), 2) for t in np.arange(0.2, 0.81, 0.02)), key=balance)
    full = LogisticRegression(class_weight="balanced").fit(x, y)
    model = EvidenceModel(sentence_weight=round(float(full.coef_[0][0]), 3),
                          unknown_weight=round(float(full.coef_[0][1]), 3),
                          bias=round(float(full.intercept_[0]), 3), threshold=threshold)
    console.print(f"Cross-validated at threshold {threshold}: answered "
                  f"{(held_out[y == 1] >= threshold).mean():.1%} in scope, declined "
                  f"{(held_out[y == 0] < threshold).mean():.1%} out of scope")
    # How answers are shaped: most gold citations; ties go to shorter answers.
    scores: dict[tuple[float, float, float, int], tuple[int, float]] = {}
    for overlap, rank, keep, passages in itertools.product((0.0, 0.3, 0.5), (0.0, 0.2),
                                                           (0.85, 0.75), (2, 3)):
        trial = Answerer(answerer.source, model=replace(
            model, overlap_weight=overlap, rank_weight=rank, keep_ratio=keep,
            max_passages=passages))
        answers = [trial.answer(q.text) for q in inside]
        hits = sum(cited(a, q.gold) for a, q in zip(answers, inside, strict=True))
        scores[overlap, rank, keep, passages] = (hits, float(np.mean(
            [len(a.text.split()) for a in answers if a.covered])))
    best = max(scores, key=lambda w: (scores[w][0], -scores[w][1]))
    rows = sorted(scores.items(), key=lambda item: (-item[1][0], item[1][1]))[:6]
    table("Answer shaping on dev (gold card cited)", ["overlap", "rank", "keep", "passages",
                                                      "cited", "words"],
          [[*(str(v) for v in key), str(hits), f"{words:.1f}"] for key, (hits, words) in rows])
    overlap, rank, keep, passages = best
    return replace(model, overlap_weight=overlap, rank_weight=rank, keep_ratio=keep,
                   max_passages=passages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    inside, near, far = course_questions()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        courses = SearchIndex(workdir / "courses", embedder)
        courses.sync(course_chunks(workdir))
        answerer = Answerer(IndexSource(courses))
        if args.calibrate:
            console.print(calibrate(answerer, inside, near + far))
            return
        table("Answering the course questions (offline engine)", ["measure", "count", "rate"],
              course_rows(answerer, inside, near, far))
        facts, obqa = openbookqa()
        book = SearchIndex(workdir / "obqa", embedder)
        book.sync(_as_cards(fact_chunks(facts)), progress=True)
        table("OpenBookQA (the course = 1,326 facts)", ["measure", "count", "rate"],
              obqa_rows(Answerer(IndexSource(book)), obqa))
        questions = [q.text for q in inside] + near + far
        random.Random(4).shuffle(questions)
        answer_ms = latency_ms(answerer.answer, questions)
        search_ms = latency_ms(partial(courses.search, k=4), questions)
        table("Latency, warm, ms", ["what", "p50", "p95"],
              [["retrieval alone (hybrid, k=4)", f"{search_ms[0]:.1f}", f"{search_ms[1]:.1f}"],
               ["offline answer (retrieval + evidence + composition)", f"{answer_ms[0]:.1f}",
                f"{answer_ms[1]:.1f}"]])


def _as_cards(chunks: list[Chunk]) -> list[Chunk]:
    """Each fact is its own 'card', so a citation names the fact's line number."""
    return chunk_sections(Section(c.section, c.path, c.text,
                                  {"course": "obqa", "lesson": "facts", "card": c.section})
                          for c in chunks)


if __name__ == "__main__":
    main()
