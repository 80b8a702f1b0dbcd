"""The learner simulation (benchmarks/learner_simulation.py) runs, and its tutorbot follows
the bot's own rules, so the figures it prints are about the bot."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from benchmarks.learner_simulation import (
    LIMIT,
    POLICIES,
    REFERENCE,
    Tutorbot,
    course_items,
    simulate,
)
from content import bundled_course_paths, load_course

NOW = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)


def test_every_tutor_gets_a_few_learners_to_mastery() -> None:
    found = simulate(learners=4, seeds=(1,))
    assert set(found) == {*POLICIES, REFERENCE}
    for outcome in found.values():
        assert outcome.mastered == 1.0 and 0 < outcome.median < LIMIT
        assert 0.0 < outcome.retention <= 1.0
    # Seeing the hidden state is worth something; if not, the simulation is broken.
    assert found[REFERENCE].median < min(o.median for name, o in found.items()
                                         if name != REFERENCE)


def test_the_simulated_tutor_reviews_by_skill_as_the_bot_does() -> None:
    course = next(load_course(p).unwrap() for p in bundled_course_paths()
                  if p.name == "python-basics")
    items = course_items(course)
    tutor = Tutorbot(items, course, random.Random(0))
    tutor.placing = None  # past the placement check
    first, second = [i for i in items if i.skills == items[0].skills][:2]
    other = next(i for i in items if not set(i.skills) <= set(first.skills))
    for item in (first, second, other):
        tutor.record(item, True, NOW)
    later = NOW + timedelta(days=60)  # all three due
    assert all(tutor.cards[i.id].due <= later for i in (first, second, other))
    tutor.record(first, True, later)
    assert tutor.cards[second.id].due > later  # the same skills: reviewed with it
    assert tutor.cards[other.id].due <= later  # another skill: still due
