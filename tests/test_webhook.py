"""Webhook mode, and several processes serving one bot: updates kept before they are
acknowledged, each learner answered in order whichever process took which update, and one
send budget for all of them."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from telegram.ext import ExtBot

from bot.telegram import build_application
from bot.telegram.limits import ChatRateLimiter, SharedBudget
from bot.telegram.webhook import MAX_BODY, PATH, Webhook, serve_webhook
from tests.fake_telegram import FakeTelegram, Sent
from tutor import Database, Settings, Tutor
from tutor.inbox import Inbox

SECRET = "s3cret-token"
HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _command(fake: FakeTelegram, update_id: int, user: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": fake.chat(user), "from": fake.user(user),
        "text": text, "entities": [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]}}


@asynccontextmanager
async def _webhook(database: Database, fake: FakeTelegram, inbox: Inbox, port: int
                   ) -> AsyncIterator[None]:
    """The bot in webhook mode on 127.0.0.1:port, as `tutorbot run` serves it."""
    settings = Settings(telegram_bot_token=SecretStr(fake.token),
                        telegram_base_url=fake.base_url, telegram_rate_limits=False)
    application = build_application(settings, Tutor(database), database)
    await application.initialize()
    await application.start()
    stop = asyncio.Event()
    serving = asyncio.ensure_future(serve_webhook(Webhook(application, inbox, SECRET),
                                                  "127.0.0.1", port, stop))
    try:
        yield
    finally:
        stop.set()
        await serving
        await application.stop()
        await application.shutdown()


def test_an_update_is_kept_before_it_is_acknowledged_and_answered_once(
        bundled_db: Database) -> None:
    port = _free_port()

    async def scenario() -> None:
        fake = FakeTelegram()
        await fake.start()
        inbox = Inbox(bundled_db, "telegram")
        url = f"http://127.0.0.1:{port}{PATH}"
        hello = json.dumps(_command(fake, 1, 1001, "/start"))
        try:
            async with _webhook(bundled_db, fake, inbox, port), aiohttp.ClientSession() as client:
                for _attempt in range(50):  # until the server listens
                    try:
                        async with client.post(url, data="{}", headers=HEADERS):
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
                for headers, body, status in (
                        ({**HEADERS, "X-Telegram-Bot-Api-Secret-Token": "wrong"}, hello, 403),
                        ({"Content-Type": "application/json"}, hello, 403),  # no secret
                        (HEADERS, "not json {", 400),
                        (HEADERS, json.dumps({"update_id": "x"}), 400),
                        (HEADERS, json.dumps([1, 2]), 400),
                        (HEADERS, json.dumps({"update_id": 3, "message": "x"}), 400),
                        (HEADERS, json.dumps({"update_id": 3, "message": {"chat": 5}}), 400),
                        (HEADERS, json.dumps({"update_id": 2**70}), 400),
                        (HEADERS, json.dumps({"update_id": 4}).encode("utf-16"), 400),
                        (HEADERS, " " * (MAX_BODY + 1), 413)):
                    async with client.post(url, data=body, headers=headers) as response:
                        assert response.status == status, (body[:40], await response.text())
                await asyncio.sleep(0.3)
                assert not fake.to(1001)
                async with client.post(url, data=hello, headers=HEADERS) as response:
                    assert response.status == 200
                [greeting] = await fake.reply_to(1001, 0)
                assert "Hi Ann" in greeting.text
                # Telegram delivers again when it missed our 200: one answer only.
                async with client.post(url, data=hello, headers=HEADERS) as response:
                    assert response.status == 200
                await asyncio.sleep(0.5)
                assert len(fake.to(1001)) == 1
                assert inbox.claim(1001) is None  # handled: nothing waits
        finally:
            await fake.stop()

    asyncio.run(scenario())


def test_an_update_left_by_a_killed_process_is_taken_over(
        bundled_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Acknowledged, then the process died before handling it: the next process finds it."""
    port = _free_port()
    monkeypatch.setattr("tutor.inbox.SETTLING", timedelta(0))  # it has long settled

    async def scenario() -> None:
        fake = FakeTelegram()
        await fake.start()
        inbox = Inbox(bundled_db, "telegram")
        inbox.put(7, 1002, json.dumps(_command(fake, 7, 1002, "/help")))  # the dead one's
        try:
            async with _webhook(bundled_db, fake, inbox, port):
                [reply] = await fake.reply_to(1002, 0, timeout=20)
                assert "What I can do" in reply.text
        finally:
            await fake.stop()

    asyncio.run(scenario())


