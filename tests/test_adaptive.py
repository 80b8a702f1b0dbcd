from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.conftest import Chat
from tutor import Database, Inbound, QuestionReply, Tutor
from tutor import Identity as Who
from tutor.actions import Choose
from tutor.learner.adaptive import Standing, aim, choose, level
from tutor.learner.items import AnswerRow, calibrate_items
from tutor.learner.mastery import DEFAULT
from tutor.storage.models import Attempt, Enrollment, Learner, QuestionRow
from tutor.timezones import describe_zone, parse_timezone, zone

NOW = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)  # a Wednesday


def _questions(db: Database) -> list[QuestionRow]:
    with db.session() as session:
        rows = session.scalars(select(QuestionRow).order_by(QuestionRow.id)).all()
        session.expunge_all()
        return list(rows)


def test_the_author_difficulty_is_the_prior_and_the_log_corrects_it() -> None:
    rng = random.Random(3)
    # "trap" is authored as easy (1) but almost nobody gets it right; "plain" behaves as
    # authored; "rare" is authored hard and answered only twice.
    truth = {"trap": (1, 0.15), "plain": (3, 0.6), "other": (5, 0.3), "rare": (5, 0.9)}
    rows = [AnswerRow(f"l{n}", ("s",), key, truth[key][0], rng.random() < truth[key][1])
            for n in range(150) for key in ("trap", "plain", "other")]
    rows += [AnswerRow("l0", ("s",), "rare", 5, True), AnswerRow("l1", ("s",), "rare", 5, True)]
    model = calibrate_items(DEFAULT, rows)
    offsets = model.item_offsets
    assert offsets["trap"] < offsets["plain"] - 1.0  # the log overrules the author
    # Two answers move an item only part of the way from its authored difficulty.
    assert model.item_offset("rare", 5) < offsets["plain"]
    assert model.difficulty_step >= 0.0
    # An item the log has not seen keeps the prior, from the re-estimated step.
    assert model.item_offset("new", 3) == 0.0
    assert calibrate_items(DEFAULT, []) is DEFAULT


def test_a_strong_learner_is_given_harder_questions_than_a_struggling_one(mini_db: Database
                                                                          ) -> None:
    questions = _questions(mini_db)
    strong = Standing.replay(DEFAULT, [(q.skills, True) for q in questions] * 3)
    weak = Standing.replay(DEFAULT, [(q.skills, False) for q in questions] * 3)
    goal = aim(0.8, 0)
    assert choose(DEFAULT, strong, questions, goal).difficulty > \
        choose(DEFAULT, weak, questions, goal).difficulty
    # Asking for easier questions aims higher, harder aims lower; both stay in range.
    assert aim(0.8, -1) > aim(0.8, 0) > aim(0.8, 1)
    assert 0.55 <= aim(0.95, -1) <= 0.95 and aim(0.6, 1) >= 0.55


def test_levels_rise_with_success_and_fall_only_past_a_margin(mini_db: Database) -> None:
    questions = _questions(mini_db)
    nothing = Standing.replay(DEFAULT, [])
    assert level(DEFAULT, nothing, questions, 0.8, 1) == 1
    strong = Standing.replay(DEFAULT, [(q.skills, True) for q in questions] * 4)
    assert level(DEFAULT, strong, questions, 0.8, 1) == 2
    # One miss after a run of right answers keeps the level.
    slip = Standing.replay(DEFAULT, [(q.skills, True) for q in questions] * 4 +
                           [(questions[0].skills, False)])
    assert level(DEFAULT, slip, questions, 0.8, 2) == 2
    weak = Standing.replay(DEFAULT, [(q.skills, False) for q in questions] * 4)
    assert level(DEFAULT, weak, questions, 0.8, 2) == 1


def _answer(chat: Chat, right: bool) -> None:
    question = next(r for r in chat.last if isinstance(r, QuestionReply))
    if right:
        chat.say(", ".join(str(i + 1) for i in question.correct) if question.options
                 else _typed_answer(chat, question.question_id))
    else:
        chat.say("/skip")


def _typed_answer(chat: Chat, question_id: int) -> str:
    with chat.tutor._db.session() as session:
        question = session.get(QuestionRow, question_id)
        assert question is not None
        return question.answers[0]


def test_the_quiz_tells_the_learner_when_their_level_moves(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db, clock=lambda: NOW))
    chat.say("/course python-basics")
    said = []
    for lesson in range(1, 5):
        chat.say(f"/quiz {lesson}")
        while any(isinstance(r, QuestionReply) for r in chat.last):
            _answer(chat, right=True)
            said.append(chat.text())
    assert any("moving up to **level 2**" in text for text in said)
    with bundled_db.session() as session:
        assert (session.scalar(select(Enrollment.level)) or 0) >= 2
    chat.say("/progress")
    assert "**Level" in chat.text()
    downs = []
    for lesson in range(5, 9):
        chat.say(f"/quiz {lesson}")
        while any(isinstance(r, QuestionReply) for r in chat.last):
            _answer(chat, right=False)
            downs.append(chat.text())
    assert any("a step slower" in text for text in downs)


