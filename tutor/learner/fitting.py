"""Fit the learner model on a course's own attempt log, and find the model a course uses."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tutor.learner.items import AnswerRow, calibrate_items
from tutor.learner.mastery import DEFAULT, KnowledgeModel
from tutor.storage.kept import kept
from tutor.storage.models import Attempt, CourseRow, FittedModel, QuestionRow, utcnow

__all__ = ["MIN_ANSWERS", "REFIT_EVERY", "FitResult", "calibration_point", "course_model",
           "fit_course", "fitted_parameters", "store_fitted"]

# Below this the per-skill offsets would be noise: the ASSIST-fitted defaults serve better.
MIN_ANSWERS = 500
KIND = "mastery"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitResult:
    course: str
    answers: int
    fitted: bool
    reason: str = ""


def fit_course(session: Session, course: CourseRow, *, min_answers: int = MIN_ANSWERS
               ) -> FitResult:
    """Fit on every answer in the course, one (learner, skill) pair per skill of a question."""
    rows = session.execute(
        select(Attempt.learner_id, QuestionRow.skills, Attempt.correct, QuestionRow.key,
               QuestionRow.difficulty)
        .join(QuestionRow, Attempt.question_id == QuestionRow.id)
        .where(Attempt.course_id == course.id)
        .order_by(Attempt.learner_id, Attempt.answered_at, Attempt.id)).all()
    if len(rows) < min_answers:
        return FitResult(course.slug, len(rows), False,
                         f"only {len(rows)} answers so far; {min_answers} are needed, so the "
                         "defaults stay in use")
    answers = [(str(learner), skill, bool(correct))
               for learner, skills, correct, _, _ in rows for skill in skills]
    model = KnowledgeModel.fit(answers)
    if model == DEFAULT:
        return FitResult(course.slug, len(rows), False,
                         "every answer was right (or every one wrong): nothing to learn from")
    model = calibrate_items(model, [AnswerRow(str(learner), tuple(skills), key, difficulty,
                                              bool(correct))
                                    for learner, skills, correct, key, difficulty in rows])
    store_fitted(session, course, KIND, model.to_json(), len(rows))
    return FitResult(course.slug, len(rows), True)


def fitted_parameters(session: Session, course: CourseRow, kind: str) -> dict[str, Any] | None:
    stored = session.scalar(select(FittedModel).where(FittedModel.course_id == course.id,
                                                      FittedModel.kind == kind))
    return stored.parameters if stored is not None else None


def store_fitted(session: Session, course: CourseRow, kind: str, parameters: dict[str, Any],
                 examples: int) -> None:
    """Keep a course's fitted model of this kind, replacing the one before."""
    stored = session.scalar(select(FittedModel).where(FittedModel.course_id == course.id,
                                                      FittedModel.kind == kind))
    if stored is None:
        stored = FittedModel(course_id=course.id, kind=kind)
        session.add(stored)
    stored.parameters = parameters
    stored.answers = examples
    stored.fitted_at = utcnow()


def course_model(session: Session, course: CourseRow) -> KnowledgeModel:
    """The course's fitted model; before one is fitted, the shipped weights with each
    question's difficulty calibrated online from the course's first answers (at most
    MIN_ANSWERS of them), shrunk towards the author's difficulty: a new course learns from
    its first learners instead of waiting for 500 answers.

    Every quiz turn asks for it, so both are kept per database: the fitted model until it is
    refitted; the calibration until the course's first answers reach the next calibration
    point (about 30 fits over a course's first 500 answers instead of one a turn). The
    points are fixed, so every process fits on the same rows."""
    fitted_at = session.scalar(select(FittedModel.fitted_at).where(
        FittedModel.course_id == course.id, FittedModel.kind == KIND))
    if fitted_at is not None:  # its parameters are read (and parsed) once per fit
        return kept(session, ("fitted", course.id), fitted_at, lambda: _fitted(session, course))
    answers = session.scalar(select(func.count()).select_from(
        select(Attempt.id).where(Attempt.course_id == course.id).limit(MIN_ANSWERS)
        .subquery())) or 0
    if not answers:
        return DEFAULT
    first = calibration_point(answers)
    return kept(session, ("online", course.id), (course.content_hash, first),
                lambda: _calibrated_online(session, course, first))


# Online calibration is fitted on the first 1, 11, 21... answers: each point REFIT_EVERY
# answers or a tenth past the one before, whichever is more.
REFIT_EVERY = 10


def calibration_point(answers: int) -> int:
    """How many of a course's first answers its online calibration is fitted on."""
    point = 1
    while (following := point + max(REFIT_EVERY, point // 10)) <= answers:
        point = following
    return point


def _fitted(session: Session, course: CourseRow) -> KnowledgeModel:
    parameters = fitted_parameters(session, course, KIND)
    if parameters is None:
        return DEFAULT
    if len(parameters.get("weights", ())) != len(DEFAULT.weights):
        # Fitted by a version that read other features: its weights do not fit this one's.
        log.warning("Course %s: its fitted mastery model is from an earlier version; until "
                    "`tutorbot model fit` runs again, its questions are calibrated from its "
                    "first %d answers.", course.slug, MIN_ANSWERS)
        return _calibrated_online(session, course, MIN_ANSWERS)
    return KnowledgeModel.from_json(parameters)


def _calibrated_online(session: Session, course: CourseRow, first: int) -> KnowledgeModel:
    rows = session.execute(
        select(Attempt.learner_id, QuestionRow.skills, Attempt.correct, QuestionRow.key,
               QuestionRow.difficulty)
        .join(QuestionRow, Attempt.question_id == QuestionRow.id)
        .where(Attempt.course_id == course.id)
        .order_by(Attempt.answered_at, Attempt.id).limit(first)).all()
    by_learner = sorted(rows, key=lambda row: row[0])  # stable: time order within each
    return calibrate_items(DEFAULT, [AnswerRow(str(learner), tuple(skills), key, difficulty,
                                               bool(correct))
                                     for learner, skills, correct, key, difficulty
                                     in by_learner])