def _busiest_second(sent: list[Sent]) -> int:
    times = sorted(s.at for s in sent)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_two_senders_share_one_budget_in_redis(redis_url: str) -> None:
    """Two bots (as two processes would) sending as fast as they may, to many chats."""

    async def scenario() -> None:
        fake = FakeTelegram()
        fake.overall_limit = 30
        await fake.start()
        bots = [ExtBot(fake.token, base_url=fake.base_url, rate_limiter=ChatRateLimiter(
            shared=SharedBudget(redis_url))) for _ in range(2)]
        try:
            for bot in bots:
                await bot.initialize()
            await asyncio.gather(*(bots[n % 2].send_message(5000 + n, f"m{n}")
                                   for n in range(120)))
        finally:
            for bot in bots:
                await bot.shutdown()
            await fake.stop()
        assert fake.refused == 0 and len(fake.sent) == 120
        assert _busiest_second(fake.sent) <= 30
        assert fake.sent[-1].at - fake.sent[0].at > 3.5  # paced together: 120 at 28 a second

    asyncio.run(scenario())


def test_sending_goes_on_when_redis_is_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        fake = FakeTelegram()
        await fake.start()
        bot = ExtBot(fake.token, base_url=fake.base_url, rate_limiter=ChatRateLimiter(
            shared=SharedBudget(f"redis://127.0.0.1:{_free_port()}/0")))
        try:
            await bot.initialize()
            await bot.send_message(5000, "still here")
            await bot.send_message(5001, "and here")
        finally:
            await bot.shutdown()
            await fake.stop()
        assert [s.text for s in fake.sent] == ["still here", "and here"]

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    warnings = [r for r in caplog.records if "shared send budget" in r.getMessage()]
    assert len(warnings) == 1  # said once, not once a message


LEARNERS = 200
PINGS = 2
WEBHOOK = "https://bot.example.org/telegram"


@asynccontextmanager
async def _workers(count: int, fake: FakeTelegram, database_url: str, redis_url: str,
                   index: Path, folder: Path, port: int
                   ) -> AsyncIterator[tuple[list[asyncio.subprocess.Process], list[Path]]]:
    """`count` whole `tutorbot run --telegram` processes in webhook mode on one port, once
    each listens; stopped with SIGTERM afterwards (those still running)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(folder / "data"),
           "INDEX_DIR": str(index), "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_BASE_URL": fake.base_url, "TELEGRAM_WEBHOOK_URL": WEBHOOK,
           "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1", "TELEGRAM_WEBHOOK_PORT": str(port),
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "REDIS_URL": redis_url, "NUDGES": "false",
           "HF_HUB_OFFLINE": "1", "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    for name in ("WEB_PORT", "WEB_BASE_URL", "DISCORD_BOT_TOKEN"):
        env.pop(name, None)
    logs = [folder / f"worker{n}.log" for n in range(count)]
    workers = []
    for log_path in logs:
        with log_path.open("wb") as log:  # the child keeps its own copy of the handle
            workers.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", "--telegram", env=env,
                stdout=log, stderr=asyncio.subprocess.STDOUT))
    try:
        await fake.wait(lambda: all("taking Telegram updates" in p.read_text() for p in logs),
                        120)
        assert fake.webhook["url"] == WEBHOOK
        yield workers, logs
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            await asyncio.wait_for(worker.wait(), 120)


def _conversations(fake: FakeTelegram, learners: int) -> dict[int, list[dict[str, Any]]]:
    """Each learner's /start and pings, numbered as Telegram numbers updates."""
    updates: dict[int, list[dict[str, Any]]] = {}
    numbers = iter(range(10_000, 1_000_000))
    for round_ in range(PINGS + 1):
        for user in range(7001, 7001 + learners):
            text = "/start" if round_ == 0 else f"/ping{round_}"
            updates.setdefault(user, []).append(_command(fake, next(numbers), user, text))
    return updates


async def _deliver(client: aiohttp.ClientSession, port: int, update: dict[str, Any]) -> None:
    """As Telegram does: again, until a process takes it (one may have just been killed)."""
    for _attempt in range(50):
        try:
            async with client.post(f"http://127.0.0.1:{port}{PATH}", data=json.dumps(update),
                                   headers=HEADERS) as reply:
                if reply.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"update {update['update_id']} was never taken")


async def _talk(client: aiohttp.ClientSession, port: int,
                updates: dict[int, list[dict[str, Any]]]) -> None:
    """Every learner at once, each sending their next message after the last arrived."""

    async def learner(mine: list[dict[str, Any]]) -> None:
        for update in mine:
            await asyncio.sleep(random.Random(update["update_id"]).random() / 5)
            await _deliver(client, port, update)

    await asyncio.gather(*(learner(mine) for mine in updates.values()))


def _answered(fake: FakeTelegram, updates: dict[int, list[dict[str, Any]]]) -> bool:
    return all({k for k in range(1, PINGS + 1) for s in fake.to(user)
                if f"/ping{k}" in s.text} == set(range(1, PINGS + 1)) for user in updates)


