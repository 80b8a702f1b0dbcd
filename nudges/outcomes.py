"""What came of a nudge: did the learner come back within 24 hours, and did they complete
something (an answer or a lesson)? From the activity log, after the nudge was sent (or, for
the control group, would have been)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.learner.progress import activity_moments
from tutor.storage.models import Attempt, LessonCompletion, LessonRow, Nudge
from tutor.turn import as_utc

__all__ = ["WINDOW", "lessons_finished", "outcomes"]

WINDOW = timedelta(hours=24)


def outcomes(session: Session, course_id: int, nudges: list[Nudge]
             ) -> dict[int, tuple[bool, bool]]:
    """nudge id -> (came back, completed something), for nudges whose window has begun."""
    if not nudges:
        return {}
    since = min(as_utc(n.sent_at or n.due_at) for n in nudges)
    moments = activity_moments(session, course_id, since)
    done: dict[int, list[datetime]] = defaultdict(list)
    for who, moment in session.execute(select(Attempt.learner_id, Attempt.answered_at).where(
            Attempt.course_id == course_id, Attempt.answered_at >= since)):
        done[who].append(as_utc(moment))
    for who, times in lessons_finished(session, course_id, since).items():
        done[who] += times
    found = {}
    for nudge in nudges:
        start = as_utc(nudge.sent_at or nudge.due_at)

        def within(times: list[datetime], start: datetime = start) -> bool:
            return any(start < t <= start + WINDOW for t in times)

        back = within([as_utc(m) for m in moments.get(nudge.learner_id, [])])
        found[nudge.id] = (back, within(done.get(nudge.learner_id, [])))
    return found


def lessons_finished(session: Session, course_id: int, since: datetime
                     ) -> dict[int, list[datetime]]:
    """When each learner finished a lesson of the course, since `since`."""
    found: dict[int, list[datetime]] = defaultdict(list)
    for who, moment in session.execute(select(
            LessonCompletion.learner_id, LessonCompletion.completed_at).join(LessonRow).where(
            LessonRow.course_id == course_id, LessonCompletion.completed_at >= since)):
        found[who].append(as_utc(moment))
    return found
