from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from nudges.desk import Desk
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running
from tutor import Database, Tutor
from tutor.knowledge import CourseSearch
from tutor.qa.answerer import Answerer
from tutor.storage.models import Attempt, Campaign, Identity, Poll, PollVote

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
            assert poll.params["explanation"]  # the poll itself explains a wrong answer...
            fake.vote(ANN, poll.poll_id, wrong)
            replies = await fake.reply_to(ANN, seen)
            assert not any("Not quite" in s.text for s in replies)  # ...so no second telling
            assert "Was the card" in replies[0].text  # missed: was its card clear?
            assert "Question 2 of 5" in replies[1].text
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


def _tutor(db: Database) -> Tutor:
    return Tutor(db)


def test_a_restart_in_the_middle_of_a_quiz_keeps_the_poll(bundled_db: Database) -> None:
    async def scenario() -> None:
        fake = FakeTelegram()
        await fake.start()
        try:
            async with running(_tutor(bundled_db), bundled_db, fake=fake,
                               telegram_rate_limits=False):
                fake.message(ANN, "/course python-basics")
                await fake.reply_to(ANN, 0)
                seen = len(fake.to(ANN))
                fake.message(ANN, "/quiz 1")
                replies = await fake.reply_to(ANN, seen)
                poll = next(s for s in replies if s.method == "sendPoll")
            # A new process: a new core and application over the same database.
            async with running(_tutor(bundled_db), bundled_db, fake=fake,
                               telegram_rate_limits=False):
                seen = len(fake.to(ANN))
                fake.vote(ANN, poll.poll_id, poll.params["correct_option_ids"][0])
                replies = await fake.reply_to(ANN, seen)
                assert any("Question 2 of" in s.text for s in replies)
        finally:
            await fake.stop()

    asyncio.run(scenario())
    with bundled_db.session() as session:
        assert (session.scalar(select(func.count()).select_from(Poll)) or 0) >= 1


