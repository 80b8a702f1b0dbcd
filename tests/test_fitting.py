from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import MINI_COURSE
from tutor import Database, Settings
from tutor.learner.fitting import course_model, fit_course
from tutor.learner.mastery import DEFAULT, Trace
from tutor.storage.models import Attempt, CourseRow, FittedModel, Learner, QuestionRow

# How often learners get each of the mini course's skills right, in the simulated log.
RIGHT = {"counting": 0.9, "colours": 0.75, "shapes": 0.3}


def _simulate(db: Database, learners: int, seed: int = 1, always: bool | None = None) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        questions = session.scalars(select(QuestionRow)).all()
        for n in range(learners):
            learner = Learner(display_name=f"l{n}", preferences={})
            session.add(learner)
            session.flush()
            for i in range(12):
                question = rng.choice(questions)
                right = always if always is not None else \
                    rng.random() < RIGHT[question.skills[0]]
                session.add(Attempt(learner_id=learner.id, question_id=question.id,
                                    course_id=course.id, response="x", correct=right,
                                    score=float(right), hints_used=0, context="quiz",
                                    answered_at=start + timedelta(minutes=n * 20 + i)))
        session.commit()


def test_too_few_answers_keep_the_weights_and_calibrate_items_online(mini_db: Database
                                                                       ) -> None:
    with mini_db.session() as session:
        assert course_model(session, session.scalars(select(CourseRow)).one()) == DEFAULT
    _simulate(mini_db, learners=5)
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        result = fit_course(session, course)
        assert not result.fitted and "only 60 answers so far; 500 are needed" in result.reason
        model = course_model(session, course)
        assert model.weights == DEFAULT.weights and not model.skill_offsets
        # Each answered question calibrated, and with 60 answers still near its authored
        # difficulty (the prior weighs as much as 8 answers).
        keys = {q.key: q.difficulty for q in session.scalars(select(QuestionRow))}
        assert set(model.item_offsets) == set(keys)
        for key, offset in model.item_offsets.items():
            assert abs(offset + model.difficulty_step * (keys[key] - 3)) < 2.0


def test_a_log_with_nothing_to_learn_keeps_the_defaults(mini_db: Database) -> None:
    _simulate(mini_db, learners=50, always=True)
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        result = fit_course(session, course)
        assert not result.fitted and "nothing to learn from" in result.reason


def test_fitting_calibrates_skill_difficulty_from_the_log(mini_db: Database) -> None:
    _simulate(mini_db, learners=60)
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        result = fit_course(session, course)
        session.commit()
        assert result.fitted and result.answers == 720
        offsets = course_model(session, course).skill_offsets
    assert offsets["counting"] > offsets["colours"] > offsets["shapes"]


def test_a_model_fitted_by_an_earlier_version_is_not_used_with_this_ones_features(
        mini_db: Database, caplog: pytest.LogCaptureFixture) -> None:
    _simulate(mini_db, learners=60)
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        assert fit_course(session, course).fitted
        stored = session.scalars(select(FittedModel).where(FittedModel.kind == "mastery")).one()
        # What the version with one recency share per trace stored: six weights.
        stored.parameters = {**stored.parameters, "weights": [0.25, -0.03, 0.0, 0.34, -0.36,
                                                              2.12]}
        session.commit()
        with caplog.at_level("WARNING", logger="tutor.learner.fitting"):
            model = course_model(session, course)
        assert len(model.weights) == len(DEFAULT.weights)
        assert model.weights == DEFAULT.weights and model.item_offsets  # calibrated online
        assert "fitted mastery model is from an earlier version" in caplog.text
        assert "tutorbot model fit" in caplog.text
        assert 0.0 < model.probability("counting", Trace().after(True), Trace()) < 1.0
        fit_course(session, course)  # the command the warning names mends it
        session.commit()
        assert len(course_model(session, course).weights) == len(DEFAULT.weights)
        assert course_model(session, course).weights != DEFAULT.weights


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path / "data"


def test_the_command_line_fits_each_course(data_dir: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["content", "import", str(MINI_COURSE)])
    database = Database(Settings().resolved_database_url)
    _simulate(database, learners=60)
    database.dispose()
    result = runner.invoke(app, ["model", "fit"])
    assert result.exit_code == 0, result.output
    assert "✓ mini: fitted on 720 answers" in result.output
    missing = runner.invoke(app, ["model", "fit", "--course", "nope"])
    assert missing.exit_code == 1 and "No course 'nope'" in missing.output


def test_online_calibration_is_kept_until_the_first_answers_grow_by_a_step(
        mini_db: Database) -> None:
    from tutor.learner.fitting import calibration_point

    points = sorted({calibration_point(n) for n in range(1, 501)})
    assert points[:4] == [1, 11, 21, 31] and points[-3:] == [412, 453, 498]
    assert len(points) == 28  # fits over a course's first 500 answers, not 500
    _simulate(mini_db, learners=5)  # 60 answers
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        kept = course_model(session, course)
        assert course_model(session, course) is kept  # not fitted again on every turn
    _simulate(mini_db, learners=1, seed=2, always=False)  # 12 more, every one wrong
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        refitted = course_model(session, course)
        assert refitted is not kept  # fitted on 71 answers, no longer 51
        assert refitted != kept  # the wrong answers made the questions harder
        # Another process (a new engine) fits on the same rows and gets the same model.
        elsewhere = Database(mini_db.url.render_as_string(hide_password=False))
        with elsewhere.session() as other:
            assert course_model(other, other.get_one(CourseRow, course.id)) == refitted
        elsewhere.dispose()
