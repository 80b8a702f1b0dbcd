from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tutor import Database
from tutor.learner.dropout import course_risk, fit_risk, learner_risk, streak_broken
from tutor.learner.risk import RiskModel, Signals
from tutor.storage.models import Attempt, CourseRow, Enrollment, Learner, QuestionRow

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def test_a_streak_is_broken_when_a_run_of_days_ended_lately() -> None:
    assert streak_broken([0] * 25 + [1, 1, 1, 0, 0]) == 1.0
    assert streak_broken([0] * 25 + [1, 1, 1, 0, 1]) == 0.0  # a new streak today
    assert streak_broken([0] * 25 + [1, 1, 1, 1, 0]) == 0.0  # alive until today is over
    assert streak_broken([0] * 27 + [1, 0, 0]) == 0.0  # one day is not a streak
    assert streak_broken([1, 1] + [0] * 28) == 0.0  # ended long ago
    assert streak_broken([]) == 0.0


def test_the_prior_ignores_signals_it_was_not_fitted_with() -> None:
    prior = RiskModel.prior()
    days = [1] * 10 + [0] * 20
    assert prior.risk(days) == prior.risk(days, Signals(-0.5, 1.0, 3.0))


def _cohort(db: Database, learners: int, seed: int = 4) -> None:
    """Learners who keep coming, and learners who stop after a few days while their answers
    go from right to wrong: the signals the fit should find."""
    rng = random.Random(seed)
    with db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        question = session.scalars(select(QuestionRow)).first()
        assert question is not None
        for n in range(learners):
            learner = Learner(display_name=f"l{n}", preferences={}, timezone="UTC")
            session.add(learner)
            session.flush()
            session.add(Enrollment(learner_id=learner.id, course_id=course.id, card_position=0))
            start = NOW - timedelta(days=rng.randint(30, 120))
            stays = rng.random() < 0.5
            days = (NOW - start).days if stays else rng.randint(3, 20)
            for day in range(days):
                if rng.random() < (0.8 if stays else 0.6):
                    right = rng.random() < (0.8 if stays else 0.8 - 0.5 * day / days)
                    session.add(Attempt(learner_id=learner.id, question_id=question.id,
                                        course_id=course.id, response="x", correct=right,
                                        score=float(right), hints_used=0, context="quiz",
                                        answered_at=start + timedelta(days=day, hours=9)))
        session.commit()


def test_too_short_a_history_keeps_the_prior(mini_db: Database) -> None:
    _cohort(mini_db, learners=10)
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        result = fit_risk(session, course, NOW)
        assert not result.fitted and "the prior stays in use" in result.reason
        assert course_risk(session, course) == RiskModel.prior()


def test_the_risk_model_is_fitted_on_the_course_own_history(mini_db: Database) -> None:
    _cohort(mini_db, learners=300)
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        result = fit_risk(session, course, NOW)
        session.commit()
        assert result.fitted and result.examples >= 200 and result.dropped >= 20
        model = course_risk(session, course)
        assert model != RiskModel.prior() and len(model.weights) == 16
        # Falling accuracy raises the fitted risk of an otherwise identical learner.
        days = [1] * 20 + [0] * 10
        assert model.risk(days, Signals(accuracy_trend=-0.4)) > model.risk(days, Signals())
        learners = session.scalars(select(Learner.id)).all()
        risks = [learner_risk(session, who, course, NOW) for who in learners[:20]]
    assert all(0.0 <= r <= 1.0 for r in risks)


def test_nudges_ignored_count_as_a_signal(mini_db: Database) -> None:
    from tutor.learner.dropout import Histories
    from tutor.storage.models import Nudge

    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        learner = Learner(display_name="n", preferences={}, timezone="UTC")
        session.add(learner)
        session.flush()
        session.add(Enrollment(learner_id=learner.id, course_id=course.id, card_position=0))
        for days_ago in (2, 5, 9):  # three nudges sent; the learner came back after one
            session.add(Nudge(key=f"k{days_ago}", rule="review", learner_id=learner.id,
                              platform="telegram", user_id="1", variant=0, text="x", action="",
                              due_at=NOW - timedelta(days=days_ago), status="sent",
                              claimed_by="", error="", sent_at=NOW - timedelta(days=days_ago)))
        question = session.scalars(select(QuestionRow)).first()
        assert question is not None
        session.add(Attempt(learner_id=learner.id, question_id=question.id,
                            course_id=course.id, response="x", correct=True, score=1.0,
                            hints_used=0, context="quiz",
                            answered_at=NOW - timedelta(days=5, hours=-3)))
        session.commit()
        history = Histories.load(session, course.id, NOW - timedelta(days=45))
        _, signals = history.at(learner.id, NOW)
    assert signals.nudges_ignored == 2.0
