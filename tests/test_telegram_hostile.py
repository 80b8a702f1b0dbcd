"""What a strict Bot API and odd learners send: edits, media, forwarded polls, anonymous
admins, stale callback queries and names full of markup."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running
from tutor import Database, Tutor
from tutor.storage.models import Attempt, Learner

ANN, BOB = 1001, 1002
GROUP = -100500
TELEGRAM_ANONYMOUS_ADMIN = 1087968824  # the account Telegram sends anonymous admins as


def _count(db: Database, table: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def _edit(fake: FakeTelegram, user_id: int, message_id: int, text: str) -> None:
    fake.push({"edited_message": {"message_id": message_id, "date": int(time.time()),
                                  "edit_date": int(time.time()), "chat": fake.chat(user_id),
                                  "from": fake.user(user_id), "text": text}})


async def _in_the_python_course(fake: FakeTelegram) -> int:
    """Ann starts and picks Python Basics; how many messages she has had by then."""
    fake.message(ANN, "/start")
    [hello] = await fake.reply_to(ANN, 0)
    fake.press(ANN, hello, "course:python-basics")
    await fake.reply_to(ANN, 1)
    return len(fake.to(ANN))


def test_edits_are_never_new_answers_or_commands(bundled_db: Database) -> None:
    async def scenario() -> None:
        async with running(Tutor(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            seen = await _in_the_python_course(fake)
            fake.message(ANN, "/quiz 2")
            await fake.reply_to(ANN, seen)
            seen = len(fake.to(ANN))
            _edit(fake, ANN, 1, "/forgetme")  # an old message, edited into a command
            _edit(fake, ANN, 2, "3")  # an answer, edited
            replies = await fake.reply_to(ANN, seen)
            assert all("only read new messages" in s.text for s in replies)
            assert not any("delete" in s.text.lower() for s in replies)
            assert _count(bundled_db, Attempt) == 0

    asyncio.run(scenario())


def test_a_press_whose_callback_answer_fails_still_counts(bundled_db: Database) -> None:
    async def scenario() -> None:
        fake = FakeTelegram()
        fake.failures["answerCallbackQuery"] = [(400, "Bad Request: query is too old and "
                                                 "response timeout expired or query ID is "
                                                 "invalid", None)]
        async with running(Tutor(bundled_db), bundled_db, fake=fake,
                           telegram_rate_limits=False) as (fake, _):
            fake.message(ANN, "/start")
            [hello] = await fake.reply_to(ANN, 0)
            fake.press(ANN, hello, "course:python-basics")
            replies = await fake.reply_to(ANN, 1)
            assert any("Python Basics" in s.text for s in replies)
            assert not any("went wrong" in s.text for s in replies)

    asyncio.run(scenario())


def test_a_forwarded_quiz_answered_by_someone_else_is_not_the_owners(
        bundled_db: Database) -> None:
    async def scenario() -> None:
        async with running(Tutor(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            seen = await _in_the_python_course(fake)
            fake.message(ANN, "/quiz 1")
            replies = await fake.reply_to(ANN, seen)
            poll = next(s for s in replies if s.method == "sendPoll")
            seen = len(fake.to(ANN))
            fake.vote(BOB, poll.poll_id, 0, name="Bob")
            await asyncio.sleep(0.5)
            assert len(fake.to(ANN)) == seen and not fake.to(BOB)
            assert _count(bundled_db, Attempt) == 0
            fake.vote(ANN, poll.poll_id, 0)  # the owner's own vote still counts
            await fake.reply_to(ANN, seen)
            assert _count(bundled_db, Attempt) == 1

    asyncio.run(scenario())


def test_names_are_text_never_markup(bundled_db: Database) -> None:
    async def scenario() -> None:
        async with running(Tutor(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            fake.message(ANN, "/start", name="**Bold** [prize](https://evil.example) &amp;")
            [hello] = await fake.reply_to(ANN, 0)
            assert "<b>Bold</b>" not in hello.text and "<a " not in hello.text
            assert "**Bold** [prize](https://evil.example) &amp;amp;" in hello.text

    asyncio.run(scenario())


def test_captions_are_read_and_other_media_get_a_sentence(bundled_db: Database) -> None:
    async def scenario() -> None:
        async with running(Tutor(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 10, "height": 10}]
            fake.push({"message": {"message_id": 1, "date": int(time.time()),
                                   "chat": fake.chat(ANN), "from": fake.user(ANN),
                                   "photo": photo, "caption": "/start",
                                   "caption_entities": [{"type": "bot_command", "offset": 0,
                                                         "length": 6}]}})
            [hello] = await fake.reply_to(ANN, 0)
            assert "Hi Ann" in hello.text
            voice = {"file_id": "v1", "file_unique_id": "v1", "duration": 2}
            fake.push({"message": {"message_id": 2, "date": int(time.time()),
                                   "chat": fake.chat(ANN), "from": fake.user(ANN),
                                   "voice": voice}})
            [said] = await fake.reply_to(ANN, 1)
            assert "can't take in voice messages" in said.text

    asyncio.run(scenario())


def test_an_anonymous_admin_is_not_made_a_learner(bundled_db: Database) -> None:
    async def scenario() -> None:
        async with running(Tutor(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            group = {"id": GROUP, "type": "supergroup", "title": "Study group"}
            fake.push({"message": {
                "message_id": 1, "date": int(time.time()), "chat": group,
                "from": {"id": TELEGRAM_ANONYMOUS_ADMIN, "is_bot": True,
                         "first_name": "Group", "username": "GroupAnonymousBot"},
                "sender_chat": group, "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}})
            [said] = await fake.reply_to(GROUP, 0)
            assert "own account" in said.text
            assert _count(bundled_db, Learner) == 0

    asyncio.run(scenario())
