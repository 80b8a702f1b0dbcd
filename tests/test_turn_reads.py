"""A turn reads each row once: what it has read, it holds (issue 18: "nothing re-read that
the turn already holds")."""

from __future__ import annotations

from collections import Counter

from tests.conftest import Chat, sent_statements
from tutor import Database, QuestionReply, Tutor


def test_a_missed_quiz_answer_reads_nothing_twice_and_writes_the_state_once(
        mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    chat.say("/course mini")
    chat.say("/quiz counting")
    question = next(r for r in chat.last if isinstance(r, QuestionReply))
    assert "after one" in question.prompt  # zero, two, five
    with sent_statements(mini_db) as done:
        chat.press(f"ans:{question.question_id}:0")
    assert "clear?" in chat.text()  # missed: it also asked about the card that teaches it
    twice = [s for s, n in Counter(done).items() if n > 1 and s[0].startswith("SELECT")]
    assert not twice, twice
    states = [s for s, _ in done if s.startswith("UPDATE conversation_states")]
    assert len(states) == 1, states
