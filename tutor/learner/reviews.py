"""Spaced review with fsrs: every question a learner has met becomes a card.

The rating comes from how the answer went: wrong or skipped is Again; right with a hint
or after a long think is Hard; right and quick is Easy; otherwise Good.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fsrs import Card, Rating, Scheduler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tutor.storage.models import QuestionRow, ReviewCard
from tutor.turn import as_utc

__all__ = ["FAST_MS", "SLOW_MS", "due_count", "due_questions", "next_due", "rating_for",
           "record_review"]

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
    row = session.scalar(select(ReviewCard).where(ReviewCard.learner_id == learner_id,
                                                  ReviewCard.question_id == question.id))
    # Our own card id (the question's): fsrs would otherwise sleep 1 ms to make one unique.
    if row is not None:
        card = Card.from_dict(row.card)  # type: ignore[arg-type]
    else:
        card = Card(card_id=question.id, due=as_utc(now))
    card, _ = _SCHEDULER.review_card(card, rating_for(correct, hints_used, response_ms),
                                     as_utc(now))
    if row is None:
        row = ReviewCard(learner_id=learner_id, question_id=question.id,
                         course_id=question.course_id, reviews=0)
        session.add(row)
    row.card = dict(card.to_dict())
    row.due = card.due
    row.reviews = (row.reviews or 0) + 1
    return row


def _due(learner_id: int, course_id: int, now: datetime) -> Any:
    return select(ReviewCard).join(QuestionRow).where(
        ReviewCard.learner_id == learner_id, ReviewCard.course_id == course_id,
        ReviewCard.due <= as_utc(now), QuestionRow.retired.is_(False))


def due_questions(session: Session, learner_id: int, course_id: int, now: datetime,
                  limit: int = 10) -> list[QuestionRow]:
    """Due questions, the most overdue first."""
    cards = session.scalars(_due(learner_id, course_id, now).order_by(ReviewCard.due)
                            .limit(limit)).all()
    return [q for c in cards if (q := session.get(QuestionRow, c.question_id)) is not None]


def due_count(session: Session, learner_id: int, course_id: int, now: datetime) -> int:
    subquery = _due(learner_id, course_id, now).subquery()
    return session.scalar(select(func.count()).select_from(subquery)) or 0


def next_due(session: Session, learner_id: int, course_id: int) -> datetime | None:
    moment = session.scalar(select(func.min(ReviewCard.due)).where(
        ReviewCard.learner_id == learner_id, ReviewCard.course_id == course_id))
    return as_utc(moment) if moment is not None else None
