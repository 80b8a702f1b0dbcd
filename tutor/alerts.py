"""Teachers hear about learners in trouble: an alert when a learner's risk of dropping out
crosses the line, with the reasons, and what a teacher can do about it.

One alert per crossing: a learner above the line has one open alert; it is cleared when the
risk falls below the line, and only then can a new crossing raise another. `scan` does
this for every course; the nudge service sends new alerts to the teachers, within a daily
number each (the rest in a digest), and a teacher's answer comes back as an `AlertChoice`.
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tutor import i18n
from tutor.actions import AlertChoice
from tutor.i18n import N_, _
from tutor.learner.reasons import in_words
from tutor.markup import plain
from tutor.messages import Button, Keyboard
from tutor.reports import ClassState
from tutor.storage.database import Database
from tutor.storage.models import CourseRow, Enrollment, Learner, RiskAlert

__all__ = ["ALERT_AT", "ENCOURAGEMENT", "alert_buttons", "alert_text", "scan"]

ALERT_AT = 0.8  # a common line in online schools; RISK_ALERT_AT changes it
BATCH = 1000  # alerts written, or cleared, a statement at a time
ENCOURAGEMENT = N_("Hi {name}! I noticed {course} has been quiet for you lately. Is anything "
                   "in the way? Five minutes today keeps you going, and I'm glad to help.")


def scan(database: Database, now: datetime, at: float = ALERT_AT) -> list[int]:
    """Raise an alert for each learner newly over the line, clear those back under it;
    the ids of the new alerts. Only a newly raised alert's reasons are worked out: a
    class of 100,000 has few new ones each quarter hour."""
    with database.session() as session:
        courses = session.execute(select(CourseRow.id, CourseRow.slug, CourseRow.alert_at)
                                  .where(CourseRow.id.in_(select(Enrollment.course_id)))).all()
    raised: list[int] = []
    for course_id, slug, own in courses:
        line = own or at  # the course's own line (course.yaml `alert_at`), if it has one
        state = ClassState.load(database, slug, now)
        if state is None:
            continue
        with database.session() as session:
            open_alerts = {who: alert for who, alert in session.execute(
                select(RiskAlert.learner_id, RiskAlert.id).where(
                    RiskAlert.course_id == course_id, RiskAlert.cleared_at.is_(None)))}
            risks = {who: state.risk(who) for who in state.counts}
            over = sorted((who for who, risk in risks.items()  # the likeliest to drop out first
                           if risk >= line and who not in open_alerts), key=lambda w: -risks[w])
            back = [alert for who, alert in open_alerts.items()
                    if who in risks and risks[who] < line]
            rows = state.rows(over)
            while batch := [{"course_id": course_id, "learner_id": row.learner_id,
                             "risk": row.risk, "reasons": list(row.said), "raised_at": now}
                            for row in islice(rows, BATCH)]:
                raised += session.scalars(insert(RiskAlert).returning(RiskAlert.id), batch)
            for start in range(0, len(back), BATCH):
                session.execute(update(RiskAlert).where(
                    RiskAlert.id.in_(back[start:start + BATCH])).values(cleared_at=now))
            session.commit()
    return raised


def alert_text(session: Session, alert: RiskAlert) -> str:
    learner = session.get(Learner, alert.learner_id)
    course = session.get(CourseRow, alert.course_id)
    name = plain(learner.display_name) if learner else _("A learner")
    why = "; ".join(in_words(said) for said in alert.reasons) or _("their recent activity")
    return _("⚠️ **{name}** may be dropping out of {course} (risk {risk}): {why}.", name=name,
             course=course.title if course else _("a course"), risk=i18n.percent(alert.risk),
             why=why)


def alert_buttons(alert_id: int) -> Keyboard:
    return ((Button(_("💬 Send encouragement"), AlertChoice(alert_id, "encourage")),),
            (Button(_("📞 I'll contact them"), AlertChoice(alert_id, "contact")),
             Button(_("✖️ Dismiss"), AlertChoice(alert_id, "dismiss"))))
