"""Adaptive practice: where a learner stands, which question comes next, and their level.

The next question practises the learner's weakest skill among the candidates, and of that
skill's questions the one whose predicted success is closest to the learner's aim: the
course's target (0.8 unless the course says otherwise), moved by the learner's own
easier/harder setting. Weakest skill first was chosen by simulation
(`benchmarks/learner_simulation.py`): aiming at the target alone drills the skills already
near it and starves a weak skill whose questions all look too hard, so learners took more
questions to master a course than with the fixed curriculum order.

A learner's level in a course is the highest authored difficulty at which the model expects
them to meet the target; it goes down again only when success at their level falls a margin
below the target, so one slip does not flip it back and forth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.learner.mastery import KnowledgeModel, Trace, sigmoid
from tutor.storage.models import Attempt, QuestionRow

__all__ = [
    "CHALLENGE_SHIFT",
    "LEVELS",
    "LEVEL_MARGIN",
    "Logits",
    "Standing",
    "aim",
    "answers_by_learner",
    "choose",
    "level",
    "standing",
    "standings",
    "success",
]

class Gradable(Protocol):
    """What selection reads of a question."""

    @property
    def skills(self) -> list[str]: ...
    @property
    def key(self) -> str: ...
    @property
    def difficulty(self) -> int: ...


@dataclass(frozen=True)
class Item:
    """Just what selection reads of a question, without loading the whole row."""

    skills: list[str]
    key: str
    difficulty: int


Q = TypeVar("Q", bound=Gradable)
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


def answers_by_learner(session: Session, course_id: int, learner_id: int | None = None
                       ) -> dict[int, list[tuple[list[str], bool]]]:
    """Each learner's answers in a course (skills, right), in the order given."""
    query = (select(Attempt.learner_id, QuestionRow.skills, Attempt.correct)
             .join(QuestionRow, Attempt.question_id == QuestionRow.id)
             .where(Attempt.course_id == course_id)
             .order_by(Attempt.learner_id, Attempt.answered_at, Attempt.id))
    if learner_id is not None:
        query = query.where(Attempt.learner_id == learner_id)
    found: dict[int, list[tuple[list[str], bool]]] = {}
    for learner, skills, correct in session.execute(query):
        found.setdefault(learner, []).append((skills, correct))
    return found


def standing(session: Session, learner_id: int, course_id: int, model: KnowledgeModel
             ) -> Standing:
    mine = answers_by_learner(session, course_id, learner_id).get(learner_id, [])
    return Standing.replay(model, mine)


def standings(session: Session, course_id: int, model: KnowledgeModel
              ) -> dict[int, Standing]:
    """Every learner's standing in a course, read in one query (a class page's worth)."""
    return {learner: Standing.replay(model, rows)
            for learner, rows in answers_by_learner(session, course_id).items()}


class Logits(dict[str, float]):
    """Each skill's log-odds for one learner, worked out when first asked: a course's
    questions share a few skills, and level and choose weigh every question."""

    def __init__(self, model: KnowledgeModel, where: Standing) -> None:
        super().__init__()
        self.model, self.where = model, where

    def __missing__(self, skill: str) -> float:
        value = self[skill] = self.model.logit(skill, self.where.traces.get(skill, Trace()),
                                               self.where.overall)
        return value


def success(logits: Logits, question: Gradable) -> float:
    return logits.model.question_probability(question.skills, question.key,
                                             question.difficulty, logits)


def aim(target: float, challenge: int) -> float:
    return min(0.95, max(0.55, target + CHALLENGE_SHIFT.get(challenge, 0.0)))


def choose(model: KnowledgeModel, where: Standing, candidates: Sequence[Q], goal: float) -> Q:
    """Weakest skill first, nearest the aim within it; on a tie, the earliest in the list."""
    logits = Logits(model, where)
    need = [min(sigmoid(logits[s]) for s in q.skills or ("",)) for q in candidates]
    weakest = min(need)
    practise = [q for q, n in zip(candidates, need, strict=True) if n <= weakest + 1e-9]
    return min(practise, key=lambda q: abs(success(logits, q) - goal))


def level(model: KnowledgeModel, where: Standing, questions: Sequence[Gradable],
          target: float, current: int) -> int:
    """The learner's level after their latest answer, from the course's questions."""
    expected: dict[int, list[float]] = {}
    logits = Logits(model, where)
    for question in questions:
        expected.setdefault(question.difficulty, []).append(success(logits, question))
    mean = {d: sum(ps) / len(ps) for d, ps in expected.items()}
    reached = max((d for d, p in mean.items() if p >= target), default=min(LEVELS))
    if reached > current:
        return reached
    if mean.get(current, target) < target - LEVEL_MARGIN:
        return max((d for d, p in mean.items() if d < current and p >= target - LEVEL_MARGIN),
                   default=min(LEVELS))
    return current
