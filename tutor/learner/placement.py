"""The placement check: a few questions that find how far into a course a learner already is.

The course's skills stand in an order where each comes after what it builds on (authored
lesson order, prerequisites first). The check estimates the boundary `b`: the learner
knows the first `b` skills and not the rest. Each answer updates a posterior over `b`
(a right answer on a skill they do not know is a guess, a wrong one on a skill they know
is a slip); the next question is on the skill the posterior is least sure of (closest to
an even chance of being known: a binary search that tolerates slips and guesses), and the
check stops as soon as one boundary holds SURE of the belief, or after MAX_QUESTIONS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

__all__ = ["KNOWN", "MAX_QUESTIONS", "SURE", "Answer", "guess_chance", "known",
           "next_question", "posterior", "probe", "settled", "skill_of", "skill_order"]

MAX_QUESTIONS = 8
SURE = 0.8  # stop when one boundary holds this much of the belief
SLIP = 0.1  # a known skill answered wrong
# A skill counts as known when the check is this sure of it. Chosen by simulation (300
# learners per true boundary, 11 skills, four-option questions, 10% slips): at 0.8, 9-25%
# of learners were told they knew a skill they did not; at 0.9, 0-17% (5-6% for most).
KNOWN = 0.9


@dataclass(frozen=True)
class Answer:
    skill: int  # index into the skill order
    correct: bool
    guess: float  # the chance of a right answer by luck on that question


def guess_chance(kind: str, options: int) -> float:
    """How likely a right answer is without knowing: options to pick from, or typing."""
    if kind in ("single", "true_false") and options:
        return 1 / options
    if kind == "multiple" and options:
        return 1.0 / float(2 ** min(options, 6) - 1)  # any non-empty set of the options
    return 0.05  # a typed answer


def skill_order(lessons: Sequence[Sequence[str]], requires: Mapping[str, Sequence[str]]
                ) -> list[str]:
    """The skills in lesson order, each after the skills it builds on."""
    order: list[str] = []

    def place(skill: str, seen: frozenset[str]) -> None:
        if skill in order or skill in seen:  # a cycle is refused by the validator
            return
        for need in requires.get(skill, ()):
            place(need, seen | {skill})
        order.append(skill)

    for skills in lessons:
        for skill in skills:
            place(skill, frozenset())
    return order


def posterior(skills: int, answers: Sequence[Answer]) -> list[float]:
    """P(boundary = b) for b in 0..skills, from a uniform prior."""
    weights = []
    for b in range(skills + 1):
        weight = 1.0
        for answer in answers:
            knows = answer.skill < b
            right = (1 - SLIP) if knows else answer.guess
            weight *= right if answer.correct else 1 - right
        weights.append(weight)
    total = sum(weights)
    return [w / total for w in weights] if total else [1 / (skills + 1)] * (skills + 1)


def probe(belief: Sequence[float], available: Sequence[int]) -> int | None:
    """The skill (of those with questions left) whose being known is closest to 50/50."""
    if not available:
        return None
    return min(available, key=lambda i: (abs(sum(belief[i + 1:]) - 0.5), i))


class Checkable(Protocol):
    """What the check reads of a question."""

    @property
    def id(self) -> int: ...
    @property
    def skills(self) -> Sequence[str]: ...
    @property
    def difficulty(self) -> int: ...


C = TypeVar("C", bound=Checkable)


def skill_of(skills: Sequence[str], order: Sequence[str]) -> int | None:
    """The most advanced skill a question tests, as an index into the order."""
    found = [order.index(s) for s in skills if s in order]
    return max(found) if found else None


def next_question(order: Sequence[str], belief: Sequence[float], candidates: Iterable[C]
                  ) -> C | None:
    """A question on the skill the belief is least sure of: the plainest one (fewest
    skills, easiest), since the check asks whether the skill is known at all."""
    by_skill: dict[int, list[C]] = {}
    for question in candidates:
        skill = skill_of(question.skills, order)
        if skill is not None:
            by_skill.setdefault(skill, []).append(question)
    chosen = probe(belief, sorted(by_skill))
    if chosen is None:
        return None
    return min(by_skill[chosen], key=lambda q: (len(q.skills), q.difficulty, q.id))


def settled(belief: Sequence[float], asked: int) -> bool:
    return max(belief) >= SURE or asked >= MAX_QUESTIONS


def known(order: Sequence[str], belief: Sequence[float]) -> list[str]:
    """The skills known with at least KNOWN belief: a lesson is only marked skippable when
    the check is sure of it, however early it stopped."""
    return [skill for i, skill in enumerate(order) if sum(belief[i + 1:]) >= KNOWN]
