from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.conftest import Chat
from tutor import Database, Identity, Inbound, QuestionReply, Text, Tutor
from tutor.actions import PickCourse
from tutor.storage.models import Attempt, QuestionRow


def _open_quiz(chat: Chat) -> None:
    chat.say("/start")
    chat.press("course:mini")
    chat.say("/quiz 1")


def _question(chat: Chat) -> QuestionReply:
    found = [r for r in chat.last if isinstance(r, QuestionReply)]
    assert found, chat.last
    return found[-1]


def test_first_start_offers_the_courses(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    replies = chat.say("/start")
    assert "Hi Ann" in chat.text()
    assert "course:mini" in chat.actions()
    assert all(isinstance(r, Text) for r in replies)


def test_lesson_cards_navigate_and_end_with_a_quiz_offer(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    chat.say("/start")
    chat.press("course:mini")
    assert "card 1 of 3" in chat.text() and "One comes before two." in chat.text()
    chat.press("back")
    assert "first card" in chat.text()
    chat.press("next")
    assert "card 2 of 3" in chat.text()
    chat.say("next")
    chat.say("n")
    assert "You finished **Counting**" in chat.text()
    assert any(a.startswith("quiz:") for a in chat.actions())
    assert any(a.startswith("lesson:") for a in chat.actions())


def test_a_whole_quiz_with_every_answer_path(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    _open_quiz(chat)
    first = _question(chat)
    assert (first.header, first.options, first.correct) == ("Question 1 of 3", ("zero", "two",
                                                                                 "five"), (1,))
    chat.press(f"hint:{first.question_id}")
    assert "number of eyes" in chat.text()
    chat.press(f"ans:{first.question_id}:0")
    assert "Not quite" in chat.text() and "**two**" in chat.text()
    assert "Counting goes one, two, three." in chat.text()
    second = _question(chat)
    chat.press(f"tog:{second.question_id}:0")
    assert _question(chat).selected == (0,)
    chat.press(f"tog:{second.question_id}:2")
    chat.press(f"sub:{second.question_id}")
    assert "Correct" in chat.text()
    chat.say("3,5")
    assert "Quiz finished: **2 of 3** correct" in chat.text()
    with mini_db.session() as session:
        attempts = session.scalars(select(Attempt).order_by(Attempt.id)).all()
    assert [(a.correct, a.hints_used) for a in attempts] == [(False, 1), (True, 0), (True, 0)]
    assert all(a.response_ms is not None and a.response_ms >= 0 for a in attempts)


def test_answer_of_the_wrong_shape_is_explained_and_not_recorded(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    _open_quiz(chat)
    chat.say("seven")
    assert "option number from 1 to 3" in chat.text()
    with mini_db.session() as session:
        assert session.scalars(select(Attempt)).all() == []
    chat.say("2")
    assert "Correct" in chat.text()


def test_skip_records_a_miss_and_shows_the_answer(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    _open_quiz(chat)
    chat.say("/skip")
    assert "Skipped. The answer is **two**" in chat.text()
    assert _question(chat).header == "Question 2 of 3"


def test_stale_and_forged_buttons_are_turned_away_politely(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    _open_quiz(chat)
    old = _question(chat).question_id
    chat.say("2")
    chat.press(f"ans:{old}:1")
    assert "expired" in chat.text()
    assert _question(chat).header == "Question 2 of 3"
    for forged in ["ans:abc:1", "ans:1", "zzz:1:2", "lesson:999", "quiz:x", "course:nope",
                   "tog:2:x", "ans:2:99"]:
        replies = chat.press(forged)
        assert replies and all(isinstance(r, Text | QuestionReply) for r in replies)
    with mini_db.session() as session:
        assert len(session.scalars(select(Attempt)).all()) == 1


def test_restart_resumes_the_same_open_question(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    _open_quiz(chat)
    chat.say("2")
    before = _question(chat)
    restarted = Chat(Tutor(mini_db))
    restarted.say("/start")
    assert "Welcome back" in restarted.text()
    assert _question(restarted) == before
    restarted.say("1, 3")
    assert "Correct" in restarted.text()


def test_restart_resumes_the_same_card(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    chat.say("/start")
    chat.press("course:mini")
    chat.press("next")
    restarted = Chat(Tutor(mini_db))
    restarted.say("/start")
    assert "card 2 of 3" in restarted.text()


def test_switching_courses_keeps_each_position(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/start")
    chat.press("course:python-basics")
    chat.press("next")
    chat.say("/course earth-science")
    assert "Inside the Earth" in chat.text() and "card 1 of 5" in chat.text()
    chat.say("/course python-basics")
    assert "card 2 of 5" in chat.text()
    chat.say("/course nonsense")
    assert "no course called `nonsense`" in chat.text()


def test_lesson_by_number_and_unknown_lesson(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/lesson")
    assert "Which course" in chat.text()
    chat.press("course:python-basics")
    chat.say("/lesson 3")
    assert "Lesson 3 · Working with text" in chat.text()
    chat.say("/lesson 42")
    assert "There is no lesson “42”" in chat.text()
    chat.say("/lessons")
    assert "8. ▫️ Functions and errors" in chat.text()


def test_leaving_a_quiz_says_so(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    _open_quiz(chat)
    chat.say("/next")
    assert "A question is open" in chat.text()
    chat.press("next")
    assert "A question is open" in chat.text()
    chat.say("/lesson")
    assert "You left the quiz after 0 of 3" in chat.text()
    assert "card" in chat.text()


def test_score_and_help(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    _open_quiz(chat)
    chat.say("2")
    chat.say("/score")
    assert "Questions answered: **1**" in chat.text()
    assert "Average score: **100%**" in chat.text()
    chat.say("/help")
    assert "/quiz" in chat.text() and "/hint" in chat.text()


def test_bad_messages_get_clear_answers(mini_db: Database) -> None:
    tutor = Tutor(mini_db, max_message_chars=500)
    chat = Chat(tutor)
    chat.say("x" * 501)
    assert "501 characters long; I read at most 500" in chat.text()
    chat.say("")
    assert "Send me a message" in chat.text()
    chat.say("/frobnicate now")
    assert "I don't know the command /frobnicate" in chat.text()
    chat.say("what is this?")
    assert "pick a course" in chat.text()
    chat.say("<b>&amp;</b> \u0000 🤖")
    assert chat.last


def test_learners_are_kept_apart(mini_db: Database) -> None:
    tutor = Tutor(mini_db)
    ann, bob = Chat(tutor, "ann"), Chat(tutor, "bob", name="Bob")
    _open_quiz(ann)
    bob.say("/start")
    assert "Hi Bob" in bob.text()
    ann.say("2")
    assert "Correct" in ann.text()


def test_response_time_uses_the_event_clock(mini_db: Database) -> None:
    tutor = Tutor(mini_db)
    me = Identity("test", "clock")
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    steps: list[tuple[int, dict[str, Any]]] = [
        (0, {"command": "start"}), (1, {"action": PickCourse("mini")}),
        (2, {"command": "quiz", "text": "1"}), (9, {"text": "2"})]
    for offset, kwargs in steps:
        tutor.handle(Inbound(me, "c", at=start + timedelta(seconds=offset), **kwargs))
    with mini_db.session() as session:
        attempt = session.scalars(select(Attempt)).one()
        assert attempt.response_ms == 7000
        assert session.get(QuestionRow, attempt.question_id).key == "count-next"  # type: ignore[union-attr]


def test_every_question_type_of_the_bundled_courses_can_be_answered(bundled_db: Database) -> None:
    """Walk every quiz of both courses answering with the right option or accepted text."""
    chat = Chat(Tutor(bundled_db))
    chat.say("/start")
    with bundled_db.session() as session:
        questions = {q.id: q for q in session.scalars(select(QuestionRow))}
    for course in ["python-basics", "earth-science"]:
        chat.press(f"course:{course}")
        for number in range(1, 9):
            chat.say(f"/quiz {number}")
            while [r for r in chat.last if isinstance(r, QuestionReply)]:
                reply = _question(chat)
                row = questions[reply.question_id]
                if reply.options:
                    chat.say(", ".join(str(i + 1) for i in reply.correct))
                elif row.kind == "cloze":
                    chat.say("; ".join(a.split("|")[0] for a in row.answers))
                else:
                    chat.say(row.answers[0])
                assert "Correct" in chat.text(), (row.key, chat.text())
            assert "Excellent" in chat.text()
