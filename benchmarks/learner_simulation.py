"""Part 3 of the learner-model benchmark: adaptive selection against a fixed order, simulated.

The simulator's rules (the hidden truth the tutor never sees):
- The course is a bundled course's questions, lessons in order. A question's true
  difficulty is its authored difficulty on a logit scale plus noise (authors rate roughly):
  b = 0.8 * (difficulty - 2) + N(0, 0.5).
- A learner has a hidden ability per skill, starting at N(-0.5, 0.7). They answer right with
  probability sigmoid(mean ability over the question's skills - b).
- Learning: every answer, right or wrong (the explanation is shown), raises the abilities of
  the question's skills by RATE * 4p(1 - p): practice teaches most where success is
  uncertain and little on questions far too easy or far too hard.
- Forgetting: one study session of SESSION questions a day; overnight every ability loses
  FORGET of what it gained over its start.
- True mastery is reached when, on every skill, the learner would answer a question of the
  skill's average true difficulty right with probability >= MASTERY.

The two tutors:
- fixed: the course's questions in curriculum order, round and round.
- adaptive: tutorbot's selection (`tutor.learner.adaptive.choose`): candidates are the
  questions of the lessons reached so far not yet answered right plus the ones fsrs says
  are due; a new lesson is reached when every question of the ones before has been met.
  Twice: with the defaults a new course starts from (ASSIST-fitted weights, the authored
  difficulty as item prior), and with the model `tutorbot model fit` makes from the log of
  an earlier cohort of COHORT learners who followed the fixed order.

The rates were set so that fixed-order learners reach mastery at all within LIMIT, before
any adaptive run; the benchmark's seed differs from the seeds used while building it.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fsrs import Card, Scheduler

from content import bundled_course_paths, load_course
from tutor.learner.adaptive import Standing, aim, choose
from tutor.learner.items import AnswerRow, calibrate_items
from tutor.learner.mastery import DEFAULT, KnowledgeModel, Trace
from tutor.learner.reviews import rating_for

__all__ = ["Outcome", "simulate"]

RATE = 0.3
FORGET = 0.02
SESSION = 10
MASTERY = 0.8
TARGET = 0.8  # the course's target success
LIMIT = 2000  # questions; a learner not there by then counts as this many
COHORT = 60


@dataclass(frozen=True)
class Item:
    """The part of a question the selector reads, and the simulator's hidden difficulty."""

    id: int
    key: str
    lesson: int
    skills: list[str]
    difficulty: int
    true_difficulty: float


@dataclass
class Learner:
    start: dict[str, float]
    ability: dict[str, float] = field(default_factory=dict)

    def p(self, item: Item) -> float:
        z = sum(self.ability[s] for s in item.skills) / len(item.skills) - item.true_difficulty
        return 1 / (1 + math.exp(-z))

    def answer(self, item: Item, rng: random.Random) -> bool:
        p = self.p(item)
        for skill in item.skills:
            self.ability[skill] += RATE * 4 * p * (1 - p)
        return rng.random() < p

    def sleep(self) -> None:
        for skill, value in self.ability.items():
            self.ability[skill] = value - FORGET * (value - self.start[skill])

    def mastered(self, reference: dict[str, float]) -> bool:
        return all(1 / (1 + math.exp(-(self.ability[s] - b))) >= MASTERY
                   for s, b in reference.items())


def course_items(rng: random.Random) -> list[Item]:
    course = load_course(bundled_course_paths()[0]).unwrap()
    items: list[Item] = []
    for lesson_number, lesson in enumerate(course.lessons):
        for question in lesson.questions:
            items.append(Item(len(items), question.id, lesson_number, list(question.skills),
                              question.difficulty,
                              0.8 * (question.difficulty - 2) + rng.gauss(0, 0.5)))
    return items