def test_html_in_names_and_messages_never_breaks_a_message(bundled_db: Database) -> None:
    async def scenario() -> None:
        async with running(_tutor(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            fake.message(ANN, "/start", name="<b>Eve</b> & <i>co")
            [hello] = await fake.reply_to(ANN, 0)
            assert "&lt;b&gt;Eve&lt;/b&gt; &amp; &lt;i&gt;co" in hello.text
            assert hello.params["parse_mode"] == "HTML"
            fake.message(ANN, "/<script>alert(1)</script>")
            replies = await fake.reply_to(ANN, 1)
            assert "<script>" not in replies[0].text
            fake.press(ANN, hello, "ans:999999:0")  # a button from a forged or old message
            replies = await fake.reply_to(ANN, 2)
            assert "expired" in replies[0].text or "not valid" in replies[0].text

    asyncio.run(scenario())


def test_a_429_storm_is_waited_out_and_nothing_is_lost(bundled_db: Database) -> None:
    async def scenario() -> None:
        fake = FakeTelegram(per_chat_limit=1.0)
        fake.failures["sendMessage"] = [(429, "Too Many Requests: retry after 1", 1)] * 3
        async with running(_tutor(bundled_db), bundled_db, fake=fake) as (fake, _):
            fake.message(ANN, "/start")
            [hello] = await fake.reply_to(ANN, 0)
            assert "Hi Ann" in hello.text
            fake.press(ANN, hello, "course:python-basics")
            await fake.reply_to(ANN, 1)
            sent = [m for m, _ in fake.calls if m == "sendMessage"]
            assert len(sent) == len(fake.to(ANN)) + 3  # three refusals, then every message
            assert fake.too_fast == 0  # one message a second in a private chat

    asyncio.run(scenario())


def test_a_learner_who_blocked_the_bot_is_unreachable_until_they_return(
        bundled_db: Database) -> None:
    def unreachable() -> object:
        with bundled_db.session() as session:
            return session.scalar(select(Identity.unreachable_since))

    async def scenario() -> None:
        async with running(_tutor(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            fake.blocked.add(ANN)
            fake.message(ANN, "/start")
            await fake.wait(lambda: unreachable() is not None)
            fake.blocked.clear()
            fake.member_status(ANN, "member")  # they unblocked the bot
            await fake.wait(lambda: unreachable() is None)
            fake.member_status(ANN, "kicked")  # and blocked it again
            await fake.wait(lambda: unreachable() is not None)
            fake.message(ANN, "/help")  # writing brings them back
            await fake.reply_to(ANN, 0)
            assert unreachable() is None

    asyncio.run(scenario())


def test_a_group_quiz_for_three_members_through_a_restart(bundled_db: Database) -> None:
    """The bot stops while the first question is open; the next run closes it, posts its
    results and the second question, and the quiz ends with the final scores."""
    group = -5001
    members = {11: "Ann", 12: "Bob", 13: "Cy"}
    fake = FakeTelegram()

    async def scenario() -> None:
        await fake.start()
        try:
            async with running(_tutor(bundled_db), bundled_db, fake=fake,
                               telegram_rate_limits=False):
                fake.message(11, "just chatting", chat_id=group)  # not addressed to the bot
                fake.message(11, "/groupquiz python-basics 2 5s", chat_id=group)
                announced, poll = await fake.reply_to(group, 0)
                assert "Group quiz: Python Basics" in announced.text
                assert poll.method == "sendPoll" and int(poll.params["open_period"]) == 5
                assert poll.params["is_anonymous"] is False
                right = poll.params["correct_option_ids"][0]
                wrong = (right + 1) % len(poll.params["options"])
                for user, name in members.items():
                    fake.vote(user, poll.poll_id, wrong if name == "Cy" else right, name=name)
                fake.vote(11, poll.poll_id, wrong, name="Ann")  # a second vote: no count
                await fake.wait(lambda: _votes(bundled_db) == 3)
            async with running(_tutor(bundled_db), bundled_db, fake=fake,
                               telegram_rate_limits=False):
                results, second = await fake.reply_to(group, 2, timeout=12)
                assert "Time's up" in results.text
                assert "✅ Ann, Bob" in results.text and "❌ Cy" in results.text
                assert second.method == "sendPoll" and "(2/2)" in second.params["question"]
                fake.vote(13, second.poll_id, second.params["correct_option_ids"][0],
                          name="Cy")
                [last] = await fake.reply_to(group, 4, timeout=12)
                assert "Final scores" in last.text and "✅ Cy" in last.text
        finally:
            await fake.stop()

    asyncio.run(scenario())
    with bundled_db.session() as session:
        contexts = session.scalars(select(Attempt.context)).all()
        assert contexts == ["group"] * 4  # each member's own learner model


def _votes(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(select(PollVote.id)).all())


def test_multiple_choice_ticks_edit_the_question_in_place(bundled_db: Database) -> None:
    async def scenario() -> None:
        async with running(_tutor(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            fake.message(ANN, "/course python-basics")
            await fake.reply_to(ANN, 0)
            for lesson in range(1, 9):
                seen = len(fake.to(ANN))
                fake.message(ANN, f"/quiz {lesson}")
                replies = await fake.reply_to(ANN, seen)
                question = next((s for s in replies if any(b.startswith("tog:")
                                                           for b in s.buttons)), None)
                while question is None and any(s.method == "sendPoll" or "skip:" in
                                               "".join(s.buttons) for s in replies):
                    seen = len(fake.to(ANN))
                    fake.message(ANN, "/skip")
                    replies = await fake.reply_to(ANN, seen)
                    if any("Quiz finished" in s.text for s in replies):
                        break
                    question = next((s for s in replies if any(b.startswith("tog:")
                                                               for b in s.buttons)), None)
                if question is not None:
                    break
            assert question is not None, "the course has a multiple-choice question"
            tick = next(b for b in question.buttons if b.startswith("tog:"))
            fake.press(ANN, question, tick)
            await fake.wait(lambda: any(m == "edited" for m, _ in fake.calls))
            edited = next(p for m, p in fake.calls if m == "edited")
            assert "☑" in str(edited["reply_markup"])

    asyncio.run(scenario())


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_tutorbot_run_telegram_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    import os
    import signal
    import sys

    async def scenario() -> None:
        fake = FakeTelegram()
        await fake.start()
        port = _free_port()
        env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "TELEGRAM_BOT_TOKEN": fake.token,
               "TELEGRAM_BASE_URL": fake.base_url, "HF_HUB_OFFLINE": "1",
               "WEB_PORT": str(port), "TEACHERS": f'["telegram:{ANN}"]'}
        env.pop("DATABASE_URL", None)
        env.pop("WEB_BASE_URL", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--telegram", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            await fake.wait(lambda: any(m == "setMyCommands" for m, _ in fake.calls), 60)
            fake.message(ANN, "/start")
            [hello] = await fake.reply_to(ANN, 0, timeout=30)
            assert "Hi Ann" in hello.text
            # The dashboard runs beside the bot, and /dashboard hands out its link.
            fake.message(ANN, "/dashboard")
            [link] = await fake.reply_to(ANN, 1, timeout=30)
            found = re.search(rf"http://127\.0\.0\.1:{port}/login/\S+", link.text)
            assert found, link.text
            async with httpx.AsyncClient() as web:
                page = await web.get(found.group(0))
                token = re.search(r'name="csrf" value="([^"]+)"', page.text)
                assert page.status_code == 200 and token
                signed = await web.post(found.group(0), data={"csrf": token.group(1)})
                assert signed.status_code == 303
                assert "Python" in (await web.get(f"http://127.0.0.1:{port}/")).text
            process.send_signal(signal.SIGTERM)
            # A stop waits for the first index sync (embedding every card), which takes
            # over 30 s on a loaded 2-core machine: the bound only catches a hang.
            output, _ = await asyncio.wait_for(process.communicate(), 180)
            assert process.returncode == 0, output.decode()[-2000:]
            assert b"Traceback" not in output
        finally:
            if process.returncode is None:
                process.kill()
            await fake.stop()

    asyncio.run(scenario())


def test_network_errors_are_retried_and_failures_reach_the_learner_politely(
        bundled_db: Database) -> None:
    class Broken(Tutor):
        def handle(self, event: object) -> list[object]:  # type: ignore[override]
            raise RuntimeError("a bug in the core")

    async def scenario() -> None:
        fake = FakeTelegram()
        fake.failures["sendMessage"] = [(502, "Bad Gateway", None)] * 2
        async with running(_tutor(bundled_db), bundled_db, fake=fake,
                           telegram_rate_limits=False) as (fake, _):
            fake.message(ANN, "/help")
            [reply] = await fake.reply_to(ANN, 0)
            assert "What I can do" in reply.text
        async with running(Broken(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            fake.message(ANN, "/help")
            [reply] = await fake.reply_to(ANN, 0)
            assert "something went wrong" in reply.text and "Traceback" not in reply.text

    asyncio.run(scenario())


def test_a_teacher_creates_a_campaign_in_a_conversation_and_a_learner_cannot(
        bundled_db: Database, tmp_path: Path) -> None:
    teacher, learner, charts = 3001, 3002, tmp_path / "charts"

    async def scenario() -> None:
        tutor = Tutor(bundled_db, desk=Desk(), teachers=[f"telegram:{teacher}"],
                      charts_dir=charts)
        async with running(tutor, bundled_db, telegram_rate_limits=False) as (fake, _):
            fake.message(learner, "/campaign")
            [refused] = await fake.reply_to(learner, 0)
            assert "That is for teachers" in refused.text
            fake.message(learner, "/report")
            [refused] = await fake.reply_to(learner, 1)
            assert "That is for teachers" in refused.text
            fake.message(teacher, "/campaign")
            [ask] = await fake.reply_to(teacher, 0)
            fake.press(teacher, ask, "draft:course:python-basics")
            [audience] = await fake.reply_to(teacher, 1)
            fake.press(teacher, audience, "draft:audience:0")
            await fake.reply_to(teacher, 2)
            fake.message(teacher, "sometime soon")
            [problem] = await fake.reply_to(teacher, 3)
            assert "daily 18:00" in problem.text  # says how, asks again
            fake.message(teacher, "weekdays 18:30")
            await fake.reply_to(teacher, 4)
            fake.message(teacher, "Hi {name}, {course} misses you!")
            [shown] = await fake.reply_to(teacher, 5)
            assert "Preview" in shown.text and "draft:confirm:yes" in shown.buttons
            fake.press(teacher, shown, "draft:confirm:yes")
            [done] = await fake.reply_to(teacher, 6)
            assert "Campaign 1 created" in done.text
            fake.message(teacher, "/report python-basics")
            report, overview = await fake.reply_to(teacher, 7)
            assert "Campaigns" in report.text
            assert overview.method == "sendPhoto" and overview.params["photo"]["size"] > 5000
            fake.message(teacher, "/campaigns pause 1")
            [paused] = await fake.reply_to(teacher, 9)
            assert "is now paused" in paused.text

    asyncio.run(scenario())
    with bundled_db.session() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert campaign.spec["schedule"]["cron"] == "30 18 * * mon-fri"
        assert campaign.created_by == f"telegram:{teacher}"


def test_ten_options_and_twenty_lessons_fit_telegram(wide_db: Database) -> None:
    async def scenario() -> None:
        async with running(_tutor(wide_db), wide_db, telegram_rate_limits=False) as (fake, _):
            fake.message(ANN, "/course wide")
            [*_, menu] = await fake.reply_to(ANN, 0)
            seen = len(fake.to(ANN))
            fake.press(ANN, menu, "lessons")
            [listed] = await fake.reply_to(ANN, seen)
            lessons = [b for b in listed.buttons if b.startswith("lesson:")]
            assert len(lessons) == 20
            seen = len(fake.to(ANN))
            fake.press(ANN, listed, lessons[-1])
            assert "Lesson 20 says" in (await fake.reply_to(ANN, seen))[0].text
            seen = len(fake.to(ANN))
            fake.message(ANN, "/quiz 1")
            question = next(s for s in await fake.reply_to(ANN, seen) if "tog:" in
                            "".join(s.buttons))
            ticks = [b for b in question.buttons if b.startswith("tog:")]
            assert len(ticks) == 10 and any(b.startswith("sub:") for b in question.buttons)
            for even in ticks[1::2]:
                fake.press(ANN, question, even)  # each tick edits the question in place
            await fake.wait(lambda: sum(m == "edited" for m, _ in fake.calls) == 5)
            seen = len(fake.to(ANN))
            fake.press(ANN, question, next(b for b in question.buttons if b.startswith("sub:")))
            assert "Correct" in (await fake.reply_to(ANN, seen))[0].text

    asyncio.run(scenario())


def test_the_placement_check_over_telegram(bundled_db: Database) -> None:
    """The offer's button, the check's questions as Telegram quiz polls, and where it
    leaves the learner, through python-telegram-bot and the fake Bot API."""
    async def scenario() -> None:
        async with running(Tutor(bundled_db), bundled_db, telegram_rate_limits=False) \
                as (fake, _):
            fake.message(ANN, "/course python-basics")
            replies = await fake.reply_to(ANN, 0)
            offer = next(s for s in replies if "Know some of this already" in s.text)
            seen = len(fake.to(ANN))
            fake.press(ANN, offer, "placement")
            replies = await fake.reply_to(ANN, seen)
            assert "Placement check" in replies[0].text
            for _ in range(10):  # a learner who knows nothing: every question wrong
                asked = next((s for s in replies if s.method == "sendPoll"), None)
                if asked is None:
                    break
                wrong = next(i for i in range(len(asked.params["options"]))
                             if i not in asked.params["correct_option_ids"])
                seen = len(fake.to(ANN))
                fake.vote(ANN, asked.poll_id, wrong)
                replies = await fake.reply_to(ANN, seen)
                assert not any("Was the card" in s.text for s in replies)  # none read yet
                if any("Check done" in s.text for s in replies):
                    break
                if not any(s.method == "sendPoll" for s in replies):  # a typed question
                    seen = len(fake.to(ANN))
                    fake.message(ANN, "/skip")
                    replies = await fake.reply_to(ANN, seen)
            done = next(s for s in replies if "Check done" in s.text)
            assert "start from the beginning" in done.text and "continue" in done.buttons

    asyncio.run(scenario())


def test_a_slow_look_at_group_quizzes_does_not_fill_the_log(
        bundled_db: Database, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Under load the one-second look at group quizzes outlasts a second; APScheduler then
    skips a run and warned each time: a warning a second in a busy bot's log."""
    from bot.telegram.adapter import TelegramBot

    looks = 0
    slow_look = TelegramBot.post_due

    async def look_slowly(self: TelegramBot, context: Any) -> None:
        nonlocal looks
        looks += 1
        await asyncio.sleep(2.5)  # as when every thread is busy with learners' turns
        await slow_look(self, context)

    monkeypatch.setattr(TelegramBot, "post_due", look_slowly)

    async def scenario() -> None:
        async with running(_tutor(bundled_db), bundled_db, telegram_rate_limits=False) as (
                fake, _):
            await asyncio.sleep(4.0)
            fake.message(ANN, "/start")
            assert await fake.reply_to(ANN, 0)  # the bot answers all the while

    with caplog.at_level("WARNING", logger="apscheduler"):
        asyncio.run(scenario())
    assert looks >= 1  # it ran, slowly, and the runs due meanwhile were skipped
    assert "maximum number of running instances" not in caplog.text
    # Another job's skipped run is still news.
    logging.getLogger("apscheduler.scheduler").warning(
        'Execution of job "nudge-planner (trigger: interval[0:01:00])" skipped: maximum '
        "number of running instances reached (1)")
    assert "nudge-planner" in caplog.text
