"""Nudge benchmark: planning for 100,000 learners, dispatch against Telegram's limit, and
Thompson sampling against an even split.

    python -m benchmarks.nudges [--learners 100000]

1. A day's planner runs (`nudges.planner.plan`: audience selection, rendering, writing the
   outbox) for one campaign and the automatic reminders, on SQLite and on PostgreSQL
   (skipped, saying why, without a server): seconds and peak Python memory (tracemalloc) of
   each run, beside the planner before it became incremental (`benchmarks.baseline_planner`)
   on the same data.
2. Dispatch through the real Telegram channel (PTB) to the fake Bot API server, which answers
   429 beyond 30 messages a second: the rate reached as a share of 30, and the 429s.
3. The at-risk scan (every 15 minutes, every learner of every course) on the same SQLite
   data: the first scan, which raises an alert for everyone (nobody has been active), and
   the next, which has nothing new: seconds and peak Python memory.
4. A simulated campaign with three variants whose true return rates are known; 20,000 nudges
   whose outcomes arrive a day (1,000 nudges) late: regret of Thompson sampling against an
   even split, averaged over 20 runs.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from benchmarks.baseline_planner import plan as baseline_plan
from benchmarks.common import console, table
from benchmarks.learner_cost import postgres_schema, sqlite_file
from content import bundled_course_paths, load_course
from nudges.admin import create
from nudges.campaign import CampaignSpec
from nudges.planner import plan
from nudges.sampler import Arm, choose_variant
from tests.bulk import enroll_many
from tutor import Database
from tutor.alerts import scan
from tutor.importer import import_course
from tutor.storage.models import CourseRow, Nudge, RiskAlert

NOW = datetime(2026, 6, 1, 16, 5, tzinfo=UTC)  # 18:05 in Berlin
CHUNK = 20_000


def _fill(database: Database, learners: int) -> None:
    with database.session() as session:
        for path in bundled_course_paths():
            import_course(session, load_course(path).unwrap())
        session.commit()
        course = session.scalars(select(CourseRow).where(
            CourseRow.slug == "python-basics")).one()
        zones = ["Europe/Berlin", "Europe/Paris", "Africa/Lagos", "Europe/London"]
        for start in range(1, learners + 1, CHUNK):
            enroll_many(session, range(start, min(start + CHUNK, learners + 1)), course.id,
                        platform="telegram", user_id=lambda i: str(10**6 + i),
                        timezone=lambda i: zones[i % 4])
        create(session, CampaignSpec.model_validate({
            "name": "Evening", "course": "python-basics",
            "schedule": {"kind": "cron", "cron": "0 18 * * *"},
            "variants": [{"text": "Hi {name}, {course} misses you: next up {next_lesson}."},
                         {"text": "{name}, five minutes of {course} today?"}]}), "benchmark")
        session.commit()


# A day's planner runs: the first one (every occurrence of the last six hours is new: 18:00
# in Berlin and Paris, half the learners), a minute later (nothing newly due), 18:00 in
# London and Lagos (the other half), and a minute after that.
TICKS = [("18:05 Berlin, first run", NOW), ("a minute later", NOW + timedelta(minutes=1)),
         ("18:01 London", NOW + timedelta(minutes=56)),
         ("a minute later", NOW + timedelta(minutes=57))]
IDLE = {1, 3}  # the ticks with nothing newly due


def ticks(store: Any, learners: int, planner: Callable[..., Any]
          ) -> list[tuple[float, float, int]]:
    """Seconds, peak MiB and outbox rows after each of TICKS, on a fresh store."""
    found = []
    with store() as url:
        database = Database(url)
        _fill(database, learners)
        rng = random.Random(1)
        for _, now in TICKS:
            with database.session() as session:
                # Memory first, traced and rolled back (tracing slows Python down about
                # twice); then the same run timed, untraced, and kept.
                tracemalloc.start()
                planner(session, now, cap=1, rng=random.Random(0))
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                session.rollback()
                started = time.perf_counter()
                planner(session, now, cap=1, rng=rng)
                session.commit()
                seconds = time.perf_counter() - started
                found.append((seconds, peak, session.query(Nudge).count()))
        database.dispose()
    return found


def risk_scans(learners: int) -> tuple[float, float, float, int]:
    """Seconds of the first scan and of the next, the first's peak MiB, alerts raised."""
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'r.db'}")
        _fill(database, learners)
        with database.session() as session:  # the peak, traced and undone, as for the runs
            tracemalloc.start()
            scan(database, NOW)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            session.execute(delete(RiskAlert))
            session.commit()
        started = time.perf_counter()
        raised = len(scan(database, NOW))
        first = time.perf_counter() - started
        started = time.perf_counter()
        scan(database, NOW)
        steady = time.perf_counter() - started
        database.dispose()
    return first, steady, peak, raised


