"""One turn of a conversation: the learner, their state, and the open session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.messages import Inbound
from tutor.storage.models import ConversationState, CourseRow, Enrollment, Learner, LessonRow

__all__ = ["Turn", "as_utc"]


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Turn:
    session: Session
    learner: Learner
    state: ConversationState
    event: Inbound
    now: datetime
    memo: dict[str, Any] = field(default_factory=dict)  # derived within this turn only
    cached: dict[str, Any] = field(default_factory=dict)  # rows this turn has loaded
    media_dir: Path | None = None  # where images this turn shows are drawn (None: no images)

    def course(self) -> CourseRow | None:
        if self.state.course_id is None:
            return None
        return self.session.get(CourseRow, self.state.course_id)

    def enrollment(self, course: CourseRow) -> Enrollment:
        key = f"enrollment:{course.id}"
        if key in self.cached:
            cached: Enrollment = self.cached[key]
            return cached
        found = self.session.scalar(select(Enrollment).where(
            Enrollment.learner_id == self.learner.id, Enrollment.course_id == course.id))
        if found is None:
            found = Enrollment(learner_id=self.learner.id, course_id=course.id, card_position=0,
                               enrolled_at=self.now)
            self.session.add(found)
            self.session.flush()
        self.cached[key] = found
        return found

    def lessons(self, course: CourseRow) -> list[LessonRow]:
        return list(self.session.scalars(select(LessonRow).where(
            LessonRow.course_id == course.id, LessonRow.retired.is_(False))
            .order_by(LessonRow.position)))
