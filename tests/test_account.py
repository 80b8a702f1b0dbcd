from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import Chat
from tutor import Database, Inbound, Tutor
from tutor import Identity as Who
from tutor.actions import Vote
from tutor.messages import GroupQuestion, Sent
from tutor.storage.models import (
    Attempt,
    Base,
    Campaign,
    ConversationState,
    Identity,
    Learner,
    PollVote,
    QuestionRow,
    ReviewCard,
)


def test_forgetme_deletes_everything_after_a_confirmation(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/course python-basics")
    chat.say("/quiz 1")
    chat.say("/skip")
    chat.say("/forgetme")
    assert "cannot be undone" in chat.text() and "forget:yes" in chat.actions()
    with bundled_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Attempt)) == 1
    chat.press("forget:yes")
    assert "everything I held about you is deleted" in chat.text()
    with bundled_db.session() as session:
        for table in (Learner, Identity, Attempt, ReviewCard, ConversationState):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    chat.say("/start")  # a stranger again, welcomed as new
    assert "Hi Ann" in chat.text()


def test_onboarding_asks_for_the_clock_then_the_study_time(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/start")
    chat.press("course:earth-science")
    assert "which city are you in" in chat.text()
    chat.say("Tokyo")
    assert "Asia/Tokyo" in chat.text() and "set:study:8" in chat.actions()
    chat.press("set:study:8")
    assert "08:00" in chat.text()
    chat.say("Tokyo")  # asked once: now it is just text
    assert "Asia/Tokyo" not in chat.text()
    chat.press("course:python-basics")  # a second course asks nothing more
    assert "which city" not in chat.text()


def test_reminders_and_quiet_hours(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/stop")
    assert "reminders paused" in chat.text()
    chat.say("/settings")
    assert "Reminders: **off**" in chat.text() and "set:reminders:1" in chat.actions()
    chat.say("/settings quiet 23-7")
    assert "Quiet from 23:00 to 07:00" in chat.text()
    chat.say("/settings quiet 25-7")
    assert "/settings quiet 22-7" in chat.text()
    chat.say("/settings study 19")
    with bundled_db.session() as session:
        learner = session.scalars(select(Learner)).one()
        assert learner.preferences["quiet"] == [23, 7]
        assert learner.preferences["study_hour"] == 19
        assert learner.preferences["reminders"] is True  # choosing a time turns them on


def test_linking_two_platforms_keeps_one_progress(bundled_db: Database) -> None:
    tutor = Tutor(bundled_db)
    telegram = Chat(tutor, user="tg-1")
    telegram.identity = type(telegram.identity)("telegram", "tg-1")
    discord = Chat(tutor, user="dc-1")
    discord.identity = type(discord.identity)("discord", "dc-1")
    telegram.say("/course python-basics")
    telegram.say("/quiz 1")
    telegram.say("/skip")
    discord.say("/course python-basics")  # both hold an enrollment: the code maker's stays
    discord.say("/quiz 2")
    discord.say("/skip")
    discord.say("/link")
    code = discord.text().split("**")[1]
    telegram.say("/link nonsense")
    assert "unknown or has expired" in telegram.text()
    telegram.say(f"/link {code.lower()}")
    assert "Linked" in telegram.text()
    with bundled_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Learner)) == 1
        assert session.scalar(select(func.count()).select_from(Attempt)) == 2
        assert session.scalar(select(func.count()).select_from(Identity)) == 2
    telegram.say("/score")
    assert "Questions answered: **2**" in telegram.text()
    discord.say(f"/link {code}")  # used once
    assert "unknown or has expired" in discord.text()


def test_each_automatic_reminder_can_be_switched_off(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/settings")
    assert "set:auto-streak:0" in chat.actions()
    chat.press("set:auto-streak:0")
    assert "Off: streak reminders" in chat.text() and "set:auto-streak:1" in chat.actions()
    chat.press("mute:c7")  # a nudge's "Stop these" button
    assert "you won't get these any more" in chat.text()
    with bundled_db.session() as session:
        learner = session.scalars(select(Learner)).one()
        assert learner.preferences["auto_streak"] is False
        assert learner.preferences["muted"] == ["c7"]


def test_forgetme_leaves_nothing_tied_to_the_learner_in_any_table_or_file(
        bundled_db: Database, tmp_path: Path) -> None:
    user, name = "4242424242", "Zelda Quux"
    charts = tmp_path / "charts"
    tutor = Tutor(bundled_db, charts_dir=charts)
    chat = Chat(tutor, user=user, name=name)
    chat.say("/course python-basics")
    chat.say("/quiz 1")
    chat.say("/skip")
    chat.say("/ask what is a variable?")
    chat.say("/link")
    chat.say("/progress")
    assert list(charts.glob("*.png"))  # the progress chart, named after the learner
    with bundled_db.session() as session:
        any_question = session.scalars(select(QuestionRow.id)).first()
        session.add(Campaign(name="Mine", course_id=1, spec={}, created_by=f"test:{user}"))
        session.commit()
    assert any_question is not None
    # A quiz poll in their chat, and a group quiz they and someone else answered.
    tutor.record_sent("test", Sent(any_question, "chat-9", "p-private", "m1", for_user=user))
    [_, asked] = tutor.handle(Inbound(Who("test", user), "-100", command="groupquiz",
                                      text="python-basics", is_group=True, display_name=name))
    assert isinstance(asked, GroupQuestion)
    tutor.record_sent("test", Sent(asked.question.question_id, "-100", "p-group", "m2",
                                   quiz_id=asked.quiz_id))
    for who, called in ((user, name), ("someone-else", "Other")):
        [receipt] = tutor.handle(Inbound(Who("test", who), "-100", is_group=True,
                                         action=Vote("p-group", 0), display_name=called))
        assert "Your answer is in" in receipt.text  # type: ignore[union-attr]
    chat.say("/forgetme")
    chat.press("forget:yes")
    with bundled_db.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                text = repr(tuple(row))
                assert user not in text and name not in text, (table.name, text)
        assert session.scalar(select(func.count()).select_from(PollVote)) == 1  # theirs only
    assert not [p for p in charts.rglob("*") if p.is_file()]
