"""Learners say which cards confuse them; teachers see which card to rewrite."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from bot.terminal import TerminalChat
from nudges.desk import Desk
from tests.conftest import MINI_COURSE, Chat, import_path
from tests.fake_discord import DiscordHarness
from tests.telegram_harness import running
from tests.test_discord import run
from tutor import Database, Inbound, Tutor
from tutor.content_report import content_feedback
from tutor.storage.models import CardFeedback, LessonRow


def _finish_lesson(chat: Chat, lesson: str = "counting") -> None:
    chat.say(f"/lesson {lesson}")
    for _ in range(5):
        if "You finished" in chat.text():
            return
        chat.press("next")
    raise AssertionError("the lesson did not end")


def test_clear_or_confusing_once_per_card_with_a_comment(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    chat.say("/course mini")
    _finish_lesson(chat)
    assert "Was **Counting** clear to you?" in chat.text()
    confusing = next(a for a in chat.actions() if a.endswith(":0:confusing"))
    chat.press(confusing)
    assert "What was confusing?" in chat.text()
    chat.say("I don't get what comes after one")
    assert "your teacher will see it" in chat.text()
    _finish_lesson(chat)
    assert "clear to you?" not in chat.text()  # asked once
    chat.press(confusing)
    assert "already" in chat.text()
    chat.say("/quiz counting")
    chat.press(next(a for a in chat.actions() if a.startswith("ans:") and a.endswith(":0")))
    assert "Was the card **One and two** clear?" in chat.text()  # the card of the question
    card_choice = next(a for a in chat.actions() if a.endswith(":clear"))
    chat.press(card_choice)
    with mini_db.session() as session:
        found = [(f.card_id is None, f.verdict, f.comment)
                 for f in session.scalars(select(CardFeedback).order_by(CardFeedback.id))]
    assert found == [(True, "confusing", "I don't get what comes after one"),
                     (False, "clear", "")]


def _miss(chat: Chat) -> None:
    """Answer the mini course's open counting question wrong, whichever it is."""
    question = chat.text()
    if "after one" in question:  # zero, two, five
        chat.press(next(a for a in chat.actions() if a.startswith("ans:") and a.endswith(":0")))
    elif "odd" in question:  # 1, 2, 3, 4: "2" alone
        chat.press(next(a for a in chat.actions() if a.startswith("tog:") and a.endswith(":1")))
        chat.press(next(a for a in chat.actions() if a.startswith("sub:")))
    else:
        chat.say("7")  # 3.5


def test_the_card_asked_about_follows_an_edit_of_the_course(sqlite_db: Database,
                                                           tmp_path: Path) -> None:
    course = tmp_path / "mini"
    shutil.copytree(MINI_COURSE, course)
    import_path(sqlite_db, course)
    tutor = Tutor(sqlite_db)  # one process throughout: what it worked out must not outlive
    first, second = Chat(tutor, user="ana"), Chat(tutor, user="ben")
    for chat in (first, second):
        chat.say("/course mini")
        chat.say("/quiz counting")
    _miss(first)
    assert "Was the card **One and two** clear?" in first.text()
    lesson = course / "01-counting.md"
    lesson.write_text(lesson.read_text().replace("# One and two", "# Before and after"))
    import_path(sqlite_db, course)
    _miss(second)  # the same question: the quizzes were chosen alike
    assert "Was the card **Before and after** clear?" in second.text()


