"""Shared pieces of the benchmarks: the eval data, timing, tables."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
DATA = Path(__file__).parent / "data"
COURSE_QUESTIONS = DATA / "course_questions.yaml"
CHINESE_QUESTIONS = DATA / "course_questions_zh.yaml"
console = Console()
if not console.is_terminal:  # a log file: tables as wide as they need
    console.width = 150


@dataclass(frozen=True)
class Query:
    text: str
    gold: str  # the id of the relevant section


def openbookqa(folder: Path = EVAL / "openbookqa") -> tuple[list[str], list[Query]]:
    """The open book's facts and the dev questions (stem only), gold = fact line number."""
    facts = [line.strip().strip('"') for line in
             (folder / "openbook.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    by_text = {fact.lower(): i for i, fact in enumerate(facts)}
    queries = []
    for line in (folder / "dev_complete.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        queries.append(Query(item["question"]["stem"], str(by_text[item["fact1"].lower()])))
    return facts, queries


def course_questions(path: Path = COURSE_QUESTIONS) -> tuple[list[Query], list[str], list[str]]:
    """In-scope questions (gold = card section key), near and far out-of-scope questions;
    of the bundled English courses, or (CHINESE_QUESTIONS) of the Chinese one."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    inside = [Query(q, key) for key, qs in data["in_scope"].items() for q in qs]
    return inside, data["out_of_scope"]["near"], data["out_of_scope"]["far"]


def beginner_questions() -> list[Query]:
    """Our fixed beginner-style questions (gold = card section key)."""
    data = yaml.safe_load((DATA / "beginner_questions.yaml").read_text(encoding="utf-8"))
    return [Query(q, key) for key, qs in data["questions"].items() for q in qs]


@dataclass(frozen=True)
class Squad:
    """The SQuAD 2.0 course: paragraphs (id, title, text) and three kinds of question."""

    paragraphs: list[tuple[str, str, str]]
    answerable: list[Query]  # gold = paragraph id
    unanswerable: list[Query]  # gold = the paragraph it was written against
    offcourse: list[str]


def squad(folder: Path) -> Squad:
    def rows(name: str) -> list[dict[str, str]]:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    return Squad([(p["id"], p["title"], p["text"]) for p in rows("paragraphs.jsonl")],
                 [Query(q["question"], q["paragraph"]) for q in rows("answerable.jsonl")],
                 [Query(q["question"], q["paragraph"]) for q in rows("unanswerable.jsonl")],
                 [q["question"] for q in rows("offcourse.jsonl")])


def cs1qa(path: Path) -> list[tuple[str, str | None]]:
    """CS1QA questions with our label (own_work, answerable, not_covered), None when the
    question is not in our labelled sample (a held-out sibling is all None)."""
    labels = yaml.safe_load((DATA / "cs1qa_labels.yaml").read_text(encoding="utf-8"))["labels"]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [(row["question"], labels.get(row["id"])) for row in rows]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latency_ms(run: Callable[[str], object], queries: list[str], warmup: int = 10
               ) -> tuple[float, float]:
    """p50 and p95 in milliseconds of `run(query)` over the queries, after a warm-up."""
    for query in queries[:warmup]:
        run(query)
    times = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 0.95)


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    yield box
    box.append(time.perf_counter() - started)


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    out = Table(*columns, title=title, title_justify="left")
    for row in rows:
        out.add_row(*row)
    console.print(out)
