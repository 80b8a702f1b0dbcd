"""Typical learner groups: k-means on activity, named from their centres, deterministic
for a seed, shown to teachers, and an audience a campaign can reach."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from nudges.audience import recipients
from nudges.campaign import Audience
from nudges.desk import Desk
from tests.conftest import Chat
from tests.test_nudges import _learners
from tutor import Database, Tutor
from tutor.learner.clusters import learner_groups
from tutor.storage.models import Attempt, CourseRow, QuestionRow

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
SHAPES: dict[str, Callable[[random.Random], list[int]]] = {  # days ago each was active
    "steady": lambda rng: [d for d in range(30) if rng.random() < 0.8],
    "gone quiet": lambda rng: [d for d in range(18, 30) if rng.random() < 0.7],
    "newcomers": lambda rng: [d for d in range(3) if rng.random() < 0.9] or [0],
}


def _class(seed: int = 1, each: int = 8) -> dict[int, tuple[str, list[int]]]:
    rng = random.Random(seed)
    learners: dict[int, tuple[str, list[int]]] = {}
    for shape, days in SHAPES.items():
        for _ in range(each):
            ago = set(days(rng))
            learners[len(learners)] = (shape, [rng.randint(1, 6) if 29 - d in ago else 0
                                               for d in range(30)])
    return learners


def test_groups_are_named_for_what_their_members_do() -> None:
    learners = _class()
    groups = learner_groups({i: daily for i, (_, daily) in learners.items()}, {})
    assert {g.name for g in groups} == set(SHAPES)
    for group in groups:
        shapes = [learners[i][0] for i in group.members]
        assert shapes.count(group.name) >= 0.8 * len(shapes), (group.name, shapes)


def test_the_same_class_and_seed_give_the_same_groups() -> None:
    learners = {i: daily for i, (_, daily) in _class(seed=5).items()}
    shuffled = dict(random.Random(2).sample(sorted(learners.items()), len(learners)))
    assert learner_groups(learners, {}, seed=3) == learner_groups(shuffled, {}, seed=3)
    assert learner_groups(dict(list(learners.items())[:7]), {}) == []  # too few to group


def test_teachers_see_the_groups_and_a_campaign_reaches_one(bundled_db: Database) -> None:
    learners = _class(each=4)
    ids = _learners(bundled_db, ["UTC"] * len(learners))
    with bundled_db.session() as session:
        course = session.scalars(select(CourseRow).where(
            CourseRow.slug == "python-basics")).one()
        question = session.scalars(select(QuestionRow).where(
            QuestionRow.course_id == course.id)).first()
        assert question is not None
        for who, (_, daily) in zip(ids, learners.values(), strict=True):
            for day, steps in enumerate(daily):
                session.add_all(Attempt(
                    learner_id=who, question_id=question.id, course_id=course.id,
                    response="x", correct=True, score=1.0, hints_used=0, context="quiz",
                    answered_at=NOW - timedelta(days=29 - day, minutes=step))
                    for step in range(steps))
        session.commit()
        gone = recipients(session, course, Audience(kind="cluster", cluster="gone quiet"), NOW)
    shapes = {who: shape for who, (shape, _) in zip(ids, learners.values(), strict=True)}
    assert sorted(shapes[r.learner_id] for r in gone) == ["gone quiet"] * 4
    chat = Chat(Tutor(bundled_db, desk=Desk(), teachers=["test:t1"], clock=lambda: NOW),
                user="t1")
    chat.say("/report python-basics")
    assert "Learner groups" in chat.text() and "- gone quiet: 4, risk" in chat.text()
    with pytest.raises(ValidationError, match="needs 'cluster'"):
        Audience(kind="cluster")
