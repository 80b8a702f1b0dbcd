"""What helped learners at risk: each kind of intervention, its outcomes, and its effect
against the control group (the at-risk learners held out of the automatic nudge).

Interventions: the automatic at-risk nudge, a teacher's encouragement (sent through the
outbox from an alert), and a teacher's "I'll contact them". Outcomes, from the activity log
after the intervention (for the control group, after the nudge it did not get): came back
within 72 hours, finished a lesson within 7 days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from nudges.admin import rate_lift
from nudges.alerts import TEACHER
from nudges.outcomes import lessons_finished
from nudges.planner import AT_RISK_RULE
from nudges.sampler import CONTROL
from tutor.learner.progress import activity_moments
from tutor.storage.models import CourseRow, Nudge, RiskAlert
from tutor.turn import as_utc

__all__ = ["BACK_WITHIN", "LESSON_WITHIN", "InterventionReport", "interventions"]

BACK_WITHIN = timedelta(hours=72)
LESSON_WITHIN = timedelta(days=7)
KINDS = ("automatic at-risk nudge", "teacher's encouragement", "teacher will contact",
         "control (no nudge)")


@dataclass(frozen=True)
class InterventionReport:
    kind: str
    count: int
    came_back: int  # within 72 hours
    finished_lesson: int  # within 7 days
    lift: str  # came-back rate minus the control group's, with a 95% interval


@dataclass(frozen=True)
class _Case:
    kind: str
    course_id: int
    learner_id: int
    start: datetime


def _cases(session: Session, course_id: int | None) -> list[_Case]:
    cases = []
    alerts = {a.id: a for a in session.scalars(select(RiskAlert))}
    for nudge in session.scalars(select(Nudge).where(
            Nudge.rule.in_((AT_RISK_RULE, TEACHER)), Nudge.status.in_(("sent", "control")))):
        if nudge.rule == TEACHER:  # key: encourage:<alert id>
            alert = alerts.get(int(nudge.key.rpartition(":")[2] or 0))
            if alert is None or nudge.sent_at is None:
                continue
            cases.append(_Case(KINDS[1], alert.course_id, nudge.learner_id, nudge.sent_at))
        else:  # key: auto:atrisk:<course id>:<day>:<learner id>
            course = int(nudge.key.split(":")[2])
            kind = KINDS[3] if nudge.variant == CONTROL else KINDS[0]
            start = nudge.due_at if nudge.variant == CONTROL else nudge.sent_at or nudge.due_at
            cases.append(_Case(kind, course, nudge.learner_id, start))
    cases += [_Case(KINDS[2], a.course_id, a.learner_id, a.handled_at)
              for a in alerts.values() if a.status == "contacting" and a.handled_at]
    return [c for c in cases if course_id is None or c.course_id == course_id]


def _outcomes(session: Session, cases: Iterable[_Case]) -> dict[_Case, tuple[bool, bool]]:
    by_course: dict[int, list[_Case]] = defaultdict(list)
    for case in cases:
        by_course[case.course_id].append(case)
    found = {}
    for course_id, group in by_course.items():
        since = min(as_utc(c.start) for c in group)
        moments = activity_moments(session, course_id, since)
        lessons = lessons_finished(session, course_id, since)
        for case in group:
            start = as_utc(case.start)
            back = any(start < as_utc(m) <= start + BACK_WITHIN
                       for m in moments.get(case.learner_id, []))
            lesson = any(start < t <= start + LESSON_WITHIN
                         for t in lessons.get(case.learner_id, []))
            found[case] = (back, lesson)
    return found


def interventions(session: Session, course: str | None = None) -> list[InterventionReport]:
    """One row per kind of intervention that happened, and the control group."""
    course_id = session.scalar(select(CourseRow.id).where(CourseRow.slug == course)) \
        if course else None
    if course and course_id is None:
        return []
    results = _outcomes(session, _cases(session, course_id))
    by_kind: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for case, outcome in results.items():
        by_kind[case.kind].append(outcome)
    control = by_kind.get(KINDS[3], [])
    rows = []
    for kind in KINDS:
        found = by_kind.get(kind, [])
        if not found:
            continue
        back = sum(b for b, _ in found)
        rows.append(InterventionReport(
            kind, len(found), back, sum(lesson for _, lesson in found),
            "" if kind == KINDS[3] else rate_lift(
                (back, len(found)), (sum(b for b, _ in control), len(control)))))
    return rows