def test_harder_in_settings_changes_the_next_question(bundled_db: Database) -> None:
    def first_difficulty(challenge: str, user: str) -> int:
        chat = Chat(Tutor(bundled_db, clock=lambda: NOW), user=user)
        chat.say("/course python-basics")
        chat.say(f"/settings difficulty {challenge}")
        assert "From your next question" in chat.text()
        chat.say("/quiz 2")
        question = next(r for r in chat.last if isinstance(r, QuestionReply))
        with bundled_db.session() as session:
            row = session.get(QuestionRow, question.question_id)
            assert row is not None
            return row.difficulty

    assert first_difficulty("harder", "h") > first_difficulty("easier", "e")


def test_settings_time_zone_goal_and_bad_values(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db, clock=lambda: NOW))
    chat.say("/course python-basics")
    chat.say("/settings")
    assert "Weekly goal: **4 active days**" in chat.text() and "set:goal:5" in chat.actions()
    chat.press("set:goal:5")
    assert "**5 active days**" in chat.text()
    chat.say("/settings timezone new york")
    assert "America/New_York" in chat.text()
    chat.say("/settings timezone Atlantis")
    assert "I don't know the time zone “Atlantis”" in chat.text()
    chat.press("set:goal:99")
    assert "from 1 to 7" in chat.text()
    chat.press("set:volume:11")
    assert "not available" in chat.text()
    with bundled_db.session() as session:
        learner = session.scalars(select(Learner)).one()
        assert learner.timezone == "America/New_York"
        assert learner.preferences["weekly_goal"] == 5


def test_time_zones_by_name_city_or_offset() -> None:
    assert parse_timezone("Europe/Paris") == "Europe/Paris"
    assert parse_timezone("  paris ") == "Europe/Paris"
    assert parse_timezone("+2") == "UTC+02:00"
    assert parse_timezone("UTC-05:00") == "UTC-05:00"
    for typed in ("+5:30", "+05:30", "UTC+0530", "gmt +5:30"):
        assert parse_timezone(typed) == "UTC+05:30", typed
    assert parse_timezone("+5:45") == "UTC+05:45"  # Nepal
    assert parse_timezone("Delhi") == parse_timezone("mumbai") == "Asia/Kolkata"
    assert parse_timezone("Beijing") == "Asia/Shanghai"
    assert parse_timezone("gmt") == "UTC"
    for wrong in ("+15", "+5:20", "+14:30", "<b>x</b>", "+5:3"):
        assert parse_timezone(wrong) is None, wrong


def test_time_zones_read_back_as_people_write_them() -> None:
    assert describe_zone("UTC+02:00") == "UTC+02:00"
    assert describe_zone("Etc/GMT-2") == "UTC+02:00"  # records from before: Etc/ is reversed
    assert describe_zone("Etc/GMT+5") == "UTC-05:00"
    assert describe_zone("America/New_York") == "New York (America/New_York)"
    india = datetime(2026, 12, 2, 12, 0, tzinfo=UTC).astimezone(zone("UTC+05:30"))
    assert (india.hour, india.minute) == (17, 30)


def test_a_half_hour_zone_is_set_and_shown_back(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db, clock=lambda: NOW))
    chat.say("/settings timezone +5:30")
    assert "Time zone set to **UTC+05:30**" in chat.text()
    chat.say("/settings timezone +2")
    assert "Etc/GMT" not in chat.text() and "**UTC+02:00**" in chat.text()


def test_progress_shows_the_weekly_goal(bundled_db: Database) -> None:
    clock = [NOW - timedelta(days=1)]  # Tuesday, then Wednesday
    chat = Chat(Tutor(bundled_db, clock=lambda: clock[0]))
    chat.say("/course python-basics")
    chat.say("/quiz 1")
    _answer(chat, right=True)
    clock[0] = NOW
    chat.say("/skip")
    chat.say("/progress")
    assert "This week: **2 of 4** active days. 2 more days by Sunday" in chat.text()


def test_an_answer_delivered_twice_is_counted_once(bundled_db: Database) -> None:
    tutor = Tutor(bundled_db, clock=lambda: NOW)
    who = Who("test", "dup")
    tutor.handle(Inbound.from_text(who, "c", "/course python-basics"))
    question = next(r for r in tutor.handle(Inbound.from_text(who, "c", "/quiz 1"))
                    if isinstance(r, QuestionReply))
    press = Inbound(who, "c", action=Choose(question.question_id, 0), event_id="777")
    assert tutor.handle(press)
    assert tutor.handle(press) == []
    with bundled_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Attempt)) == 1
        assert session.scalar(select(Attempt.event_key)) == "test:777"
