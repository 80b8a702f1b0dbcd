"""Telegram benchmark: the full stack against a bare PTB echo bot, on the fake Bot API server.

    python -m benchmarks.telegram [--learners 200] [--crowd 1000] [--rounds 3]

Both bots are real python-telegram-bot Applications polling the same fake server (from
the tests) in the same run, with the same concurrency and no rate limiter (the limits
would cap both at Telegram's 30 messages a second and measure nothing). Throughput:
LEARNERS learners in the middle of a quiz all answer at once; tutorbot grades, updates the
learner model, stores the attempt and sends feedback and the next question; the echo bot
echoes. A third run is tutorbot's Telegram side alone: the same learners in the same quiz
answer, but the core replies at once with two fixed messages (the feedback and the next
question); the gap between it and tutorbot is the turn's own cost. Latency is from the update being
queued to the first reply reaching the server. For the turn, the CPU time of each quiz answer
(`Tutor.handle`, on its worker thread), and SQLite's own execution of every statement sent
while the answers were handled, per answer: the rest of a turn is Python (SQLAlchemy and the
tutor's logic).
Each bot runs ROUNDS times, alternating, each tutorbot run on a fresh database (a new
course: its item calibration is fitted as its first answers come in); the median run of
each is compared. Then CROWD learners write at once and each must get exactly one reply.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from benchmarks.common import console, percentile, table
from content import bundled_course_paths, load_course
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running
from tutor import Database, Inbound, Tutor
from tutor.importer import import_course
from tutor.messages import Reply, Text

FIRST_USER = 10_000


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


async def _drive(fake: FakeTelegram, pushes: dict[int, Callable[[], int]]
                 ) -> tuple[float, list[float]]:
    """Queue every update at once; seconds until each chat has its first reply."""
    before = {chat: len(fake.to(chat)) for chat in pushes}
    started = time.monotonic()
    for push in pushes.values():
        push()
    await fake.wait(lambda: all(len(fake.to(c)) > before[c] for c in pushes), 300)
    latencies = [(fake.to(c)[before[c]].at - started) * 1000 for c in pushes]
    return time.monotonic() - started, latencies


async def echo_run(learners: int) -> tuple[float, list[float]]:
    fake = FakeTelegram()
    await fake.start()
    application: Any = Application.builder().token(fake.token).base_url(fake.base_url) \
        .concurrent_updates(64).build()
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    await application.initialize()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    await application.start()
    try:
        users = range(FIRST_USER, FIRST_USER + learners)
        return await _drive(fake, {u: partial(fake.message, u, "2") for u in users})
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        await fake.stop()


class InstantCore(Tutor):
    """The real core until `instant` is set; then every turn costs nothing: two fixed
    replies, the shape of a quiz answer's. While `timing`, each turn's CPU time (seconds,
    on its own thread) is kept in `cpu`."""

    instant = False
    timing = False

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.cpu: list[float] = []

    def handle(self, event: Inbound) -> list[Reply]:
        if self.instant:
            return [Text("✅ **Right.** `3.0` is a float: it has a decimal point."),
                    Text("Question 2 of 5\nWhat is the type of the value `3`?")]
        started = time.thread_time()
        try:
            return super().handle(event)
        finally:
            if self.timing:
                self.cpu.append(time.thread_time() - started)


class SqliteTime:
    """CPU time spent inside the database driver's execute, over all threads."""

    def __init__(self, database: Database) -> None:
        self.seconds = 0.0
        self._started = threading.local()
        self._lock = threading.Lock()
        event.listen(database.engine, "before_cursor_execute", self._before)
        event.listen(database.engine, "after_cursor_execute", self._after)

    def _before(self, *_: object) -> None:
        self._started.at = time.thread_time()

    def _after(self, *_: object) -> None:
        spent = time.thread_time() - self._started.at
        with self._lock:
            self.seconds += spent


@dataclass(frozen=True)
class TurnCost:
    cpu_ms: list[float]  # each quiz answer's turn
    sqlite_ms: float  # SQLite's execution of every statement meanwhile, per answer


async def tutor_run(database: Database, learners: int, *, instant: bool = False,
                    cost: list[TurnCost] | None = None) -> tuple[float, list[float]]:
    """Learners in a quiz answer at once (with `instant`, through a core that costs nothing);
    the turns' cost is added to `cost`."""
    core = InstantCore(database)
    async with running(core, database, telegram_rate_limits=False) as (fake, _):
        users = list(range(FIRST_USER, FIRST_USER + learners))
        for step in ("/course python-basics", "/quiz 1"):  # not timed: into a quiz
            await _drive(fake, {u: partial(fake.message, u, step) for u in users})
            await asyncio.sleep(0.5)
        answers: dict[int, Callable[[], int]] = {}
        for user in users:
            question = fake.to(user)[-1]
            if question.method == "sendPoll":
                answers[user] = partial(fake.vote, user, question.poll_id, 0)
            else:
                answers[user] = partial(fake.message, user, "1")
        core.instant = instant
        if cost is None:  # no timing: its listeners would weigh on the run they don't measure
            return await _drive(fake, answers)
        core.timing, driver = True, SqliteTime(database)
        timed = await _drive(fake, answers)
        if core.cpu:
            cost.append(TurnCost([1000 * c for c in core.cpu],
                                 1000 * driver.seconds / len(core.cpu)))
        return timed


