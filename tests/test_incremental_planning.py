"""The planner plans only what came due since its last run, in each learner's local time."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from benchmarks.baseline_planner import plan as baseline_plan
from nudges import planner
from nudges.planner import PAGE, plan
from tests.bulk import enroll_many
from tests.conftest import sent_statements
from tests.test_nudges import BERLIN, _campaign, _learners
from tutor import Database
from tutor.storage.models import (
    Attempt,
    CourseRow,
    Learner,
    Nudge,
    PlanMark,
    QuestionRow,
    ReviewCard,
)

LONDON = "Europe/London"
EVENING = datetime(2026, 6, 1, 16, 5, tzinfo=UTC)  # 18:05 in Berlin, 17:05 in London


def _planned(db: Database, now: datetime, rule: str = "campaign") -> list[tuple[int, str]]:
    """Plan at `now`; every pending nudge of the rule ("campaign": the campaign's) so far."""
    with db.session() as session:
        plan(session, now, cap=3, rng=random.Random(1))
        session.commit()
        return [(n.learner_id, n.rule) for n in session.scalars(
            select(Nudge).where(Nudge.status == "pending", Nudge.rule == rule)
            .order_by(Nudge.id))]


def _statements(db: Database, now: datetime, planner: Callable[..., object] = plan
                ) -> list[str]:
    """The statements one planner run sends to the database."""
    with sent_statements(db) as sent, db.session() as session:
        planner(session, now, cap=3, rng=random.Random(1))
        session.commit()
    return [statement for statement, _ in sent]


HISTORY = ("attempts", "review_cards", "lesson_completions", "FROM nudges")


def test_a_run_with_nothing_newly_due_reads_no_learners_history(bundled_db: Database
                                                                 ) -> None:
    _learners(bundled_db, [BERLIN] * 3)
    _campaign(bundled_db)
    _planned(bundled_db, EVENING)
    few = _statements(bundled_db, EVENING + timedelta(minutes=1))
    with bundled_db.session() as session:
        course = session.scalars(select(CourseRow).where(
            CourseRow.slug == "python-basics")).one()
        enroll_many(session, range(100, 160), course.id, platform="telegram",
                    user_id=lambda i: str(9000 + i),
                    timezone=lambda i: BERLIN if i % 2 else LONDON)
        session.commit()
    many = _statements(bundled_db, EVENING + timedelta(minutes=2))
    # The marks, the campaigns, the courses and each course's time zones: nothing per
    # learner, however many there are, and no learner's history or the outbox.
    assert len(few) == len(many)
    assert not [s for s in many if any(table in s for table in HISTORY)]
    # The planner before the marks read them all on every run.
    before = _statements(bundled_db, EVENING + timedelta(minutes=3), baseline_plan)
    assert [s for s in before if any(table in s for table in HISTORY)]


def test_each_zone_is_planned_when_its_hour_comes_and_once(bundled_db: Database) -> None:
    berlin, london = _learners(bundled_db, [BERLIN, LONDON])
    _campaign(bundled_db)
    assert _planned(bundled_db, EVENING) == [(berlin, "campaign")]
    assert _planned(bundled_db, EVENING + timedelta(minutes=30)) == [(berlin, "campaign")]
    later = _planned(bundled_db, EVENING + timedelta(minutes=56))  # 18:01 in London
    assert later == [(berlin, "campaign"), (london, "campaign")]
    assert _planned(bundled_db, EVENING + timedelta(minutes=57)) == later


def test_after_downtime_a_missed_occurrence_goes_late_once_or_not_at_all(
        bundled_db: Database) -> None:
    berlin, london = _learners(bundled_db, [BERLIN, LONDON])
    _campaign(bundled_db)
    morning = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert _planned(bundled_db, morning) == []
    # Down from 08:00 to 21:30 UTC: Berlin's 18:00 is 5.5 hours old (sent late), London's
    # 4.5 hours; both once.
    late = _planned(bundled_db, datetime(2026, 6, 1, 21, 30, tzinfo=UTC))
    assert sorted(late) == sorted([(berlin, "campaign"), (london, "campaign")])
    # Down for a whole day: yesterday's 18:00 is too old to send (the misfire rule).
    assert _planned(bundled_db, datetime(2026, 6, 3, 1, 0, tzinfo=UTC)) == late


def test_an_outbox_planned_before_the_marks_is_not_planned_again(bundled_db: Database
                                                                  ) -> None:
    """An upgrade: the outbox has the nudges, the marks table is new and empty."""
    (berlin,) = _learners(bundled_db, [BERLIN])
    _campaign(bundled_db)
    first = _planned(bundled_db, EVENING)
    with bundled_db.session() as session:
        session.execute(delete(PlanMark))
        session.commit()
    assert _planned(bundled_db, EVENING + timedelta(minutes=10)) == first == \
        [(berlin, "campaign")]


def test_automatic_reminders_come_at_each_learners_own_study_hour(bundled_db: Database
                                                                  ) -> None:
    early, default = _learners(bundled_db, [BERLIN, BERLIN])
    with bundled_db.session() as session:
        session.get_one(Learner, early).preferences = {"study_hour": 7}
        question = session.scalars(select(QuestionRow).join(CourseRow).where(
            CourseRow.slug == "python-basics")).first()
        assert question is not None
        for who in (early, default):  # a review due for both
            session.add(ReviewCard(learner_id=who, question_id=question.id,
                                   course_id=question.course_id,
                                   due=datetime(2026, 6, 1, tzinfo=UTC), card={}, reviews=1))
        session.commit()
    seven = datetime(2026, 6, 2, 5, 1, tzinfo=UTC)  # 07:01 in Berlin
    assert _planned(bundled_db, seven, "review") == [(early, "review")]
    assert _planned(bundled_db, seven + timedelta(minutes=1), "review") == [(early, "review")]
    eighteen = datetime(2026, 6, 2, 16, 1, tzinfo=UTC)
    assert _planned(bundled_db, eighteen, "review") == [(early, "review"), (default, "review")]


@pytest.mark.parametrize("page", [PAGE, 2])
def test_it_plans_what_the_planner_before_it_planned(bundled_db: Database, page: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Both planners' first run over the same class: the same nudges, word for word, when
    the learners are read all at once or two at a time."""
    monkeypatch.setattr(planner, "PAGE", page)
    ids = _learners(bundled_db, [BERLIN, LONDON, "Asia/Tokyo", BERLIN, LONDON, BERLIN])
    with bundled_db.session() as session:
        session.get_one(Learner, ids[3]).preferences = {"reminders": False}
        session.get_one(Learner, ids[4]).preferences = {"study_hour": 17}
        question = session.scalars(select(QuestionRow).join(CourseRow).where(
            CourseRow.slug == "python-basics")).first()
        assert question is not None
        for who in ids[:3]:
            session.add(ReviewCard(learner_id=who, question_id=question.id,
                                   course_id=question.course_id,
                                   due=datetime(2026, 6, 1, tzinfo=UTC), card={}, reviews=1))
        session.commit()
    _campaign(bundled_db)

    def outbox(planner: Callable[..., object]) -> set[tuple[str, str, str, str]]:
        with bundled_db.session() as session:
            planner(session, EVENING, cap=3, rng=random.Random(1))
            session.flush()
            found = {(n.key, n.status, n.text, n.action) if n.rule != "atrisk"
                     else (n.key, "", "", "")  # its control share is drawn at random
                     for n in session.scalars(select(Nudge))}
            session.rollback()
            return found

    today, before = outbox(plan), outbox(baseline_plan)
    assert today == before
    # Berlin's campaign and review nudges, and the at-risk ones at 18:00 Berlin and at the
    # London learner's study hour (17:00 there): none for the paused learner, none yet for
    # London's 18:00 or Tokyo.
    assert len(today) == 6 and {key.split(":")[0] for key, *_ in today} == {"c1", "auto"}


def test_the_benchmarks_day_of_runs_on_a_small_class() -> None:
    """`python -m benchmarks.nudges` on 40 learners: half planned at 18:05 Berlin, nothing a
    minute later, the other half at 18:01 London, the same outbox for both planners."""
    from benchmarks.learner_cost import sqlite_file
    from benchmarks.nudges import ticks

    today, before = ticks(sqlite_file, 40, plan), ticks(sqlite_file, 40, baseline_plan)
    assert [rows for _, _, rows in today] == [rows for _, _, rows in before] == [40, 40, 80, 80]


def test_after_inactivity_and_one_off_campaigns_are_planned_at_their_hour(
        bundled_db: Database) -> None:
    quiet, active = _learners(bundled_db, [BERLIN, BERLIN])
    with bundled_db.session() as session:
        question = session.scalars(select(QuestionRow).join(CourseRow).where(
            CourseRow.slug == "python-basics")).first()
        assert question is not None
        # Both answered on Monday 22:00 Berlin; the active learner again on Wednesday.
        for who, when in ((quiet, datetime(2026, 6, 1, 20, 0, tzinfo=UTC)),
                          (active, datetime(2026, 6, 1, 20, 0, tzinfo=UTC)),
                          (active, datetime(2026, 6, 3, 8, 0, tzinfo=UTC))):
            session.add(Attempt(learner_id=who, question_id=question.id,
                                course_id=question.course_id, response="x", correct=True,
                                score=1.0, hints_used=0, context="quiz", answered_at=when))
        session.commit()
    _campaign(bundled_db, name="Come back",
              schedule={"kind": "after_inactivity", "days": 3, "hour": 9})
    _campaign(bundled_db, name="Exam", schedule={"kind": "once", "at": "2026-06-04 12:00"})
    thursday_nine = datetime(2026, 6, 4, 7, 1, tzinfo=UTC)  # 09:01 in Berlin
    assert _planned(bundled_db, thursday_nine - timedelta(hours=1)) == []
    assert _planned(bundled_db, thursday_nine) == [(quiet, "campaign")]  # 3 days quiet
    noon = datetime(2026, 6, 4, 10, 1, tzinfo=UTC)  # 12:01 in Berlin: the one-off
    assert sorted(_planned(bundled_db, noon)) == sorted(
        [(quiet, "campaign"), (quiet, "campaign"), (active, "campaign")])
    assert len(_planned(bundled_db, noon + timedelta(minutes=1))) == 3


def test_variant_records_are_kept_between_runs_and_equal_a_full_recount(
        bundled_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three days of a two-variant campaign: the kept record after each day is the one the
    planner before counted from the whole history, and each day reads only its own nudges."""
    from benchmarks.baseline_planner import arms_recounted
    from nudges.arms import arms_so_far
    from nudges.outcomes import outcomes
    from tutor.storage.models import Campaign, LessonRow

    ids = _learners(bundled_db, [BERLIN] * 12)
    campaign_id = _campaign(bundled_db, variants=[{"text": "A {name}"}, {"text": "B {name}"}])
    start = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)
    rng = random.Random(7)
    with bundled_db.session() as session:
        course = session.get(Campaign, campaign_id)
        assert course is not None
        question = session.scalars(select(QuestionRow).join(LessonRow).where(
            LessonRow.course_id == course.course_id)).first()
        assert question is not None
        for day in range(3):
            for n, learner in enumerate(ids):
                sent = start + timedelta(days=day, minutes=n)
                status = "sent" if n % 5 else "failed"  # a failed one never counts
                session.add(Nudge(key=f"t:{day}:{learner}", campaign_id=campaign_id,
                                  learner_id=learner, platform="telegram", user_id=str(n),
                                  variant=n % 2, text="x", action="", due_at=sent,
                                  status=status, sent_at=sent))
                if rng.random() < 0.5:  # came back within the day, or a day and more later
                    later = sent + timedelta(hours=rng.choice([2, 30]))
                    session.add(Attempt(learner_id=learner, question_id=question.id,
                                        course_id=course.course_id, answered_at=later,
                                        response="1", correct=True, score=1.0,
                                        hints_used=0, context="quiz"))
        session.commit()

    read: list[int] = []
    def spy(session: object, course_id: int, nudges: list[Nudge]) -> object:
        read.append(len(nudges))
        return outcomes(session, course_id, nudges)  # type: ignore[arg-type]

    monkeypatch.setattr("nudges.arms.outcomes", spy)
    for day in range(1, 5):
        now = start + timedelta(days=day, hours=1)
        with bundled_db.session() as session:
            campaign = session.get(Campaign, campaign_id)
            assert campaign is not None
            kept = arms_so_far(session, campaign, 2, now)
            session.commit()
            assert kept == arms_recounted(session, campaign, 2, now), day
    assert read == [9, 9, 9, 0]  # each day's sent nudges once, as its day ended
    assert sum(a.trials for a in kept) == 27 and sum(a.successes for a in kept) > 0
