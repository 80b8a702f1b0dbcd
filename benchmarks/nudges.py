"""Nudge benchmark: planning for 100,000 learners, dispatch against Telegram's limit, and
Thompson sampling against an even split.

    python -m benchmarks.nudges [--learners 100000]

1. Audience selection, rendering and writing the outbox (`nudges.planner.plan`) for one
   campaign to every learner, on SQLite and on PostgreSQL (skipped, saying why, without a
   server): seconds and peak Python memory (tracemalloc), beside a 10,000-learner baseline.
2. Dispatch through the real Telegram channel (PTB) to the fake Bot API server, which answers
   429 beyond 30 messages a second: the rate reached as a share of 30, and the 429s.
3. A simulated campaign with three variants whose true return rates are known; 20,000 nudges
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from benchmarks.common import console, table
from benchmarks.learner_cost import postgres_schema, sqlite_file
from content import bundled_course_paths, load_course
from nudges.admin import create
from nudges.campaign import CampaignSpec
from nudges.planner import plan
from nudges.sampler import Arm, choose_variant
from tests.bulk import enroll_many
from tutor import Database
from tutor.importer import import_course
from tutor.storage.models import CourseRow, Nudge

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


def planning(store: Any, learners: int) -> tuple[float, float, int]:
    """Seconds, peak MiB, outbox rows, for one planning run over `learners` learners."""
    with store() as url:
        database = Database(url)
        _fill(database, learners)
        with database.session() as session:
            tracemalloc.start()
            started = time.perf_counter()
            plan(session, NOW, cap=1, rng=random.Random(1))
            session.commit()
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            rows = session.query(Nudge).count()
        database.dispose()
    return seconds, peak, rows


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
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--dispatch", type=int, default=300)
    args = parser.parse_args()
    rows = []
    stores: list[tuple[str, Any]] = [("SQLite", sqlite_file), ("PostgreSQL", postgres_schema)]
    for name, store in stores:
        try:
            small = planning(store, args.baseline)
            big = planning(store, args.learners)
        except OperationalError as exc:
            console.print(f"{name} skipped: {str(exc.orig).splitlines()[0]}")
            continue
        for size, (seconds, peak, made) in ((args.baseline, small), (args.learners, big)):
            rows.append([name, f"{size:,}", f"{made:,}", f"{seconds:.1f}",
                         f"{seconds / size * 1e6:.0f}", f"{peak:.0f}"])
        console.print(f"{name}: time per learner, {args.learners:,} against {args.baseline:,}: "
                      f"{(big[0] / args.learners) / (small[0] / args.baseline):.2f}x")
    table("Planning one campaign for every learner (audience, rendering, outbox)",
          ["store", "learners", "outbox rows", "seconds", "µs per learner", "peak MiB"], rows)
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

