"""Which cards to rewrite: the cards learners marked confusing, with their comments, next to
the questions of the same lesson they miss most - each with its share right and its
discrimination (do learners strong on the rest of the course get it right more often than
weak ones? the point-biserial correlation of the first answer with the rest score)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from tutor.storage.database import Database
from tutor.storage.models import (
    Attempt,
    CardFeedback,
    CardRow,
    CourseRow,
    LessonRow,
    QuestionRow,
)

__all__ = ["MIN_LEARNERS", "CardVerdicts", "MissedQuestion", "content_feedback", "missed_questions"]

MIN_LEARNERS = 5  # learners needed before a question's discrimination means anything


@dataclass(frozen=True)
class MissedQuestion:
    key: str
    answered: int  # learners who answered it
    share_right: float  # of their first answers
    discrimination: float | None


@dataclass(frozen=True)
class CardVerdicts:
    lesson: str
    card: str  # "" for the lesson as a whole
    confusing: int
    clear: int
    comments: tuple[str, ...]  # newest first
    missed: tuple[MissedQuestion, ...]  # the lesson's questions, most missed first


def missed_questions(database: Database, course_id: int) -> dict[int, list[MissedQuestion]]:
    """Each lesson's questions with answers, most missed first."""
    with database.session() as session:
        keys = {q.id: (q.key, q.lesson_id) for q in session.scalars(
            select(QuestionRow).where(QuestionRow.course_id == course_id))}
        first: dict[tuple[int, int], bool] = {}
        for learner, question, correct in session.execute(
                select(Attempt.learner_id, Attempt.question_id, Attempt.correct)
                .where(Attempt.course_id == course_id).order_by(Attempt.answered_at)):
            first.setdefault((learner, question), bool(correct))
    by_learner: dict[int, dict[int, bool]] = defaultdict(dict)
    for (learner, question), correct in first.items():
        by_learner[learner][question] = correct
    totals = {learner: (sum(answers.values()), len(answers))
              for learner, answers in by_learner.items()}
    out: dict[int, list[MissedQuestion]] = defaultdict(list)
    for question, (key, lesson) in keys.items():
        firsts = [(answers[question], totals[learner]) for learner, answers
                  in by_learner.items() if question in answers]
        if not firsts:
            continue
        answered = len(firsts)
        share = sum(got for got, _ in firsts) / answered
        # The rest score: the learner's share right on every other question.
        paired = [(float(got), (hits - got) / (count - 1)) for got, (hits, count) in firsts
                  if count > 1]
        right, rest = [r for r, _ in paired], [r for _, r in paired]
        discrimination = None
        if len(right) >= MIN_LEARNERS and np.std(right) > 0 and np.std(rest) > 0:
            discrimination = float(np.corrcoef(right, rest)[0, 1])
        out[lesson].append(MissedQuestion(key, answered, share, discrimination))
    for found in out.values():
        found.sort(key=lambda m: (m.share_right, -m.answered))
    return out


def content_feedback(database: Database, course: str, most: int = 10
                     ) -> Sequence[CardVerdicts]:
    """The cards (and lessons) marked confusing most often, most first."""
    with database.session() as session:
        course_id = session.scalar(select(CourseRow.id).where(CourseRow.slug == course))
        if course_id is None:
            return []
        rows = session.execute(
            select(LessonRow.id, LessonRow.title, CardRow.title, CardFeedback.verdict,
                   CardFeedback.comment)
            .join(LessonRow, CardFeedback.lesson_id == LessonRow.id)
            .join(CardRow, CardFeedback.card_id == CardRow.id, isouter=True)
            .where(LessonRow.course_id == course_id)
            .order_by(CardFeedback.created_at.desc())).all()
    if not rows:
        return []
    counts: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    comments: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for lesson_id, lesson, card, verdict, comment in rows:
        key = (lesson_id, lesson, card or "")
        counts[key][verdict != "confusing"] += 1
        if comment:
            comments[key].append(comment)
    missed = missed_questions(database, course_id)
    found = [CardVerdicts(lesson, card, confusing, clear, tuple(comments[key][:3]),
                          tuple(missed.get(lesson_id, [])[:3]))
             for key, (confusing, clear) in counts.items() if confusing
             for lesson_id, lesson, card in [key]]
    return sorted(found, key=lambda v: (-v.confusing, v.clear, v.lesson, v.card))[:most]
