"""Question-answering benchmark: issue 13's targets, today's gate as the baseline.

    python -m benchmarks.qa                    # the targets table (about 8 minutes)
    python -m benchmarks.qa --data DIR         # the same on a sibling data folder
    python -m benchmarks.qa --calibrate        # fit the answer-or-decline gate on dev data
    python -m benchmarks.qa --calibrate --words-only  # the gate of word-only search
    python -m benchmarks.qa --show 5           # some answers, to read
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
from rich.progress import track

from benchmarks.common import (
    CHINESE_QUESTIONS,
    EVAL,
    Query,
    Squad,
    beginner_questions,
    console,
    course_questions,
    cs1qa,
    latency_ms,
    openbookqa,
    squad,
    table,
)
from benchmarks.retrieval import course_chunks, fact_chunks, metrics, squad_chunks
from retrieval import SearchIndex, Section, SentenceTransformerEmbedder, chunk_sections
from retrieval.chunks import Chunk
from retrieval.index import SearchMode
from retrieval.langchain import IndexRetriever
from tutor.qa.answerer import Answer, Answerer
from tutor.qa.evidence import FEATURES, EvidenceModel


@dataclass
class IndexSource:
    """Answers over any index, for data that is not a course (OpenBookQA's facts)."""

    index: SearchIndex
    preparing: bool = False  # built before the benchmark asks anything
    mode: SearchMode = "hybrid"

    def retriever(self, *, course: str | None = None, k: int = 5) -> IndexRetriever:
        return IndexRetriever(index=self.index, k=k,
                              where={"course": course} if course else None, mode=self.mode)


def cited(answer: Answer, gold: str) -> bool:
    return any("/".join((s.course, s.lesson, s.card)) == gold for s in answer.sources)


BASELINE = EvidenceModel(weights={"similarity": 4.604, "unknown_share": -3.553}, bias=-1.654,
                         threshold=0.58)  # the gate before issue 13: two signals, course data


ANSWER_FLOOR = 0.92  # issue 13's target for answerable questions answered


@dataclass(frozen=True)
class Labelled:
    """A dev question for the gate: whether the course holds its answer, its data family,
    and a group that keeps near-copies (one article's questions) in one fold."""

    text: str
    covered: bool
    family: str
    group: str
    reworded: bool = False  # a copy in a learner's wording: fitted on, never measured


# Chatter learners put around a question. None of it is from our beginner questions: those
# measure the gate and are never fitted on.
CHATTER = ("pls help", "i'm so confused", "sorry for the dumb question", "thanks in advance",
           "been stuck on this for an hour", "my friend says otherwise", "asking for homework",
           "can someone explain")


def reworded(text: str, rng: random.Random) -> str:
    """The question as a learner might type it: a letter dropped or two swapped in one
    longer word, or chatter after it."""
    words = text.rstrip("?").split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if long and rng.random() < 0.5:
        i = rng.choice(long)
        word, j = words[i], rng.randrange(1, len(words[i]) - 2)
        words[i] = word[:j] + word[j + 1:] if rng.random() < 0.5 else \
            word[:j] + word[j + 1] + word[j] + word[j + 2:]
    else:
        words.append(rng.choice(CHATTER))
    return " ".join(words) + "?"


# Rewordings taught the fit that unknown words may count for a question (a positive
# weight on unknown_share) and cost declines. Held out, answered / not answerable declined:
# at 0.5, course 93.1% / 83.3% and squad2 92.6% / 40.8%; at 0.2, 95.8% / 85.7% and
# 92.3% / 44.2%; at 0, 95.8% / 88.1% and 92.2% / 43.7%. `unknown_meaning` does their work.
REWORDED = 0.0


def with_rewordings(items: list[Labelled], seed: int = 13, share: float = REWORDED
                    ) -> list[Labelled]:
    """A share of the answerable questions once more in a learner's wording (same group,
    so a fold holds both): typos and chatter must not count against a question the course
    covers."""
    rng = random.Random(seed)
    return items + [Labelled(reworded(i.text, rng), True, i.family, i.group, True)
                    for i in items if i.covered and rng.random() < share]


def features(answerer: Answerer, questions: Sequence[str],
             names: Sequence[str] = FEATURES) -> np.ndarray:
    signals = [answerer.evidence(q).features
               for q in track(questions, description="evidence", console=console)]
    return np.array([[found.get(name, 0.0) for name in names] for found in signals])


def _weights(items: Sequence[Labelled]) -> np.ndarray:
    """Each family counts the same, and within it answerable and not answerable do."""
    weights = np.zeros(len(items))
    for family in {i.family for i in items}:
        for covered in (True, False):
            mask = np.array([i.family == family and i.covered == covered for i in items])
            weights[mask] = len(items) / max(1, mask.sum())
    return weights


def calibrate(answerers: dict[str, Answerer], items: list[Labelled], folds: int = 5,
              names: Sequence[str] = FEATURES, dense: bool = True) -> EvidenceModel:
    """Logistic regression over FEATURES on every family's dev questions. The threshold is
    the highest at which every family still answers ANSWER_FLOOR of its answerable
    questions, on grouped k-fold held-out probabilities: a decline costs a learner the
    answer the course has, so answering sets the floor and declining gets the rest."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    x = np.concatenate([features(answerers[family], [i.text for i in items
                                                     if i.family == family], names)
                        for family in answerers])
    items = [i for family in answerers for i in items if i.family == family]
    y = np.array([i.covered for i in items])
    weights = _weights(items)
    held_out = np.zeros(len(y))
    for train, test in GroupKFold(folds).split(x, y, [i.group for i in items]):
        fitted = LogisticRegression(max_iter=2000).fit(x[train], y[train],
                                                       sample_weight=weights[train])
        held_out[test] = fitted.predict_proba(x[test])[:, 1]
    # Measured on the dev questions as written; the rewordings only teach.
    families = np.array([i.family if not i.reworded else "" for i in items])

    def answered(t: float) -> float:
        return min(float((held_out[(families == f) & y] >= t).mean()) for f in answerers)

    # squad2's off-course questions apart from its unanswerable ones, which are the hard part.
    off = np.array([i.group.startswith("off-") for i in items])
    all_ = np.ones(len(items), dtype=bool)
    grid = [round(float(t), 2) for t in np.arange(0.1, 0.81, 0.01)]
    threshold = max([t for t in grid if answered(t) >= ANSWER_FLOOR] or grid[:1])
    full = LogisticRegression(max_iter=2000).fit(x, y, sample_weight=weights)
    table(f"Gate by {folds}-fold CV, grouped (held-out folds, threshold {threshold})",
          ["family", "answerable answered", "not answerable declined", "unanswerable",
           "off-course"],
          [[f, f"{(held_out[(families == f) & y] >= threshold).mean():.1%}",
            *(_declined(held_out[(families == f) & ~y & kind], threshold)
              for kind in (all_, ~off, off))] for f in answerers])
    return EvidenceModel(weights={n: round(float(w), 3) for n, w in
                                  zip(names, full.coef_[0], strict=True)},
                         bias=round(float(full.intercept_[0]), 3), threshold=threshold,
                         dense=dense, overlap_weight=0.0 if not dense else 0.5)


def _declined(probabilities: np.ndarray, threshold: float) -> str:
    return f"{(probabilities < threshold).mean():.1%}" if len(probabilities) else "-"


def share(hits: int, total: int) -> str:
    return f"{hits / total:.1%} ({hits}/{total})" if total else "-"


def measure(answerer: Answerer, corpora: Corpora) -> dict[str, str]:
    """Every target measure of issue 13 for one answerer (one gate)."""
    out: dict[str, str] = {}
    if corpora.squad is not None:
        squad_answerer = replace_source(answerer, corpora.squad_source)
        data = corpora.squad
        answers = [squad_answerer.answer(q.text) for q in data.answerable]
        out["squad2 dev: answerable answered citing the gold paragraph"] = share(
            sum(a.covered and any(s.card == q.gold for s in a.sources)
                for a, q in zip(answers, data.answerable, strict=True)), len(answers))
        out["squad2 dev: unanswerable declined"] = share(
            sum(not squad_answerer.answer(q.text).covered for q in data.unanswerable),
            len(data.unanswerable))
        out["squad2 dev: off-course declined"] = share(
            sum(not squad_answerer.answer(q).covered for q in data.offcourse),
            len(data.offcourse))
    inside, near, far = corpora.course
    gold = sum(cited(answerer.answer(q.text), q.gold) for q in inside)
    declined = sum(not answerer.answer(q).covered for q in near + far)
    out["course questions: gold-cited / out-of-scope declined"] = \
        f"{gold / len(inside):.1%} / {declined / len(near + far):.1%}"
    beginner = corpora.beginner
    out["beginner questions: answered correctly"] = share(
        sum(cited(answerer.answer(q.text), q.gold) for q in beginner), len(beginner))
    labelled = [(q, label) for q, label in corpora.cs1qa if label is not None]
    if labelled:
        judged = [(answerer.answer(q), label) for q, label in labelled]
        out["cs1qa dev sample: wrong content presented as an answer"] = share(
            sum(a.covered and not a.own_work and label != "answerable" for a, label in judged),
            len(judged))
        own = [a for a, label in judged if label == "own_work"]
        out["cs1qa dev sample: own-work questions recognised as such"] = share(
            sum(a.own_work for a in own), len(own))
    elif corpora.cs1qa:
        answers = [answerer.answer(q) for q, _ in corpora.cs1qa]
        out["cs1qa (unlabelled): taken as own work / answered"] = \
            f"{share(sum(a.own_work for a in answers), len(answers))} / " \
            f"{share(sum(a.covered for a in answers), len(answers))}"
    return out


def replace_source(answerer: Answerer, source: IndexSource) -> Answerer:
    return Answerer(source, model=answerer.model, recognise_work=answerer.recognises_work,
                    lexical_model=answerer.lexical_model)


@dataclass
class Corpora:
    course: tuple[list[Query], list[str], list[str]]
    beginner: list[Query]
    cs1qa: list[tuple[str, str | None]]
    squad: Squad | None
    squad_source: IndexSource


TARGETS = {
    "squad2 dev: answerable answered citing the gold paragraph": ">= 92%",
    "squad2 dev: unanswerable declined": ">= 50%",
    "squad2 dev: off-course declined": ">= 99%",
    "course questions: gold-cited / out-of-scope declined": ">= 92% / >= 95%",
    "beginner questions: answered correctly": ">= 80%",
    "cs1qa dev sample: wrong content presented as an answer": "<= 5%",
    "cs1qa dev sample: own-work questions recognised as such": ">= 80%",
    "OpenBookQA dev R@5 (stem only)": ">= 0.75",
    "squad2 dev: hybrid R@1 against lexical R@1": "not lower",
    "offline answer p95 / retrieval p95 (same run)": "<= 3",
}


def retrieval_rows(corpora: Corpora, book: SearchIndex | None, obqa: list[Query]
                   ) -> dict[str, str]:
    out = {}
    if book is not None:
        ranked = [[h.chunk.section for h in book.search(q.text, k=5)] for q in obqa]
        out["OpenBookQA dev R@5 (stem only)"] = f"{metrics(ranked, obqa)[1]:.3f}"
    if corpora.squad is not None:
        index, questions = corpora.squad_source.index, corpora.squad.answerable
        r1 = {mode: metrics([[h.chunk.section for h in index.search(q.text, k=5, mode=mode)]
                             for q in questions], questions)[0]
              for mode in ("hybrid", "lexical", "dense")}
        out["squad2 dev: hybrid R@1 against lexical R@1"] = \
            f"{r1['hybrid']:.3f} vs {r1['lexical']:.3f} (dense {r1['dense']:.3f})"
    return out


def show(answerer: Answerer, questions: Sequence[str]) -> None:
    for question in questions:
        answer = answerer.answer(question)
        kind = "own work" if answer.own_work else "answer" if answer.covered else "declined"
        cites = "; ".join(f"{s.course}/{s.lesson}/{s.card}" for s in answer.sources)
        console.print(f"[bold]Q:[/bold] {question}\n[bold]{kind}[/bold] "
                      f"({answer.confidence:.2f}) {answer.text or '-'}\n  cites: {cites or '-'}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=EVAL,
                        help="the evaluation data folder (squad2/, cs1qa/, openbookqa/)")
    parser.add_argument("--calibrate", action="store_true",
                        help="fit the answer-or-decline gate on the dev questions")
    parser.add_argument("--words-only", action="store_true",
                        help="with --calibrate: the gate of courses searched by their words "
                             "alone (a language the embedding model does not read)")
    parser.add_argument("--reworded", type=float, default=REWORDED, metavar="SHARE",
                        help="with --calibrate: the share of answerable questions fitted on "
                             "once more in a learner's wording")
    parser.add_argument("--show", type=int, default=0, metavar="N",
                        help="print N answers of each question set")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    squad_folder, cs1qa_file = args.data / "squad2", args.data / "cs1qa" / "questions_dev.jsonl"
    obqa_folder = args.data / "openbookqa"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        courses = SearchIndex(workdir / "courses", embedder)
        courses.sync(course_chunks(workdir))
        squad_data = squad(squad_folder) if squad_folder.is_dir() else None
        squad_index = SearchIndex(workdir / "squad2", embedder)
        if squad_data is not None:
            squad_index.sync(squad_chunks(squad_data), progress=True)
        corpora = Corpora(course_questions(), beginner_questions(),
                          cs1qa(cs1qa_file) if cs1qa_file.is_file() else [], squad_data,
                          IndexSource(squad_index))
        ours = Answerer(IndexSource(courses))
        if args.calibrate and args.words_only:
            console.print(calibrate_words_only(corpora, courses, args.reworded))
            return
        if args.calibrate:
            console.print(calibrate_all(corpora, ours, args.reworded))
            return
        if args.show:
            rng = random.Random(13)
            labelled = [q for q, label in corpora.cs1qa if label]
            show(ours, rng.sample([q.text for q in corpora.beginner], args.show)
                 + rng.sample(labelled, min(args.show, len(labelled))))
            if squad_data is not None:
                show(replace_source(ours, corpora.squad_source),
                     rng.sample([q.text for q in squad_data.unanswerable], args.show))
            return
        baseline = Answerer(IndexSource(courses), model=BASELINE, recognise_work=False)
        today, now = measure(baseline, corpora), measure(ours, corpora)
        book: SearchIndex | None = None
        obqa: list[Query] = []
        if obqa_folder.is_dir():
            facts, obqa = openbookqa(obqa_folder)
            book = SearchIndex(workdir / "obqa", embedder)
            book.sync(_as_cards(fact_chunks(facts)), progress=True)
        found = retrieval_rows(corpora, book, obqa)
        questions = [q.text for q in corpora.course[0]] + corpora.course[1] + corpora.course[2]
        random.Random(4).shuffle(questions)
        answer_ms = latency_ms(ours.answer, questions)
        search_ms = latency_ms(partial(courses.search, k=4), questions)
        found["offline answer p95 / retrieval p95 (same run)"] = \
            f"{answer_ms[1] / search_ms[1]:.1f} ({answer_ms[1]:.0f} / {search_ms[1]:.0f} ms)"
        chinese_table(courses)
        table("Issue 13's targets (today's gate = the two-signal gate before it)",
              ["measure", "today's gate", "ours", "target"],
              [[name, today.get(name, "-"), now.get(name, found.get(name, "-")), target]
               for name, target in TARGETS.items()
               if name in now or name in found] +
              [[name, today[name], now[name], "-"] for name in now if name not in TARGETS])


# In word-only search a sentence's closeness is its share of the question's words, so the
# cosine features repeat it (known_similarity) or say nothing (unknown_meaning).
WORD_FEATURES = tuple(f for f in FEATURES if f not in ("known_similarity", "unknown_meaning"))


def calibrate_words_only(corpora: Corpora, courses: SearchIndex, reworded: float = REWORDED
                         ) -> EvidenceModel:
    """The gate for word-only search, by the same method on the same dev questions plus the
    Chinese course's (a family of its own, weighing as much as each other family), every
    search and every signal by words: fitted twice, the second time on the passages the
    first fit chose (the gate picks the passage it judges a question by)."""
    model = EvidenceModel(weights={"coverage": 4.0, "sentence_coverage": 2.0}, bias=-3.0,
                          dense=False, overlap_weight=0.0)
    inside, near, far = course_questions(CHINESE_QUESTIONS)
    chinese = [Labelled(q.text, True, "chinese", q.gold.split("/")[1]) for q in inside]
    chinese += [Labelled(q, False, "chinese", f"out-{n % 4}") for n, q in enumerate(near + far)]
    for _ in range(2):
        answerer = Answerer(IndexSource(courses, mode="lexical"), lexical_model=model)
        squad_source = replace(corpora.squad_source, mode="lexical")
        model = calibrate_all(replace(corpora, squad_source=squad_source), answerer, reworded,
                              names=WORD_FEATURES, dense=False, extra={"chinese": chinese})
    return model


def calibrate_all(corpora: Corpora, answerer: Answerer, reworded: float = REWORDED,
                  names: Sequence[str] = FEATURES, dense: bool = True,
                  extra: dict[str, list[Labelled]] | None = None) -> EvidenceModel:
    """`extra`: further families of dev questions, answered by `answerer` too."""
    inside, near, far = corpora.course
    items = [Labelled(q.text, True, "course", q.gold.split("/")[1]) for q in inside]
    items += [Labelled(q, False, "course", f"out-{n % 5}") for n, q in enumerate(near + far)]
    answerers = {"course": answerer}
    if corpora.squad is not None:
        answerers["squad2"] = replace_source(answerer, corpora.squad_source)
        items += [Labelled(q.text, True, "squad2", q.gold.split("#")[0])
                  for q in corpora.squad.answerable]
        items += [Labelled(q.text, False, "squad2", q.gold.split("#")[0])
                  for q in corpora.squad.unanswerable]
        items += [Labelled(q, False, "squad2", f"off-{n % 5}")
                  for n, q in enumerate(corpora.squad.offcourse)]
    for family, labelled in (extra or {}).items():
        answerers[family] = answerer
        items += labelled
    return calibrate(answerers, with_rewordings(items, share=reworded), names=names,
                     dense=dense)


def chinese_table(courses: SearchIndex) -> None:
    """The bundled Chinese course, as the bot answers it with the bundled English model:
    searched by its words alone and judged by the word-only gate. These questions are one
    of the families that gate was fitted on: its held-out figures are calibration's
    (`--calibrate --words-only`); these are in sample."""
    inside, near, far = course_questions(CHINESE_QUESTIONS)
    answerer = Answerer(IndexSource(courses, mode="lexical"))
    course = inside[0].gold.split("/")[0]
    answers = [answerer.answer(q.text, course=course) for q in inside]
    table("Chinese course (physics-zh): word-only search and gate",
          ["measure", "value"],
          [["answerable answered citing the gold card",
            share(sum(a.covered and cited(a, q.gold) for a, q in zip(answers, inside,
                                                                        strict=True)),
                  len(inside))],
           ["answerable answered", share(sum(a.covered for a in answers), len(inside))],
           *[[f"{kind} out-of-scope declined",
              share(sum(not answerer.answer(q, course=course).covered for q in questions),
                    len(questions))] for kind, questions in (("near", near), ("far", far))]])


def _as_cards(chunks: list[Chunk]) -> list[Chunk]:
    """Each fact is its own 'card', so a citation names the fact's line number."""
    return chunk_sections(Section(c.section, c.path, c.text,
                                  {"course": "obqa", "lesson": "facts", "card": c.section})
                          for c in chunks)


if __name__ == "__main__":
    main()
