"""Part 4 of the learner-model benchmark: what one answer costs with a big attempt log.

A database holds LEARNERS learners with ATTEMPTS answers between them in a bundled course
(each learner's answers spread over the last 90 days, every question they met a stored fsrs
card). For a sample of learners, through `Tutor.handle` as a chat would: open a quiz (the
first question chosen), then answer (the answer recorded, the model updated, the level
checked, the next question chosen). Also timed on their own: the model update (replaying the
learner's answers) and the choice among the candidates. The same run on a small database
is the baseline; the ratio says how the cost grows with the log.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs import Card
from rich.progress import Progress
from sqlalchemy import create_engine, insert, select, text

from benchmarks.common import percentile
from content import bundled_course_paths, load_course
from tests.bulk import enroll_many
from tutor import Database, Inbound, QuestionReply, Tutor
from tutor import Identity as Who
from tutor.actions import Skip
from tutor.importer import import_course
from tutor.learner.adaptive import aim, choose, level, standing
from tutor.learner.fitting import course_model
from tutor.storage.models import (
    Attempt,
    CourseRow,
    Learner,
    QuestionRow,
    ReviewCard,
)

__all__ = ["POSTGRES_URL", "Cost", "measure", "postgres_schema"]

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CHUNK = 20_000


@dataclass(frozen=True)
class Cost:
    """p50 and p95 in milliseconds."""

    load_seconds: float
    quiz_turn: tuple[float, float]
    answer_turn: tuple[float, float]
    update: tuple[float, float]
    choice: tuple[float, float]


def _fill(db: Database, learners: int, attempts: int, rng: random.Random) -> None:
    with db.session() as session:
        import_course(session, load_course(bundled_course_paths()[0]).unwrap())
        session.commit()
        course = session.scalars(select(CourseRow)).one()
        questions = session.execute(select(QuestionRow.id)).scalars().all()
        course_id = course.id
    card = Card(due=NOW).to_dict()
    with db.session() as session, Progress(transient=True) as bar:
        task = bar.add_task(f"{learners:,} learners, {attempts:,} answers", total=attempts)
        first = (session.scalar(select(Learner.id).order_by(Learner.id.desc()).limit(1)) or 0) + 1
        ids = list(range(first, first + learners))
        enroll_many(session, ids, course_id, platform="bench")
        rows, cards = [], []
        per = attempts // learners
        for learner in ids:
            met = set()
            start = NOW - timedelta(days=90)
            for k in range(per):
                question = rng.choice(questions)
                met.add(question)
                right = rng.random() < 0.7
                rows.append({"learner_id": learner, "question_id": question,
                             "course_id": course_id, "response": "x", "correct": right,
                             "score": float(right), "hints_used": 0, "context": "quiz",
                             "answered_at": start + timedelta(minutes=k * 90 * 24 * 60 // per)})
            cards += [{"learner_id": learner, "question_id": q, "course_id": course_id,
                       "due": NOW + timedelta(days=rng.uniform(-5, 30)), "card": card,
                       "reviews": 1} for q in met]
            if len(rows) >= CHUNK:
                session.execute(insert(Attempt), rows)
                session.execute(insert(ReviewCard), cards)
                bar.advance(task, len(rows))
                rows, cards = [], []
        if rows:
            session.execute(insert(Attempt), rows)
            session.execute(insert(ReviewCard), cards)
        session.commit()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _p(values: list[float]) -> tuple[float, float]:
    return percentile(values, 0.5), percentile(values, 0.95)


def measure(url: str, learners: int, attempts: int, sample: int = 200, seed: int = 5) -> Cost:
    rng = random.Random(seed)
    db = Database(url)
    started = time.perf_counter()
    _fill(db, learners, attempts, rng)
    load_seconds = time.perf_counter() - started
    tutor = Tutor(db, clock=lambda: NOW)
    quiz, answer, update, choice = [], [], [], []
    with db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        model = course_model(session, course)
        pool = session.scalars(select(QuestionRow)).all()
        everyone = session.scalars(select(Learner.id)).all()
        for learner in rng.sample(list(everyone), min(sample, len(everyone))):
            t = time.perf_counter()
            where = standing(session, learner, course.id, model)
            level(model, where, pool, course.target_success, 1)
            update.append(_ms(t))
            t = time.perf_counter()
            choose(model, where, pool, aim(course.target_success, 0))
            choice.append(_ms(t))
            who = Who("bench", str(learner))
            tutor.handle(Inbound.from_text(who, "c", f"/course {course.slug}"))
            t = time.perf_counter()
            replies = tutor.handle(Inbound.from_text(who, "c", "/quiz 4"))
            quiz.append(_ms(t))
            question = next(r for r in replies if isinstance(r, QuestionReply))
            t = time.perf_counter()
            tutor.handle(Inbound(who, "c", action=Skip(question.question_id)))
            answer.append(_ms(t))
    db.dispose()
    return Cost(load_seconds, _p(quiz), _p(answer), _p(update), _p(choice))


@contextmanager
def sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'cost.db'}"


@contextmanager
def postgres_schema(url: str = POSTGRES_URL) -> Iterator[str]:
    """A throw-away schema on the server at `url` (the local one, as the tests use)."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, connect_args={"connect_timeout": 3})
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
