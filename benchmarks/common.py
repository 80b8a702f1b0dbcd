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
COURSE_QUESTIONS = Path(__file__).parent / "data" / "course_questions.yaml"
console = Console()


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


def course_questions() -> tuple[list[Query], list[str], list[str]]:
    """In-scope questions (gold = card section key), near and far out-of-scope questions."""
    data = yaml.safe_load(COURSE_QUESTIONS.read_text(encoding="utf-8"))
    inside = [Query(q, key) for key, qs in data["in_scope"].items() for q in qs]
    return inside, data["out_of_scope"]["near"], data["out_of_scope"]["far"]


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
