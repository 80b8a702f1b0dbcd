"""Reports for teachers, from storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tutor.grading import normalize
from tutor.storage.database import Database
from tutor.storage.models import AskedQuestion, CourseRow

__all__ = ["UnansweredQuestion", "unanswered_questions"]


@dataclass(frozen=True)
class UnansweredQuestion:
    text: str
    course: str
    times: int
    learners: int
    last_asked: datetime
    closest: str


def unanswered_questions(database: Database, course: str | None = None
                         ) -> Sequence[UnansweredQuestion]:
    """Declined questions, the same question asked again counted once: the course's gaps."""
    query = (select(AskedQuestion, CourseRow.slug)
             .join(CourseRow, AskedQuestion.course_id == CourseRow.id, isouter=True)
             .where(AskedQuestion.answered.is_(False)).order_by(AskedQuestion.asked_at))
    if course is not None:
        query = query.where(CourseRow.slug == course)
    groups: dict[tuple[str, str], list[AskedQuestion]] = {}
    with database.session() as session:
        for row, slug in session.execute(query):
            groups.setdefault((slug or "-", normalize(row.text)), []).append(row)
    found = [UnansweredQuestion(text=rows[-1].text, course=slug, times=len(rows),
                                learners=len({r.learner_id for r in rows}),
                                last_asked=rows[-1].asked_at, closest=rows[-1].closest)
             for (slug, _), rows in groups.items()]
    return sorted(found, key=lambda q: (-q.times, q.text))
