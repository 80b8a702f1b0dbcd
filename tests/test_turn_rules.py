"""The core decides whether an action or a typed line fits here and now."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import Chat
from tutor import Database, Identity, Inbound, QuestionReply, Text, Tutor
from tutor.actions import AnswerTyped, Choose, Vote
from tutor.messages import GroupQuestion, Sent
from tutor.storage.models import Attempt


def _quiz(chat: Chat) -> QuestionReply:
    chat.say("/start")
    chat.press("course:mini")
    chat.say("/quiz 1")
    return _question(chat)


def _question(chat: Chat) -> QuestionReply:
    found = [r for r in chat.last if isinstance(r, QuestionReply)]
    assert found, chat.last
    return found[-1]


def _attempts(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(select(Attempt.id)).all())


def test_a_group_answer_in_a_private_chat_is_refused(mini_db: Database) -> None:
    tutor = Tutor(mini_db)
    started = tutor.handle(Inbound(Identity("test", "u1"), "group-1", command="groupquiz",
                                   text="mini", is_group=True))
    asked = started[-1]
    assert isinstance(asked, GroupQuestion)
    tutor.record_sent("test", Sent(asked.question.question_id, "group-1", "poll-1", "m1",
                                   quiz_id=asked.quiz_id))
    replies = tutor.handle(Inbound(Identity("test", "u1"), "chat", action=Vote("poll-1", 0)))
    assert "not valid here" in replies[0].text  # type: ignore[union-attr]
    assert _attempts(mini_db) == 0


def test_a_button_pressed_in_another_chat_is_expired(mini_db: Database) -> None:
    """A quiz shown in one chat (a group, say) is answered only there."""
    tutor = Tutor(mini_db)
    question = _quiz(Chat(tutor))
    elsewhere = tutor.handle(Inbound(Identity("test", "u1"), "another-chat",
                                     action=Choose(question.question_id, 1)))
    assert "expired" in elsewhere[0].text  # type: ignore[union-attr]
    assert _attempts(mini_db) == 0
    # The reply showed the question again in the other chat: it is answered there now.
    assert any(isinstance(r, QuestionReply) for r in elsewhere)
    here = tutor.handle(Inbound(Identity("test", "u1"), "another-chat",
                                action=Choose(question.question_id, 1)))
    assert "Correct" in here[0].text  # type: ignore[union-attr]


def test_a_stale_answer_form_is_not_graded_against_the_open_question(mini_db: Database) -> None:
    tutor = Tutor(mini_db)
    chat = Chat(tutor)
    first = _quiz(chat)
    chat.press(f"skip:{first.question_id}")
    now_open = _question(chat)
    assert now_open.question_id != first.question_id
    replies = tutor.handle(Inbound(Identity("test", "u1"), "chat",
                                   action=AnswerTyped(first.question_id, "two")))
    assert "expired" in replies[0].text  # type: ignore[union-attr]
    assert _attempts(mini_db) == 1  # the skip only


def test_typed_text_after_leaving_the_question_is_not_graded(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    question = _quiz(chat)
    for detour in ("/settings", "/help", "/lessons", "m"):
        chat.say(detour)
        chat.say("1")
        assert _attempts(mini_db) == 0, detour
        assert "still open" in chat.text() and _question(chat).question_id == \
            question.question_id
    chat.say("2")  # the question is on screen again: now it is an answer
    assert _attempts(mini_db) == 1 and "Correct" in chat.text()


def test_a_question_typed_during_a_quiz_gets_help_not_a_grade(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    _quiz(chat)
    chat.say("what does counting mean?")
    assert _attempts(mini_db) == 0
    assert "Not quite" not in chat.text()
    chat.say("2")
    assert _attempts(mini_db) == 1 and "Correct" in chat.text()


def test_continue_resumes_the_card_and_moves_on_after_a_finished_lesson(
        mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    chat.say("/start")
    chat.press("course:mini")
    chat.press("next")
    assert "card 2 of 3" in chat.text()
    chat.say("/menu")
    assert "continue" in chat.actions()
    chat.press("continue")
    assert "card 2 of 3" in chat.text()  # not back to card 1
    chat.press("next")
    chat.press("next")
    assert "You finished **Counting**" in chat.text()
    chat.say("/menu")
    assert any(isinstance(r, Text) and "Continue: Colours" in str(r.buttons) for r in chat.last)
    chat.press("continue")
    assert "Lesson 2" in chat.text() and "card 1 of" in chat.text()