async def dispatching(count: int) -> tuple[float, int]:
    from telegram import Bot

    from bot.telegram.channel import TelegramChannel
    from nudges.dispatcher import Dispatcher
    from tests.fake_telegram import FakeTelegram

    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'd.db'}")
        _fill(database, count)
        with database.session() as session:
            plan(session, NOW, cap=1, rng=random.Random(1))
            session.commit()
            planned = session.query(Nudge).filter(Nudge.status == "pending").count()
        fake = FakeTelegram(overall_limit=30)
        await fake.start()
        bot = Bot(fake.token, base_url=fake.base_url)
        await bot.initialize()
        dispatcher = Dispatcher(database, {"telegram": TelegramChannel(bot)}, clock=lambda: NOW,
                                idle_seconds=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))
        await fake.wait(lambda: len(fake.sent) >= planned, 600)
        rate = (len(fake.sent) - 1) / (fake.sent[-1].at - fake.sent[0].at)
        stop.set()
        await task
        await bot.shutdown()
        await fake.stop()
        database.dispose()
        return rate, fake.refused


def regret(rates: list[float], nudges: int, delay: int, runs: int) -> tuple[float, float]:
    """Mean regret (return rate lost to the best variant, summed) of Thompson and even split."""
    best = max(rates)
    found: dict[str, list[float]] = {"thompson": [], "even": []}
    for run in range(runs):
        rng = random.Random(run)
        for policy in found:
            wins, trials, pending, lost = [0] * len(rates), [0] * len(rates), [], 0.0
            for n in range(nudges):
                if policy == "even":
                    arm = n % len(rates)
                else:
                    arm = choose_variant([Arm(w, t) for w, t in zip(wins, trials, strict=True)],
                                         0.0, rng)
                pending.append((arm, rng.random() < rates[arm]))
                lost += best - rates[arm]
                if len(pending) == delay:  # a day's outcomes come in together
                    for chosen, came_back in pending:
                        trials[chosen] += 1
                        wins[chosen] += came_back
                    pending = []
            found[policy].append(lost)
    return statistics.fmean(found["thompson"]), statistics.fmean(found["even"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--dispatch", type=int, default=300)
    args = parser.parse_args()
    stores: list[tuple[str, Any]] = [("SQLite", sqlite_file), ("PostgreSQL", postgres_schema)]
    for name, store in stores:
        try:
            today = ticks(store, args.learners, plan)
            before = ticks(store, args.learners, baseline_plan)
        except OperationalError as exc:
            console.print(f"{name} skipped: {str(exc.orig).splitlines()[0]}")
            continue
        table(f"{name}, {args.learners:,} learners in four time zones, one campaign at 18:00 "
              "local and the automatic reminders: each planner run",
              ["run", "today s", "before s", "ratio", "today MiB", "before MiB",
               "outbox rows"],
              [[label, f"{t[0]:.2f}", f"{b[0]:.2f}", f"{b[0] / t[0]:.0f}x",
                f"{t[1]:.0f}", f"{b[1]:.0f}", f"{t[2]:,} / {b[2]:,}"]
               for (label, _), t, b in zip(TICKS, today, before, strict=True)])
        heaviest = max(t[0] for t in today), max(b[0] for b in before)
        idle = max(today[i][0] for i in IDLE), max(before[i][0] for i in IDLE)
        peak = max(t[1] for t in today), max(b[1] for b in before)
        console.print(f"{name}: heaviest run {heaviest[0]:.1f} s (before {heaviest[1]:.1f} s, "
                      "target 10 s); a run with nothing newly due "
                      f"{idle[0]:.2f} s (before {idle[1]:.1f} s, target 1 s); peak "
                      f"{peak[0]:.0f} MiB (before {peak[1]:.0f} MiB, target 150 MiB)")
    first, steady, peak_mib, raised = risk_scans(args.learners)
    table(f"At-risk scan, {args.learners:,} learners (SQLite)",
          ["scan", "seconds", "peak MiB", "alerts raised"],
          [["first (everyone newly at risk)", f"{first:.1f}", f"{peak_mib:.0f}", f"{raised:,}"],
           ["next (nothing new)", f"{steady:.1f}", "", "0"]])
    rate, refused = asyncio.run(dispatching(args.dispatch))
    table("Dispatch to the fake Bot API server (429 beyond 30 messages a second)",
          ["nudges", "messages/s", "share of 30/s", "429s"],
          [[str(args.dispatch), f"{rate:.1f}", f"{rate / 30:.1%}", str(refused)]])
    rates = [0.10, 0.15, 0.25]
    thompson, even = regret(rates, 20_000, 1_000, 20)
    table("A campaign with three variants (true return rates 10%, 15%, 25%), 20,000 nudges, "
          "outcomes a day late",
          ["allocation", "regret (returns lost)", "share of nudges lost vs best"],
          [["Thompson sampling", f"{thompson:.0f}", f"{thompson / 20_000:.1%}"],
           ["even split", f"{even:.0f}", f"{even / 20_000:.1%}"]])
    console.print(f"Thompson / even regret: {thompson / even:.2f}")


if __name__ == "__main__":
    main()

