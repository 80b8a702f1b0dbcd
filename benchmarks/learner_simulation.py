"""Part 3 of the learner-model benchmark: tutorbot's selection against what a sensible teacher
would do, with simulated learners that do NOT follow the tutor's own model.

    python -m benchmarks.learner_model --only simulation

The simulated learner (the hidden truth; nothing of it is shared with the tutor's
logistic-per-skill model):
- Knowledge-tracing style: each skill is known or not. An answer is right with 1 - SLIP
  when every skill of the question is known, else by luck (1 / options for a choice, one
  in twenty for a typed answer).
- Learning, along prerequisites: after each answer (the explanation is shown), each
  unknown skill of the question becomes known with LEARN when every skill it builds on
  (`requires:` of the course) is known, and only with LEARN_WITHOUT otherwise.
- Transfer at the start: a learner knows each skill with START only if they know what it
  builds on (so some learners arrive knowing the basics, few the advanced parts).
- Forgetting: every night a known skill is lost with FORGET / (1 + times it was answered
  right): practice, spaced over days, makes it stick.
- One session of SESSION questions a day.

Outcomes: questions until every skill is known (capped at LIMIT), and, for those who got
there, the share of skills still known after 7 more simulated days without practice.

The tutors (each gets the course's questions, lessons in order, skills, kinds, authored
difficulty and prerequisites; none sees the truth):
- authored order, skipping what is answered right: the teacher's worksheet;
- least-practised skill first: the skill with fewest answers, its next question not yet
  answered right;
- random: any question not answered right lately;
- tutorbot, as the bot runs: the placement check it offers at the start (every simulated
  learner takes it; its questions count), then the learning path (tutor.learner.path: the
  next lesson whose prerequisites are learned, a refresher when a skill built on a weak one
  is a struggle, due reviews) picks what to practise, as a quiz of QUIZ questions on that
  lesson chosen by tutor.learner.adaptive.choose (weakest skill first, difficulty at the
  aim), with fsrs reviews of what falls due mixed in; a review step is /review (the most
  overdue first; a right answer also reviews the due cards on the skills it practised);
  with every lesson done and nothing due, the weakest skill, as /progress advises.

For scale, not as a baseline: a tutor that sees the hidden truth (REFERENCE) asks, each time,
a question with the most skills the learner does not know but is ready for. A tutor that
learns only from answers cannot see what it sees: the gap between it and the best baseline
is about the room a selection rule has.

SEEDS were fixed before the first run and are reported; nothing was tuned on them. Choices
about the tutor made with this simulator (how many due reviews come before new material,
reviews by skill) were tried on DEV_SEEDS, 40 learners a seed:

    python -m benchmarks.learner_model --only simulation --sim-seeds dev --sim-learners 40
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fsrs import Card, Scheduler

from content import Course, bundled_course_paths, load_course
from tutor.flows.review import REVIEW_LENGTH
from tutor.learner import path, placement
from tutor.learner.adaptive import Standing, aim, choose
from tutor.learner.mastery import DEFAULT, KnowledgeModel, Trace
from tutor.learner.reviews import covers, implicit, rating_for

__all__ = ["DEV_SEEDS", "LIMIT", "REFERENCE", "SEEDS", "TARGET", "Outcome", "simulate"]

SEEDS = (7, 19, 43)  # fixed before the first run
DEV_SEEDS = (101, 202, 303)  # for trying changes; the figures reported come from SEEDS
SLIP = 0.1
LEARN = 0.3
LEARN_WITHOUT = 0.05
START = 0.35
FORGET = 0.15
SESSION = 10
QUIZ = 5  # questions in a lesson quiz, as in the bot (tutor.flows.quizzes.QUIZ_LENGTH)
LIMIT = 1500
TARGET = 0.8  # the course's target success, which the tutor aims at
RETENTION_DAYS = 7


@dataclass(frozen=True)
class Item:
    id: int
    key: str
    lesson: int
    skills: list[str]
    difficulty: int
    guess: float


@dataclass
class Learner:
    requires: dict[str, tuple[str, ...]]
    known: set[str]
    right: dict[str, int] = field(default_factory=dict)

    def answer(self, item: Item, rng: random.Random) -> bool:
        knows = all(s in self.known for s in item.skills)
        correct = rng.random() < ((1 - SLIP) if knows else item.guess)
        for skill in item.skills:
            if correct:
                self.right[skill] = self.right.get(skill, 0) + 1
            if skill not in self.known:
                ready = all(n in self.known for n in self.requires.get(skill, ()))
                if rng.random() < (LEARN if ready else LEARN_WITHOUT):
                    self.known.add(skill)
        return correct

    def sleep(self, rng: random.Random) -> None:
        for skill in sorted(self.known):
            if rng.random() < FORGET / (1 + self.right.get(skill, 0)):
                self.known.discard(skill)


def course_items(course: Course) -> list[Item]:
    items: list[Item] = []
    for number, lesson in enumerate(course.lessons):
        for question in lesson.questions:
            items.append(Item(len(items), question.id, number, list(question.skills),
                              question.difficulty,
                              placement.guess_chance(question.kind, len(question.options))))
    return items


def new_learner(skills: list[str], requires: dict[str, tuple[str, ...]],
                rng: random.Random) -> Learner:
    known: set[str] = set()
    for skill in skills:  # in an order where what a skill builds on comes first
        if all(n in known for n in requires.get(skill, ())) and rng.random() < START:
            known.add(skill)
    return Learner(requires, known)


class Policy:
    def __init__(self, items: list[Item], course: Course, rng: random.Random) -> None:
        self.items, self.course, self.rng = items, course, rng
        self.answered: dict[int, int] = {}
        self.right: set[int] = set()
        self.per_skill: dict[str, int] = {}

    def next(self, now: datetime, today: set[int]) -> Item:
        raise NotImplementedError

    def record(self, item: Item, correct: bool, now: datetime) -> None:
        self.answered[item.id] = self.answered.get(item.id, 0) + 1
        for skill in item.skills:
            self.per_skill[skill] = self.per_skill.get(skill, 0) + 1
        if correct:
            self.right.add(item.id)
        else:
            self.right.discard(item.id)

    def _open(self, today: set[int]) -> list[Item]:
        found = [i for i in self.items if i.id not in self.right and i.id not in today]
        if not found:  # every question answered right: start over on what is not from today
            self.right.clear()
            found = [i for i in self.items if i.id not in today] or self.items
        return found


class Authored(Policy):
    def next(self, now: datetime, today: set[int]) -> Item:
        return self._open(today)[0]


class LeastPractised(Policy):
    def next(self, now: datetime, today: set[int]) -> Item:
        found = self._open(today)
        return min(found, key=lambda i: (min(self.per_skill.get(s, 0) for s in i.skills),
                                         i.id))


class Random(Policy):
    def next(self, now: datetime, today: set[int]) -> Item:
        return self.rng.choice(self._open(today))


class SeesTheTruth(Policy):
    """The reference: reads the learner's hidden state, which no real tutor can."""

    def __init__(self, items: list[Item], course: Course, rng: random.Random,
                 learner: Learner) -> None:
        super().__init__(items, course, rng)
        self.learner = learner

    def next(self, now: datetime, today: set[int]) -> Item:
        known, requires = self.learner.known, self.learner.requires

        def gain(item: Item) -> tuple[int, int, int]:
            unknown = [s for s in item.skills if s not in known]
            ready = sum(all(n in known for n in requires.get(s, ())) for s in unknown)
            return ready, len(unknown), -item.id

        return max((i for i in self.items if i.id not in today), key=gain,
                   default=self.items[0])