def test_mid_quiz_typed_words_stay_answers(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    chat.say("/course mini")
    chat.say("/quiz counting")
    chat.press(next(a for a in chat.actions() if a.startswith("ans:") and a.endswith(":0")))
    chat.press(next(a for a in chat.actions() if a.endswith(":confusing")))
    assert "your teacher will see it" in chat.text() and "What was" not in chat.text()
    chat.say("/quiz counting")
    chat.say("3.5")  # the typed question's answer, never a comment
    with mini_db.session() as session:
        assert session.scalars(select(CardFeedback.comment)).one() == ""


def test_a_comment_is_only_the_message_right_after(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    chat.say("/course mini")
    _finish_lesson(chat)
    chat.press(next(a for a in chat.actions() if a.endswith(":confusing")))
    chat.say("/menu")  # they carried on
    chat.say("hello there")
    with mini_db.session() as session:
        assert session.scalars(select(CardFeedback.comment)).one() == ""


def test_teachers_see_which_card_to_rewrite(mini_db: Database) -> None:
    for n in range(6):
        learner = Chat(Tutor(mini_db), user=f"u{n}", name=f"L{n}")
        learner.say("/course mini")
        _finish_lesson(learner)
        learner.press(next(a for a in learner.actions()
                           if a.endswith(":confusing" if n < 4 else ":clear")))
        if n == 0:
            learner.say("Why is two after one?")
        learner.say("/quiz counting")
        for _ in range(3):  # half of them miss each question: the strong ones do not
            # (whichever order the adaptive quiz asks them in)
            picks = [a for a in learner.actions() if a.startswith("ans:")]
            ticks = [a for a in learner.actions() if a.startswith("tog:")]
            if picks:
                learner.press(picks[1] if n < 3 else picks[0])
            elif ticks:
                learner.press(ticks[1] if n < 3 else ticks[0])
                learner.press(next(a for a in learner.actions() if a.startswith("sub:")))
            else:
                learner.press(next(a for a in learner.actions() if a.startswith("skip:")))
    [found] = content_feedback(mini_db, "mini")
    assert (found.lesson, found.card, found.confusing, found.clear) == ("Counting", "", 4, 2)
    assert found.comments == ("Why is two after one?",)
    assert found.missed and found.missed[0].answered == 6
    teacher = Chat(Tutor(mini_db, desk=Desk(), teachers=["test:t"]), user="t")
    teacher.say("/report mini")
    assert "Cards learners found confusing" in teacher.text()
    assert "Counting (the lesson): 4 confusing, 2 clear: “Why is two after one?”" in \
        teacher.text()


def test_the_choice_on_telegram_discord_and_the_terminal(mini_db: Database) -> None:
    with mini_db.session() as session:
        lesson = session.scalars(select(LessonRow).where(LessonRow.slug == "counting")).one()
        lesson_id = lesson.id
    choice = f"fb:{lesson_id}:0:confusing"

    async def telegram() -> None:
        async with running(Tutor(mini_db), mini_db, telegram_rate_limits=False) as (fake, _):
            fake.message(2001, "/course mini")
            await fake.reply_to(2001, 0)
            seen = len(fake.to(2001))
            fake.message(2001, "/lesson counting")
            while True:
                replies = await fake.reply_to(2001, seen)
                asked = next((s for s in replies if choice in s.buttons), None)
                if asked is not None:
                    break
                seen = len(fake.to(2001))
                fake.press(2001, replies[-1], "next")
            seen = len(fake.to(2001))
            fake.press(2001, asked, choice)
            assert "What was confusing?" in (await fake.reply_to(2001, seen))[0].text

    asyncio.run(telegram())

    async def discord_(bot: object, harness: DiscordHarness) -> None:
        bob = harness.member(1)
        await harness.click("tb:course:mini", bob)
        calls = await harness.command("lesson", bob, text="counting")
        while not any(f"tb:{choice}" in c.custom_ids for c in calls):
            calls = await harness.click("tb:next", bob)
        asked = next(c for c in calls if f"tb:{choice}" in c.custom_ids)
        answered = await harness.click(f"tb:{choice}", bob, on=asked)
        assert "What was confusing?" in answered[0].text

    run(mini_db, discord_)

    console = Console(record=True, width=120)
    terminal = TerminalChat(Tutor(mini_db), console, "cy")
    terminal._send(Inbound.from_text(terminal._identity, "cy", "/course mini"))
    terminal._send(Inbound.from_text(terminal._identity, "cy", "/lesson counting"))
    for _ in range(5):
        if "clear to you?" in console.export_text(clear=False):
            break
        terminal._send(terminal._event("n"))
    shown = console.export_text()
    key = shown.split("😕 Confusing")[0].rsplit("[", 1)[1].split("]")[0]
    terminal._send(terminal._event(key))
    assert "What was confusing?" in console.export_text()
    with mini_db.session() as session:
        assert sorted(session.scalars(select(CardFeedback.verdict))) == ["confusing"] * 3
