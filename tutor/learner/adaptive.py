"""Adaptive practice: where a learner stands, which question comes next, and their level.

The next question is the candidate whose predicted success is closest to the learner's aim:
the course's target (0.8 unless the course says otherwise), moved by the learner's own
easier/harder setting. A learner's level in a course is the highest authored difficulty at
which the model expects them to meet the target; it goes down again only when success at
their level falls a margin below the target, so one slip does not flip it back and forth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.learner.mastery import KnowledgeModel, Trace
from tutor.storage.models import Attempt, QuestionRow

__all__ = [
    "CHALLENGE_SHIFT",
    "LEVELS",
    "LEVEL_MARGIN",
    "Standing",
    "aim",
    "choose",
    "level",
    "standing",
    "success",
]

LEVELS = range(1, 6)  # the authored difficulties
LEVEL_MARGIN = 0.1
# Easier aims for more right answers, harder for fewer; kept inside (0.55, 0.95), where a
# question still tells the model something and a learner still gets most of them right.
CHALLENGE_SHIFT = {-1: 0.1, 0: 0.0, 1: -0.15}


@dataclass(frozen=True)
class Standing:
    """A learner's answers in a course, as the model's traces per skill and overall."""

    traces: dict[str, Trace]
    overall: Trace
    answers: int

    @classmethod
    def replay(cls, model: KnowledgeModel, answers: Iterable[tuple[Sequence[str], bool]]
               ) -> Standing:
        traces: dict[str, Trace] = {}
        overall, count = Trace(), 0
        for skills, correct in answers:
            for skill in skills:
                traces[skill] = model.after(traces.get(skill, Trace()), correct)
            overall = model.after(overall, correct)
            count += 1
        return cls(traces, overall, count)

    def mastery(self, model: KnowledgeModel) -> dict[str, float]:
        """P(right) per practised skill, on a question of the skill's average difficulty."""
        return {s: model.probability(s, t, self.overall) for s, t in self.traces.items()}


def standing(session: Session, learner_id: int, course_id: int, model: KnowledgeModel
             ) -> Standing:
    rows = session.execute(
        select(QuestionRow.skills, Attempt.correct)
        .join(QuestionRow, Attempt.question_id == QuestionRow.id)
        .where(Attempt.learner_id == learner_id, Attempt.course_id == course_id)
        .order_by(Attempt.answered_at, Attempt.id))
    return Standing.replay(model, ((skills, correct) for skills, correct in rows))


def success(model: KnowledgeModel, where: Standing, question: QuestionRow) -> float:
    return model.question_probability(question.skills, question.key, question.difficulty,
                                      where.traces, where.overall)


def aim(target: float, challenge: int) -> float:
    return min(0.95, max(0.55, target + CHALLENGE_SHIFT.get(challenge, 0.0)))


def choose(model: KnowledgeModel, where: Standing, candidates: Sequence[QuestionRow],
           goal: float) -> QuestionRow:
    """The candidate closest to the aim; on a tie, the earliest in the list."""
    return min(candidates, key=lambda q: abs(success(model, where, q) - goal))


def level(model: KnowledgeModel, where: Standing, questions: Sequence[QuestionRow],
          target: float, current: int) -> int:
    """The learner's level after their latest answer, from the course's questions."""
    expected: dict[int, list[float]] = {}
    for question in questions:
        expected.setdefault(question.difficulty, []).append(success(model, where, question))
    mean = {d: sum(ps) / len(ps) for d, ps in expected.items()}
    reached = max((d for d, p in mean.items() if p >= target), default=min(LEVELS))
    if reached > current:
        return reached
    if mean.get(current, target) < target - LEVEL_MARGIN:
        return max((d for d, p in mean.items() if d < current and p >= target - LEVEL_MARGIN),
                   default=min(LEVELS))
    return current
