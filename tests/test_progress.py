from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.conftest import Chat
from tutor import Database, Image, Inbound, QuestionReply, Text, Tutor
from tutor import Identity as Who
from tutor.actions import PickCourse, Skip
from tutor.learner.dropout import learner_risk
from tutor.learner.progress import current_streak, daily_counts, learner_progress
from tutor.storage.models import CourseRow
from tutor.storage.models import Identity as IdentityRow
from tutor.timezones import zone

BERLIN = ZoneInfo("Europe/Berlin")


def test_days_are_local_calendar_days_across_daylight_saving() -> None:
    # Berlin springs forward on 2026-03-29 at 02:00: that day has 23 hours.
    moments = [datetime(2026, 3, 28, 22, 30, tzinfo=UTC),  # 23:30 local on the 28th
               datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # 00:30 local on the 29th
               datetime(2026, 3, 29, 21, 59, tzinfo=UTC),  # 23:59 local (CEST) on the 29th
               datetime(2026, 3, 29, 22, 1, tzinfo=UTC)]   # 00:01 local on the 30th
    assert daily_counts(moments, BERLIN, date(2026, 3, 30), 3) == [1, 2, 1]
    assert current_streak([1, 2, 1]) == 3
    # ...and falls back on 2026-10-25 (25 hours): 21:30 UTC is 23:30 local on both days.
    autumn = [datetime(2026, 10, 24, 21, 30, tzinfo=UTC),  # CEST, UTC+2
              datetime(2026, 10, 25, 22, 30, tzinfo=UTC)]  # CET, UTC+1
    assert daily_counts(autumn, BERLIN, date(2026, 10, 25), 2) == [1, 1]


def test_a_clock_running_ahead_is_ignored_and_naive_times_are_utc() -> None:
    today = date(2026, 5, 1)
    moments = [datetime(2026, 5, 2, 12, 0, tzinfo=UTC), datetime(2026, 5, 1, 12, 0)]
    assert daily_counts(moments, zone("UTC"), today, 2) == [0, 1]


def test_a_streak_survives_until_today_is_over() -> None:
    assert current_streak([0, 1, 1, 0]) == 2  # nothing yet today: yesterday's streak holds
    assert current_streak([1, 1, 0, 0]) == 0
    assert current_streak([0, 0, 0, 1]) == 1
    assert current_streak([0]) == 0


def test_an_unknown_time_zone_falls_back_to_utc() -> None:
    assert zone("Mars/Olympus_Mons") == ZoneInfo("UTC")
    assert zone("") == ZoneInfo("UTC")


def _answer_all(chat: Chat, right: bool) -> None:
    while questions := [r for r in chat.last if isinstance(r, QuestionReply)]:
        reply = questions[-1]
        if right and reply.options:
            chat.say(", ".join(str(i + 1) for i in reply.correct))
        else:
            chat.say("/skip")  # a miss, recorded as wrong


def test_progress_after_quizzes_with_its_chart(bundled_db: Database, tmp_path: Path) -> None:
    tutor = Tutor(bundled_db, charts_dir=tmp_path / "charts")
    chat = Chat(tutor)
    chat.say("/progress")
    assert "Which course" in chat.text()
    chat.press("course:earth-science")
    chat.say("/progress")
    assert "0 questions answered" in chat.text() and "Take a /quiz" in chat.text()
    assert not [r for r in chat.last if isinstance(r, Image)]
    chat.say("/quiz 7")  # seasons: answered right where there are options
    _answer_all(chat, right=True)
    chat.say("/quiz 2")  # rocks: all skipped
    _answer_all(chat, right=False)
    replies = chat.say("/progress")
    text = chat.text()
    assert "10 questions answered" in text
    assert "Streak: **1 day**" in text
    assert "To practise: Igneous, sedimentary and metamorphic rocks" in text
    [image] = [r for r in replies if isinstance(r, Image)]
    assert image.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.caption == "Your progress in Earth and Space Science"


def test_mastery_follows_the_answers(bundled_db: Database) -> None:
    tutor = Tutor(bundled_db)
    chat = Chat(tutor)
    chat.press("course:earth-science")
    chat.say("/quiz 7")
    _answer_all(chat, right=True)
    chat.say("/quiz 2")
    _answer_all(chat, right=False)
    with bundled_db.session() as session:
        identity = session.scalars(select(IdentityRow)).one()
        course = session.scalars(select(CourseRow).where(
            CourseRow.slug == "earth-science")).one()
        found = learner_progress(session, identity.learner, course, datetime.now(UTC))
        risk = learner_risk(session, identity.learner_id, course, datetime.now(UTC))
    seasons = found.mastery["Why seasons and day length change through the year"]
    rocks = found.mastery["Igneous, sedimentary and metamorphic rocks and the rock cycle"]
    assert 0.0 < rocks < seasons < 1.0
    assert "The Moon's phases, eclipses and tides" in found.unpractised
    assert 0.0 < risk < 1.0


def test_a_streak_over_several_days_in_the_learners_zone(bundled_db: Database) -> None:
    tutor = Tutor(bundled_db)
    who = Who("test", "streaker")
    start = datetime(2026, 3, 27, 21, 0, tzinfo=UTC)  # 22:00 in Berlin, before the change
    tutor.handle(Inbound(who, "c", action=PickCourse("earth-science"), at=start))
    with bundled_db.session() as session:
        row = session.scalars(select(IdentityRow).where(
            IdentityRow.platform_user_id == "streaker")).one()
        row.learner.timezone = "Europe/Berlin"
        session.commit()
    for day in range(4):  # one answer a local evening, across the night the clocks change
        moment = start + timedelta(days=day)
        [question] = [r for r in tutor.handle(Inbound(who, "c", command="quiz", text="7",
                                                      at=moment))
                      if isinstance(r, QuestionReply)]
        tutor.handle(Inbound(who, "c", action=Skip(question.question_id), at=moment))
    [summary, *_] = tutor.handle(Inbound(who, "c", command="progress",
                                         at=start + timedelta(days=3, minutes=30)))
    assert isinstance(summary, Text)
    assert "4 questions answered" in summary.text
    assert "Streak: **4 days**" in summary.text