async def crowd_run(database: Database, crowd: int) -> tuple[int, int, int, float]:
    """Everyone writes at once: (learners, lost, duplicated, seconds)."""
    async with running(Tutor(database), database, telegram_rate_limits=False) as (fake, _):
        users = range(2 * FIRST_USER, 2 * FIRST_USER + crowd)
        started = time.monotonic()
        for user in users:
            fake.message(user, "/help")
        await fake.wait(lambda: sum(1 for u in users if fake.to(u)) == crowd, 600)
        await asyncio.sleep(2.0)  # time for any duplicate to show up
        counts = [len(fake.to(u)) for u in users]
        return (crowd, sum(1 for c in counts if c == 0), sum(c - 1 for c in counts if c > 1),
                time.monotonic() - started)


def _database(folder: Path) -> Database:
    database = Database(f"sqlite:///{folder / 'bench.db'}")
    with database.session() as session:
        for path in bundled_course_paths():
            import_course(session, load_course(path).unwrap())
        session.commit()
    return database


def _median(runs: list[tuple[float, list[float]]]) -> tuple[float, list[float]]:
    """The run with the median time (runs on a shared machine vary by a third)."""
    return sorted(runs)[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--crowd", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each bot, alternating; the median run is reported")
    args = parser.parse_args()
    echo_runs, path_runs, tutor_runs = [], [], []
    costs: list[TurnCost] = []
    for _ in range(args.rounds):
        echo_runs.append(asyncio.run(echo_run(args.learners)))
        with tempfile.TemporaryDirectory() as folder:
            database = _database(Path(folder))
            path_runs.append(asyncio.run(tutor_run(database, args.learners, instant=True)))
            database.dispose()
        with tempfile.TemporaryDirectory() as folder:
            database = _database(Path(folder))
            tutor_runs.append(asyncio.run(tutor_run(database, args.learners, cost=costs)))
            database.dispose()
    with tempfile.TemporaryDirectory() as folder:
        database = _database(Path(folder))
        crowd, lost, duplicated, crowd_seconds = asyncio.run(crowd_run(database, args.crowd))
        database.dispose()
    console.print("answers per second in each round: " + "; ".join(
        f"{name} " + ", ".join(f"{args.learners / s:.0f}" for s, _ in runs)
        for name, runs in (("echo", echo_runs), ("path alone", path_runs),
                           ("tutorbot", tutor_runs))))
    echo_seconds = _median(echo_runs)[0]
    rows, rates = [], []
    for name, runs in (("bare PTB echo bot", echo_runs),
                       ("tutorbot's Telegram side, a core that costs nothing", path_runs),
                       ("tutorbot, quiz answers (core, learner model, SQLite)", tutor_runs)):
        seconds, latency = _median(runs)
        rates.append(args.learners / seconds)
        rows.append([name, f"{args.learners / seconds:.0f}", f"{echo_seconds / seconds:.2f}",
                     f"{statistics.median(latency):.0f}", f"{percentile(latency, 0.95):.0f}"])
    table(f"{args.learners} learners answering at once, fake Bot API server",
          ["bot", "updates/s", "/ echo", "p50 ms", "p95 ms"], rows)
    echo_rate, path_rate, tutor_rate = rates
    console.print(f"tutorbot / echo rate: {tutor_rate / echo_rate:.2f} (target at least 0.5); "
                  f"time an answer at full load: {1000 / tutor_rate:.1f} ms, of which the turn "
                  f"{1000 / tutor_rate - 1000 / path_rate:.1f} ms and the Telegram path "
                  f"{1000 / path_rate:.1f} ms (the echo bot's whole path "
                  f"{1000 / echo_rate:.1f} ms)")
    turns = [c for cost in costs for c in cost.cpu_ms]
    console.print(f"a quiz answer's turn at full load: CPU p50 {statistics.median(turns):.1f} ms,"
                  f" p95 {percentile(turns, 0.95):.1f} ms, of which SQLite's own execution "
                  f"{statistics.fmean(c.sqlite_ms for c in costs):.1f} ms on average (the rest "
                  "is Python: SQLAlchemy and the tutor's logic)")
    console.print(f"{crowd} learners writing at once: {lost} lost, {duplicated} duplicated "
                  f"replies, all answered in {crowd_seconds:.1f} s")


if __name__ == "__main__":
    main()