def _replies_in_order(fake: FakeTelegram, user: int) -> tuple[list[str], int]:
    """The learner's replies, greeting then pings, each once and in order (a repeat is
    left out and counted); the number of repeats."""
    texts = [s.text for s in fake.to(user)]
    seen: list[str] = []
    for text_ in texts:
        found = "start" if "Hi Ann" in text_ else next(
            (f"ping{k}" for k in range(1, PINGS + 1) if f"/ping{k}" in text_), None)
        if found is not None and found not in seen:
            seen.append(found)
    expected = ["start", *(f"ping{k}" for k in range(1, PINGS + 1))]
    assert seen == expected, texts  # none lost, none overtaken
    return seen, len(texts) - len(expected)


@pytest.mark.postgres
def test_two_worker_processes_answer_every_learner_in_order_within_telegrams_limits(
        postgres_url: str, redis_url: str, bundled_index_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(bundled_index_dir, index)  # the workers find the courses indexed
    fake = FakeTelegram()
    fake.overall_limit = 30
    fake.per_chat_limit = 1.0
    port = _free_port()

    async def scenario() -> list[Path]:
        updates = _conversations(fake, LEARNERS)
        async with _workers(2, fake, postgres_url, redis_url, index, tmp_path, port) as (
                _, logs):
            # Each connection closes after its request, as Telegram's several connections
            # do, so the kernel spreads them over both workers.
            connector = aiohttp.TCPConnector(limit=40, force_close=True)
            async with aiohttp.ClientSession(connector=connector) as client:
                await _talk(client, port, updates)
                await fake.wait(lambda: _answered(fake, updates), 180)
                # Telegram's second delivery of some updates: answered once all the same.
                chosen = random.Random(1).sample(list(updates), 20)
                await asyncio.gather(*(_deliver(client, port, updates[user][-1])
                                       for user in chosen))
                await asyncio.sleep(2)
        for user in updates:
            assert _replies_in_order(fake, user)[1] == 0  # nothing twice
        return logs

    with fake.in_a_thread():
        logs = asyncio.run(scenario())
    assert fake.refused == 0 and _busiest_second(fake.sent) <= 30, (
        fake.refused, _busiest_second(fake.sent))
    assert fake.too_fast == 0 and not fake.violations
    assert not any(fake.token.split(":")[1] in path.read_text() for path in logs)
    handled = [_handled(path) for path in logs]
    assert sum(handled) == LEARNERS * (PINGS + 1) and min(handled) > 0, handled


@pytest.mark.postgres
def test_a_killed_worker_loses_no_learners_message(
        postgres_url: str, redis_url: str, bundled_index_dir: Path, tmp_path: Path) -> None:
    """SIGKILL one of two workers mid-way: the other takes over what it had received
    (within seconds) and what it was handling (when its lease runs out). Each learner gets
    every reply, in order; a turn cut short by the kill may be answered twice."""
    index = tmp_path / "index"
    shutil.copytree(bundled_index_dir, index)
    fake = FakeTelegram()
    port = _free_port()
    learners = 100

    async def scenario() -> int:
        updates = _conversations(fake, learners)
        async with _workers(2, fake, postgres_url, redis_url, index, tmp_path, port) as (
                workers, _):
            connector = aiohttp.TCPConnector(limit=40, force_close=True)
            async with aiohttp.ClientSession(connector=connector) as client:
                talking = asyncio.ensure_future(_talk(client, port, updates))
                await fake.wait(lambda: len(fake.sent) >= learners, 120)
                workers[0].send_signal(signal.SIGKILL)  # no warning, mid-stream
                assert not _answered(fake, updates)  # there was work left to lose
                await talking
                await fake.wait(lambda: _answered(fake, updates), 180)
        return sum(_replies_in_order(fake, user)[1] for user in updates)

    with fake.in_a_thread():
        repeats = asyncio.run(scenario())
    print(f"replies repeated after the kill: {repeats}")
    assert repeats <= 64  # at most the turns the killed worker had in flight


def _handled(log: Path) -> int:
    for line in log.read_text().splitlines():
        if line.startswith("{") and "Telegram updates" in line:
            found = re.search(r"handled (\d+) Telegram updates", json.loads(line)["message"])
            if found:
                return int(found.group(1))
    raise AssertionError(f"no count of handled updates in {log}:\n{log.read_text()[-3000:]}")


def test_a_wrong_redis_address_is_refused_at_start_saying_which_setting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("REDIS_URL", "127.0.0.1:6379")  # the scheme is missing
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", FakeTelegram.token)
    result = CliRunner().invoke(app, ["run", "--telegram"])
    assert result.exit_code == 2
    assert "REDIS_URL must be a redis://" in result.output
    assert Settings(redis_url=" redis://127.0.0.1:6379/0 ").redis_url == \
        "redis://127.0.0.1:6379/0"
