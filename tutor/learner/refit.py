"""`tutorbot model fit`: every course's mastery and dropout-risk models refitted on its own
logs, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tutor.learner.dropout import RiskFit, fit_risk
from tutor.learner.fitting import FitResult, fit_course
from tutor.learner.similar import MIN_LEARNERS, fit_paths
from tutor.storage.database import Database
from tutor.storage.models import CourseRow

__all__ = ["MIN_LEARNERS", "CourseFit", "refit"]


@dataclass(frozen=True)
class CourseFit:
    course: str
    mastery: FitResult
    risk: RiskFit
    paths: int = 0  # learners the "learners like you" model was fitted on (0: too few)


def refit(database: Database, course: str | None, now: datetime) -> list[CourseFit]:
    """The named course, or all; an empty list when there is no such course."""
    with database.session() as session:
        query = select(CourseRow).order_by(CourseRow.slug)
        if course is not None:
            query = query.where(CourseRow.slug == course)
        fits = [CourseFit(row.slug, fit_course(session, row), fit_risk(session, row, now),
                          fit_paths(session, row))
                for row in session.scalars(query).all()]
        session.commit()
        return fits