class Tutorbot(Policy):
    def __init__(self, items: list[Item], course: Course, rng: random.Random,
                 model: KnowledgeModel = DEFAULT) -> None:
        super().__init__(items, course, rng)
        self.model = model
        self.traces: dict[str, Trace] = {}
        self.overall = Trace()
        self.cards: dict[int, Card] = {}
        self.scheduler = Scheduler(enable_fuzzing=False)
        self.lessons = [path.LessonInfo(n, lesson.title, lesson.skills)
                        for n, lesson in enumerate(course.lessons)]
        self.done: set[int] = set()
        self.current: int | None = None  # the lesson last opened, as the bot's enrollment keeps
        self.quiz: tuple[int | None, int] | None = None  # (lesson or None: reviews, left)
        # The placement check the bot offers at the start (taken: every learner here).
        self.order = placement.skill_order([x.skills for x in self.lessons], course.requires)
        self.placing: list[placement.Answer] | None = []
        self.known: frozenset[str] = frozenset()

    def _progress(self, now: datetime) -> path.Progress:
        mastery = Standing(self.traces, self.overall, 0).mastery(self.model)
        due = sum(1 for card in self.cards.values() if card.due <= now)
        return path.Progress(lessons=self.lessons, requires=self.course.requires,
                             done=frozenset(self.done), known=self.known, mastery=mastery,
                             answers={s: int(t.correct + t.wrong)
                                      for s, t in self.traces.items()},
                             due=due, current=self.current, target=TARGET)

    def next(self, now: datetime, today: set[int]) -> Item:
        """As the bot runs: the path's step becomes a quiz of QUIZ questions on its lesson
        (new lesson or refresher; the lesson then counts as done) or a review session of
        what is due; with nothing left, practice on the weakest skill."""
        if self.placing is not None and (asked := self._place(today)) is not None:
            return asked
        due = {q for q, card in self.cards.items() if card.due <= now}
        where = Standing(self.traces, self.overall, 0)
        if self.quiz is None or self.quiz[1] <= 0:
            self._finish_quiz()
            step = path.next_step(self._progress(now))
            lesson = step.lesson.id if step.lesson is not None and \
                step.kind in ("lesson", "refresher", "resume") else None
            # A review session, as /review: the due questions at its start, at most
            # REVIEW_LENGTH (none askable today: a quiz's worth on the weakest skill).
            askable = sum(1 for q in due if q not in today)
            self.quiz = (lesson, QUIZ if lesson is not None or not askable
                         else min(REVIEW_LENGTH, askable))
            if lesson is not None:
                self.current = lesson
        lesson, left = self.quiz
        self.quiz = (lesson, left - 1)
        if lesson is None:
            return self._review(now, today, due)
        pool = [i for i in self.items if i.lesson == lesson and i.id not in today]
        fresh = [i for i in pool if i.id not in self.right]
        reviews = [i for i in self.items if i.id in due and i.id not in today
                   and i.lesson <= lesson]
        return choose(self.model, where, (fresh or pool or self._open(today)) + reviews,
                      aim(TARGET, 0))

    def _place(self, today: set[int]) -> Item | None:
        """The check's next question (tutor.learner.placement), or None once it is sure."""
        assert self.placing is not None
        belief = placement.posterior(len(self.order), self.placing)
        chosen = None if placement.settled(belief, len(self.placing)) else \
            placement.next_question(self.order, belief,
                                    (i for i in self.items if i.id not in today))
        if chosen is None:
            self.known = frozenset(placement.known(self.order, belief))
            self.placing = None
        return chosen

    def _finish_quiz(self) -> None:
        if self.quiz is not None and self.quiz[0] is not None:
            self.done.add(self.quiz[0])

    def _review(self, now: datetime, today: set[int], due: set[int]) -> Item:
        """As /review: the most overdue card first; with none due (every lesson done),
        what /progress lists to practise: the weakest skill's questions."""
        overdue = min((i for i in self.items if i.id in due and i.id not in today),
                      key=lambda i: (self.cards[i.id].due, i.id), default=None)
        if overdue is not None:
            return overdue
        candidates = [i for i in self.items if i.id not in today] or self.items
        return choose(self.model, Standing(self.traces, self.overall, 0), candidates,
                      aim(TARGET, 0))

    def record(self, item: Item, correct: bool, now: datetime) -> None:
        super().record(item, correct, now)
        if self.placing is not None:
            tested = placement.skill_of(item.skills, self.order)
            assert tested is not None  # asked because it tests a skill of the order
            self.placing.append(placement.Answer(tested, correct, item.guess))
        for skill in item.skills:
            self.traces[skill] = self.model.after(self.traces.get(skill, Trace()), correct)
        self.overall = self.model.after(self.overall, correct)
        rating = rating_for(correct, 0, 20_000)
        card = self.cards.get(item.id, Card(due=now))
        self.cards[item.id], _ = self.scheduler.review_card(card, rating, now)
        if correct:  # as tutor.learner.reviews.record_review: the due cards it covered
            for other in self.items:
                seen = self.cards.get(other.id)
                if other.id != item.id and seen is not None and seen.due <= now \
                        and covers(item.skills, other.skills):
                    self.cards[other.id], _ = self.scheduler.review_card(
                        seen, implicit(rating), now)


