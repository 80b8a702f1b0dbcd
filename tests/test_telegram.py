from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running
from tutor import Database, Tutor
from tutor.knowledge import CourseSearch
from tutor.qa.answerer import Answerer
from tutor.storage.models import Attempt, Identity, Poll

ANN = 1001


def test_a_learners_whole_journey(bundled_db: Database, course_search: CourseSearch,
                                  tmp_path: Path) -> None:
    tutor = Tutor(bundled_db, answerer=Answerer(course_search), charts_dir=tmp_path)

    async def journey() -> None:
        async with running(tutor, bundled_db, telegram_rate_limits=False) as (fake, _):
            commands = [p for m, p in fake.calls if m == "setMyCommands"]
            assert commands and {"command": "groupquiz", "description":
                                 "In a group: a question for everyone"} in commands[0]["commands"]
            fake.message(ANN, "/start")
            [hello] = await fake.reply_to(ANN, 0)
            assert "Hi Ann" in hello.text and "course:python-basics" in hello.buttons
            fake.press(ANN, hello, "course:python-basics")
            replies = await fake.reply_to(ANN, 1)
            assert any("which city are you in" in s.text for s in replies)
            seen = len(fake.to(ANN))
            fake.message(ANN, "Berlin")
            replies = await fake.reply_to(ANN, seen)
            assert "Europe/Berlin" in replies[0].text and "set:study:18" in replies[-1].buttons
            seen = len(fake.to(ANN))
            fake.message(ANN, "/quiz 1")
            replies = await fake.reply_to(ANN, seen)
            poll = next(s for s in replies if s.method == "sendPoll")
            assert poll.params["type"] == "quiz" and poll.params["is_anonymous"] is False
            wrong = next(i for i in range(len(poll.params["options"]))
                         if i not in poll.params["correct_option_ids"])
            seen = len(fake.to(ANN))
            fake.vote(ANN, poll.poll_id, wrong)
            replies = await fake.reply_to(ANN, seen)
            assert "Not quite" in replies[0].text
            seen = len(fake.to(ANN))
            fake.message(ANN, "/lesson")  # leaves the quiz for the lesson
            await fake.reply_to(ANN, seen)
            seen = len(fake.to(ANN))
            fake.message(ANN, "/ask what does the len function do?")
            replies = await fake.reply_to(ANN, seen)
            assert any("card:" in b for s in replies for b in s.buttons)  # a cited source
            seen = len(fake.to(ANN))
            fake.message(ANN, "/progress")
            replies = await fake.reply_to(ANN, seen)
            photo = next(s for s in replies if s.method == "sendPhoto")
            assert photo.params["photo"]["size"] > 1000

    asyncio.run(journey())
    with bundled_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Attempt)) == 1
