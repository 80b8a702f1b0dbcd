"""Several processes for one bot: quiz answers a second with 1 and with 2 webhook workers on
PostgreSQL, and a bare PTB echo bot in the same run.

    python -m benchmarks.workers [--learners 200] [--database URL] [--rounds 2]

Each worker is a whole `tutorbot run --telegram` in webhook mode, all listening on one port.
LEARNERS learners in the middle of a quiz answer at once: their updates are POSTed to the
port (64 connections, each closed after its request as Telegram's are, so the kernel spreads
them over the workers); the time is until every learner has the reply to their answer at
the fake Bot API server (served from its own thread). No send limits (they would cap every
setup at Telegram's 30 messages a second and measure nothing); no Redis. The echo bot is
`benchmarks.telegram`'s (long polling, one process). Each setup runs ROUNDS times,
alternating, each on a fresh database schema; the median time is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.common import console, table
from benchmarks.learner_cost import POSTGRES_URL, postgres_schema
from benchmarks.telegram import echo_run
from content import bundled_course_paths
from tests.fake_telegram import FakeTelegram
from tutor import Database
from tutor.library import import_folders

FIRST_USER = 30_000
SECRET = "bench-secret"


def _index(folder: Path) -> Path:
    """The bundled courses indexed once, so the workers start without embedding."""
    from retrieval.embeddings import SentenceTransformerEmbedder
    from retrieval.index import SearchIndex
    from tutor.knowledge import CourseSearch

    database = Database(f"sqlite:///{folder / 'index.db'}")
    import_folders(database, bundled_course_paths())
    CourseSearch(database, SearchIndex(folder / "index", SentenceTransformerEmbedder())).sync()
    database.dispose()
    return folder / "index"


class Learners:
    """Builds the updates Telegram would post, numbered in order."""

    def __init__(self, fake: FakeTelegram, count: int) -> None:
        self.fake = fake
        self.users = list(range(FIRST_USER, FIRST_USER + count))
        self._next = 1

    def _number(self) -> int:
        self._next += 1
        return self._next

    def says(self, user: int, text_: str) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": self._next, "date": int(time.time()),
                                   "chat": self.fake.chat(user), "from": self.fake.user(user),
                                   "text": text_}
        if text_.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text_.split()[0])}]
        return {"update_id": self._number(), "message": message}

    def answers(self, user: int) -> dict[str, Any]:
        """The answer to the question on the learner's screen: option 1."""
        question = self.fake.to(user)[-1]
        if question.method == "sendPoll":
            return {"update_id": self._number(), "poll_answer": {
                "poll_id": question.poll_id, "user": self.fake.user(user), "option_ids": [0],
                "option_persistent_ids": ["o0"]}}
        return self.says(user, "1")


async def _post_all(port: int, updates: list[dict[str, Any]]) -> None:
    connector = aiohttp.TCPConnector(limit=64, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as client:

        async def post(update: dict[str, Any]) -> None:
            async with client.post(f"http://127.0.0.1:{port}/telegram",
                                   data=json.dumps(update),
                                   headers={"Content-Type": "application/json",
                                            "X-Telegram-Bot-Api-Secret-Token": SECRET}
                                   ) as reply:
                assert reply.status == 200, reply.status

        await asyncio.gather(*(post(u) for u in updates))


async def _step(fake: FakeTelegram, port: int, learners: Learners,
                updates: list[dict[str, Any]]) -> float:
    """Post one update per learner at once; seconds until each has a reply to it."""
    before = {u: len(fake.to(u)) for u in learners.users}
    started = time.monotonic()
    await _post_all(port, updates)
    await fake.wait(lambda: all(len(fake.to(u)) > before[u] for u in learners.users), 600)
    seconds = time.monotonic() - started
    await asyncio.sleep(0.5)  # the rest of each reply (feedback, then the next question)
    return seconds


def workers_run(database_url: str, index: Path, workers: int, count: int) -> float:
    """Seconds for `count` learners' quiz answers with `workers` processes."""
    fake = FakeTelegram()
    with tempfile.TemporaryDirectory() as data, postgres_schema(database_url) as url, \
            fake.in_a_thread():
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": data, "INDEX_DIR": str(index),
               "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url,
               "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
               "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1", "TELEGRAM_WEBHOOK_PORT": str(port),
               "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_RATE_LIMITS": "false",
               "NUDGES": "false", "HF_HUB_OFFLINE": "1", "LOG_FORMAT": "json"}
        for name in ("WEB_PORT", "REDIS_URL", "DISCORD_BOT_TOKEN"):
            env.pop(name, None)
        Database(url).dispose()  # migrated before the workers race to it
        logs = [Path(data) / f"worker{n}.log" for n in range(workers)]
        processes = []
        for path in logs:
            with path.open("wb") as log:
                processes.append(subprocess_run(env, log))
        try:
            return asyncio.run(_drive(fake, port, logs, count))
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(120)


def subprocess_run(env: dict[str, str], log: Any) -> Any:
    import subprocess

    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--telegram"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)


async def _drive(fake: FakeTelegram, port: int, logs: list[Path], count: int) -> float:
    await fake.wait(lambda: all("taking Telegram updates" in p.read_text() for p in logs), 180)
    learners = Learners(fake, count)
    for step in ("/course python-basics", "/quiz 1"):  # not timed: into a quiz
        await _step(fake, port, learners, [learners.says(u, step) for u in learners.users])
    return await _step(fake, port, learners, [learners.answers(u) for u in learners.users])


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--database", default=POSTGRES_URL, help="a PostgreSQL URL")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each setup, alternating; the median time is reported")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    try:
        with console.status("Indexing the bundled courses once…"):
            index = _index(folder)
        runs: dict[str, list[float]] = {"echo": [], "1 worker": [], "2 workers": []}
        for _ in range(args.rounds):
            runs["echo"].append(asyncio.run(echo_run(args.learners))[0])
            for workers in (1, 2):
                name = "1 worker" if workers == 1 else "2 workers"
                runs[name].append(workers_run(args.database, index, workers, args.learners))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rates = {name: args.learners / statistics.median(seconds) for name, seconds in runs.items()}
    for name, seconds in runs.items():
        console.print(f"{name}: " + ", ".join(f"{args.learners / s:.0f}" for s in seconds)
                      + " answers/s in each round")
    rows = [["bare PTB echo bot (long polling, 1 process)", f"{rates['echo']:.0f}", "1.00"],
            *([f"tutorbot, {name} (webhook, PostgreSQL)", f"{rates[name]:.0f}",
               f"{rates[name] / rates['echo']:.2f}"] for name in ("1 worker", "2 workers"))]
    table(f"{args.learners} learners answering a quiz question at once (median of "
          f"{args.rounds})", ["setup", "answers/s", "of echo"], rows)
    console.print(f"2 workers / 1 worker: {rates['2 workers'] / rates['1 worker']:.2f}")


if __name__ == "__main__":
    main()