def run(policy: Policy, learner: Learner, skills: list[str], rng: random.Random
        ) -> tuple[int, float | None]:
    """Questions until every skill is known; the share still known RETENTION_DAYS later."""
    now = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    asked = 0
    while asked < LIMIT and len(learner.known) < len(skills):
        today: set[int] = set()
        for _ in range(SESSION):
            item = policy.next(now, today)
            policy.record(item, learner.answer(item, rng), now)
            today.add(item.id)
            asked += 1
            now += timedelta(seconds=40)
        learner.sleep(rng)
        now += timedelta(days=1) - timedelta(seconds=40 * SESSION)
    if len(learner.known) < len(skills):
        return LIMIT, None
    for _ in range(RETENTION_DAYS):
        learner.sleep(rng)
    return asked, len(learner.known) / len(skills)


@dataclass(frozen=True)
class Outcome:
    medians: tuple[float, ...]  # questions to mastery, median per seed
    retention: float  # share of skills known 7 days after mastery (those who got there)
    mastered: float  # share of learners who got there within LIMIT

    @property
    def median(self) -> float:
        return statistics.median(self.medians)


POLICIES: dict[str, Callable[[list[Item], Course, random.Random], Policy]] = {
    "authored order, skipping what is answered right": Authored,
    "least-practised skill first": LeastPractised,
    "random": Random,
    "tutorbot (learning path + adaptive questions)": Tutorbot,
}
REFERENCE = "for scale: a tutor that sees what the learner knows"