class Adaptive:
    def __init__(self, items: list[Item], model: KnowledgeModel) -> None:
        self.items, self.model = items, model
        self.traces: dict[str, Trace] = {}
        self.overall = Trace()
        self.right: set[int] = set()
        self.met: set[int] = set()
        self.cards: dict[int, Card] = {}
        self.scheduler = Scheduler(enable_fuzzing=False)

    def next(self, now: datetime, asked_today: set[int]) -> Item:
        reached = 0
        while reached + 1 < max(i.lesson for i in self.items) + 1 and all(
                i.id in self.met for i in self.items if i.lesson <= reached):
            reached += 1
        due = {q for q, card in self.cards.items() if card.due <= now}
        candidates = [i for i in self.items if i.lesson <= reached and i.id not in asked_today
                      and (i.id not in self.right or i.id in due)]
        if not candidates:
            candidates = [i for i in self.items if i.lesson <= reached
                          and i.id not in asked_today] or self.items
        where = Standing(self.traces, self.overall, 0)
        return choose(self.model, where, candidates, aim(TARGET, 0))

    def record(self, item: Item, correct: bool, now: datetime) -> None:
        for skill in item.skills:
            self.traces[skill] = self.model.after(self.traces.get(skill, Trace()), correct)
        self.overall = self.model.after(self.overall, correct)
        self.met.add(item.id)
        if correct:
            self.right.add(item.id)
        card = self.cards.get(item.id, Card(due=now))
        self.cards[item.id], _ = self.scheduler.review_card(card, rating_for(correct, 0, 20_000),
                                                            now)


class Fixed:
    def __init__(self, items: list[Item], log: list[AnswerRow] | None = None,
                 who: str = "") -> None:
        self.items, self.position = items, 0
        self.log, self.who = log, who

    def next(self, now: datetime, asked_today: set[int]) -> Item:
        item = self.items[self.position % len(self.items)]
        self.position += 1
        return item

    def record(self, item: Item, correct: bool, now: datetime) -> None:
        if self.log is not None:
            self.log.append(AnswerRow(self.who, tuple(item.skills), item.key, item.difficulty,
                                      correct))


def run(policy: Adaptive | Fixed, learner: Learner, reference: dict[str, float],
        rng: random.Random) -> tuple[int, float]:
    """Questions until true mastery, and the share right along the way."""
    now = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    right = asked = 0
    while asked < LIMIT and not learner.mastered(reference):
        today: set[int] = set()
        for _ in range(SESSION):
            item = policy.next(now, today)
            correct = learner.answer(item, rng)
            policy.record(item, correct, now)
            today.add(item.id)
            right += correct
            asked += 1
            now += timedelta(seconds=40)
        learner.sleep()
        now += timedelta(days=1) - timedelta(seconds=40 * SESSION)
    return asked, right / max(asked, 1)


@dataclass(frozen=True)
class Outcome:
    median: float  # questions until true mastery
    mean: float  # the same, LIMIT for a learner who never got there
    mastered: float  # the share of learners who got there within LIMIT
    right: float  # the share of answers right along the way


def simulate(learners: int = 100, seed: int = 2026) -> dict[str, Outcome]:
    rng = random.Random(seed)
    items = course_items(rng)
    skills = sorted({s for i in items for s in i.skills})
    reference = {s: statistics.fmean(i.true_difficulty for i in items if s in i.skills)
                 for s in skills}

    def new_learner() -> Learner:
        start = {s: rng.gauss(-0.5, 0.7) for s in skills}
        return Learner(start, dict(start))

    log: list[AnswerRow] = []
    for n in range(COHORT):
        run(Fixed(items, log, f"cohort{n}"), new_learner(), reference, random.Random(n))
    fitted = calibrate_items(KnowledgeModel.fit(
        [(a.learner, skill, a.correct) for a in log for skill in a.skills]), log)
    policies: dict[str, Callable[[], Adaptive | Fixed]] = {
        "fixed curriculum order": lambda: Fixed(items),
        "adaptive, new-course defaults": lambda: Adaptive(items, DEFAULT),
        f"adaptive, fitted on {len(log):,} cohort answers": lambda: Adaptive(items, fitted)}
    results: dict[str, list[tuple[int, float]]] = {name: [] for name in policies}
    for n in range(learners):
        learner = new_learner()
        for name, make in policies.items():
            twin = Learner(learner.start, dict(learner.start))
            results[name].append(run(make(), twin, reference, random.Random(seed * 1000 + n)))
    return {name: Outcome(statistics.median(q for q, _ in rows),
                          statistics.fmean(q for q, _ in rows),
                          sum(q < LIMIT for q, _ in rows) / len(rows),
                          statistics.fmean(s for _, s in rows))
            for name, rows in results.items()}
