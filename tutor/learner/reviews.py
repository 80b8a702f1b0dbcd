"""Spaced review with fsrs: every question a learner has met becomes a card.

The rating comes from how the answer went: wrong or skipped is Again; right with a hint
or after a long think is Hard; right and quick is Easy; otherwise Good.

A card is about its skills, not its wording: a right answer also reviews the learner's
due cards whose skills it practised (every skill of the card among the answer's), as
"implicit repetition" does in skill-based spaced repetition. Without it a course's six
questions on one skill came due one by one, and the reviews crowded out learning: in the
learner simulation (`benchmarks/learner_simulation.py`, development seeds) three answers in
four went to reviews, four in five of those on skills the learner knew.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from fsrs import Card, Rating, Scheduler
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tutor.storage.models import QuestionRow, ReviewCard
from tutor.turn import as_utc

__all__ = [
    "FAST_MS",
    "SLOW_MS",
    "covers",
    "due_count",
    "due_questions",
    "implicit",
    "next_due",
    "rating_for",
    "record_review",
]

FAST_MS = 8_000  # a right answer this quick was easy
SLOW_MS = 60_000  # a right answer this slow was hard
_SCHEDULER = Scheduler()  # the published default parameters; fuzzing spreads the load


def rating_for(correct: bool, hints_used: int, response_ms: int | None) -> Rating:
    if not correct:
        return Rating.Again
    if hints_used or (response_ms is not None and response_ms > SLOW_MS):
        return Rating.Hard
    if response_ms is not None and response_ms < FAST_MS:
        return Rating.Easy
    return Rating.Good


def record_review(session: Session, learner_id: int, question: QuestionRow, correct: bool,
                  hints_used: int, response_ms: int | None, now: datetime) -> ReviewCard:
    """The answered question's card, and, after a right answer, the due cards it covered."""
    now = as_utc(now)
    rating = rating_for(correct, hints_used, response_ms)
    # One read: this question's card and, after a right answer, the course's due cards with
    # their skills (a wrong one reviews nothing else: they are not read).
    this = ReviewCard.question_id == question.id
    found = session.execute(
        select(ReviewCard, QuestionRow.skills).join(QuestionRow)
        .where(ReviewCard.learner_id == learner_id, ReviewCard.course_id == question.course_id,
               or_(this, ReviewCard.due <= now) if correct else this)).all()
    row = next((card for card, _ in found if card.question_id == question.id), None)
    if row is None:
        row = ReviewCard(learner_id=learner_id, question_id=question.id,
                         course_id=question.course_id, reviews=0)
        session.add(row)
    _review(row, rating, now)
    if correct:
        for card, skills in found:
            if card is not row and covers(question.skills, skills):
                _review(card, implicit(rating), now, counted=False)
    return row


def covers(practised: Collection[str], skills: Collection[str] | None) -> bool:
    """Whether a right answer practising `practised` also reviews a card on `skills`."""
    if not skills:
        return False
    return set(skills) <= set(practised)


def implicit(rating: Rating) -> Rating:
    """A card reviewed through another question: at most Good (it was not itself answered)."""
    return min(rating, Rating.Good)


def _review(row: ReviewCard, rating: Rating, now: datetime, *, counted: bool = True) -> None:
    # Our own card id (the question's): fsrs would otherwise sleep 1 ms to make one unique.
    card = Card.from_dict(row.card) if row.card else Card(  # type: ignore[arg-type]
        card_id=row.question_id, due=now)
    card, _ = _SCHEDULER.review_card(card, rating, now)
    row.card = dict(card.to_dict())
    row.due = card.due
    if counted:
        row.reviews = (row.reviews or 0) + 1


def _due(learner_id: int, course_id: int, now: datetime) -> tuple[Any, ...]:
    """What makes a card due: the learner's, in the course, its moment past, not retired."""
    return (ReviewCard.learner_id == learner_id, ReviewCard.course_id == course_id,
            ReviewCard.due <= as_utc(now), QuestionRow.retired.is_(False))


def due_questions(session: Session, learner_id: int, course_id: int, now: datetime,
                  limit: int = 10) -> list[QuestionRow]:
    """Due questions, the most overdue first, leaving out those an earlier one covers (its
    right answer reviews them; a wrong one leaves them due for next time)."""
    chosen: list[QuestionRow] = []
    for question in session.scalars(
            select(QuestionRow).join(ReviewCard).where(*_due(learner_id, course_id, now))
            .order_by(ReviewCard.due, ReviewCard.id)):
        if not any(covers(earlier.skills, question.skills) for earlier in chosen):
            chosen.append(question)
            if len(chosen) == limit:
                break
    return chosen


def due_count(session: Session, learner_id: int, course_id: int, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(ReviewCard).join(QuestionRow)
                          .where(*_due(learner_id, course_id, now))) or 0


def next_due(session: Session, learner_id: int, course_id: int) -> datetime | None:
    moment = session.scalar(select(func.min(ReviewCard.due)).where(
        ReviewCard.learner_id == learner_id, ReviewCard.course_id == course_id))
    return as_utc(moment) if moment is not None else None