def simulate(learners: int = 100, seeds: tuple[int, ...] = SEEDS) -> dict[str, Outcome]:
    course = next(load_course(p).unwrap() for p in bundled_course_paths()
                  if p.name == "python-basics")
    items = course_items(course)
    skills = placement.skill_order([x.skills for x in course.lessons], course.requires)
    names = [*POLICIES, REFERENCE]
    medians: dict[str, list[float]] = {name: [] for name in names}
    kept: dict[str, list[float]] = {name: [] for name in names}
    reached: dict[str, list[bool]] = {name: [] for name in names}
    for seed in seeds:
        counts: dict[str, list[int]] = {name: [] for name in names}
        for n in range(learners):
            start = new_learner(skills, dict(course.requires), random.Random(seed * 10_000 + n))
            for name in names:
                twin = Learner(start.requires, set(start.known))
                rng = random.Random(seed * 10_000 + n + 1)  # the same luck for every tutor
                tutor = SeesTheTruth(items, course, random.Random(n), twin) \
                    if name == REFERENCE else POLICIES[name](items, course, random.Random(n))
                asked, retained = run(tutor, twin, skills, rng)
                counts[name].append(asked)
                reached[name].append(retained is not None)
                if retained is not None:
                    kept[name].append(retained)
        for name in names:
            medians[name].append(statistics.median(counts[name]))
    return {name: Outcome(tuple(medians[name]),
                          statistics.fmean(kept[name]) if kept[name] else 0.0,
                          sum(reached[name]) / len(reached[name])) for name in names}
