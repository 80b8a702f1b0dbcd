"""A turn reads each row once: what it has read, it holds (issue 18: "nothing re-read that
the turn already holds")."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import event

from tests.conftest import Chat
from tutor import Database, QuestionReply, Tutor


def _statements(db: Database, chat: Chat, press: str) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, repr(parameters)))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        chat.press(press)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def test_a_missed_quiz_answer_reads_nothing_twice_and_writes_the_state_once(
        mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    chat.say("/course mini")
    chat.say("/quiz counting")
    question = next(r for r in chat.last if isinstance(r, QuestionReply))
    assert "after one" in question.prompt  # zero, two, five
    done = _statements(mini_db, chat, f"ans:{question.question_id}:0")
    assert "clear?" in chat.text()  # missed: it also asked about the card that teaches it
    twice = [s for s, n in Counter(done).items() if n > 1 and s[0].startswith("SELECT")]
    assert not twice, twice
    states = [s for s, _ in done if s.startswith("UPDATE conversation_states")]
    assert len(states) == 1, states
