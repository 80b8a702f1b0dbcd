from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Rating
from sqlalchemy import select

from tutor import Database, Identity, Inbound, QuestionReply, Reply, Text, Tutor
from tutor.actions import decode
from tutor.learner.reviews import rating_for
from tutor.storage.models import QuestionRow, ReviewCard

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
ME = Identity("test", "reviewer")


def test_the_rating_follows_how_the_answer_went() -> None:
    assert rating_for(False, 0, 2_000) is Rating.Again
    assert rating_for(True, 1, 2_000) is Rating.Hard
    assert rating_for(True, 0, 90_000) is Rating.Hard
    assert rating_for(True, 0, 3_000) is Rating.Easy
    assert rating_for(True, 0, 20_000) is Rating.Good
    assert rating_for(True, 0, None) is Rating.Good


def _say(tutor: Tutor, at: datetime, *, action: str | None = None, command: str | None = None,
         text: str = "") -> list[Reply]:
    """A turn at `at`; a button is given in its wire form (`ans:12:0`)."""
    return tutor.handle(Inbound(ME, "c", at=at, action=decode(action) if action else None,
                                command=command, text=text))


def _question(replies: list[Reply]) -> QuestionReply | None:
    found = [r for r in replies if isinstance(r, QuestionReply)]
    return found[-1] if found else None


def _text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies if isinstance(r, Text))


def test_a_missed_question_comes_back_for_review_and_then_rests(mini_db: Database) -> None:
    tutor = Tutor(mini_db)
    _say(tutor, T0, action="course:mini")
    question = _question(_say(tutor, T0, command="quiz", text="1"))
    missed = question.question_id if question else None
    moment = T0
    while question is not None:  # the first one wrong, the rest right, each in 3 seconds
        moment += timedelta(seconds=3)
        if question.kind == "multiple":
            reply = _say(tutor, moment, text=", ".join(str(i + 1) for i in question.correct))
        elif question.options:
            choice = 0 if question.question_id == missed else question.correct[0]
            reply = _say(tutor, moment, action=f"ans:{question.question_id}:{choice}")
        else:
            reply = _say(tutor, moment, text="3.5")
        question = _question(reply)
    assert "Nothing to review right now" in _text(_say(tutor, moment, command="review"))

    later = T0 + timedelta(minutes=5)  # a miss is relearnt within minutes
    replies = _say(tutor, later, command="review")
    assert "🔁 Review: 1 question." in _text(replies)
    due = _question(replies)
    assert due is not None and due.question_id == missed
    done = _say(Tutor(mini_db), later + timedelta(seconds=2),  # a restart in between
                action=f"ans:{due.question_id}:{due.correct[0]}")
    assert "Review finished: **1 of 1** correct" in _text(done)
    rested = _text(_say(tutor, later + timedelta(minutes=1), command="review"))
    assert "Nothing to review right now. The next one is due in" in rested
    with mini_db.session() as session:
        cards = session.scalars(select(ReviewCard)).all()
        assert len(cards) == 3 and {c.reviews for c in cards} == {1, 2}
        assert all(isinstance(c.card, dict) and "stability" in c.card for c in cards)


def test_progress_counts_the_reviews_due_and_retired_questions_never_come_back(
        mini_db: Database) -> None:
    tutor = Tutor(mini_db)
    _say(tutor, T0, action="course:mini")
    question = _question(_say(tutor, T0, command="quiz", text="2"))
    while question is not None:
        question = _question(_say(tutor, T0 + timedelta(seconds=1), command="skip"))
    progress = _text(_say(tutor, T0 + timedelta(minutes=5), command="progress"))
    assert "🔁 3 questions due for review" in progress
    with mini_db.session() as session:
        for row in session.scalars(select(QuestionRow).where(QuestionRow.key == "sky-blue")):
            row.retired = True
        session.commit()
    review = _text(_say(tutor, T0 + timedelta(minutes=5), command="review"))
    assert "🔁 Review: 2 questions." in review


def _answer(tutor: Tutor, at: datetime, question: QuestionReply, *, right: bool = True
            ) -> list[Reply]:
    if question.kind == "multiple":
        return _say(tutor, at, text=", ".join(str(i + 1) for i in question.correct)
                    if right else "2")
    if question.options:
        choice = question.correct[0] if right else \
            next(i for i in range(len(question.options)) if i not in question.correct)
        return _say(tutor, at, action=f"ans:{question.question_id}:{choice}")
    return _say(tutor, at, text="3.5" if right else "9")


def _quiz_all_right(tutor: Tutor, at: datetime) -> datetime:
    """Lesson 1 (three questions on counting), every answer right, 3 seconds each."""
    question = _question(_say(tutor, at, command="quiz", text="1"))
    while question is not None:
        at += timedelta(seconds=3)
        question = _question(_answer(tutor, at, question))
    return at


def test_a_right_answer_also_reviews_the_due_questions_on_its_skill(mini_db: Database) -> None:
    tutor = Tutor(mini_db)
    _say(tutor, T0, action="course:mini")
    _quiz_all_right(tutor, T0)
    month = T0 + timedelta(days=30)  # all three counting questions are due by now
    assert "🔁 3 questions due for review" in _text(_say(tutor, month, command="progress"))

    replies = _say(tutor, month, command="review")
    assert "🔁 Review: 1 question." in _text(replies)  # one answer covers the other two
    due = _question(replies)
    assert due is not None
    assert "Review finished: **1 of 1** correct" in _text(
        _answer(tutor, month + timedelta(seconds=5), due))
    assert "Nothing to review right now" in _text(
        _say(tutor, month + timedelta(seconds=10), command="review"))
    with mini_db.session() as session:
        cards = {c.question_id: c for c in session.scalars(select(ReviewCard))}
        assert len(cards) == 3 and all(c.due.replace(tzinfo=UTC) > month for c in cards.values())
        # Seen through another question, not answered: not counted as one of its reviews.
        assert sorted(c.reviews for c in cards.values()) == [1, 1, 2]


def test_a_wrong_answer_leaves_the_others_due(mini_db: Database) -> None:
    tutor = Tutor(mini_db)
    _say(tutor, T0, action="course:mini")
    _quiz_all_right(tutor, T0)
    month = T0 + timedelta(days=30)
    due = _question(_say(tutor, month, command="review"))
    assert due is not None
    _answer(tutor, month + timedelta(seconds=5), due, right=False)
    replies = _say(tutor, month + timedelta(seconds=10), command="review")
    assert "🔁 Review: 1 question." in _text(replies)
    again = _question(replies)
    assert again is not None and again.question_id != due.question_id
