"""At-risk alerts out to the teachers, through the outbox like any nudge.

Each new alert (`tutor.alerts.scan`) goes to every teacher in TEACHERS the bot can reach
(they have talked to it) and every teacher the platform vouched for (a Discord server's),
after the teacher's quiet hours, at most `per_day` a teacher a day; the rest of the day's
alerts gather in one digest, sent at 18:00 in the teacher's time. A teacher who chose
`/settings alerts digest` gets only the digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nudges.timing import after_quiet_hours
from tutor.actions import AlertChoice, encode
from tutor.alerts import alert_text
from tutor.i18n import _, speaking
from tutor.preferences import alerts_in_digest, language, quiet_hours, teaches, teaching
from tutor.storage.models import Identity, Learner, Nudge, RiskAlert
from tutor.timezones import zone

__all__ = ["ALERT", "DIGEST", "PER_DAY", "TEACHER", "plan_alerts"]

ALERT, DIGEST = "alert", "alert-digest"  # the outbox rules of alerts to teachers
TEACHER = "teacher"  # and of a teacher's own message to a learner
PER_DAY = 5
DIGEST_HOUR = 18


def _teachers(session: Session, teachers: Sequence[str]) -> list[tuple[Identity, Learner]]:
    """TEACHERS the bot can reach, and the platform's own teachers (a Discord server's)."""
    found: dict[int, tuple[Identity, Learner]] = {}
    for entry in dict.fromkeys(teachers):
        platform, _, user_id = entry.partition(":")
        identity = session.scalar(select(Identity).where(
            Identity.platform == platform, Identity.platform_user_id == user_id,
            Identity.unreachable_since.is_(None)))
        learner = session.get(Learner, identity.learner_id) if identity else None
        if identity is not None and learner is not None:
            found[identity.id] = (identity, learner)
    staff = session.execute(select(Identity, Learner).join(
        Learner, Identity.learner_id == Learner.id).where(
        teaching(),
        Identity.unreachable_since.is_(None))).all()
    for identity, learner in staff:
        if teaches(learner):
            found.setdefault(identity.id, (identity, learner))
    return list(found.values())


def plan_alerts(session: Session, now: datetime, teachers: Sequence[str],
                per_day: int = PER_DAY) -> int:
    """Outbox rows for the alerts not sent yet; how many alerts went out."""
    new = list(session.scalars(select(RiskAlert).where(RiskAlert.status == "new")
                               .order_by(RiskAlert.risk.desc(), RiskAlert.id)))
    if not new:
        return 0
    reached = _teachers(session, teachers)
    texts: dict[tuple[int, str], str] = {}  # per alert and language: teachers read their own
    for identity, teacher in reached:
        said = language(teacher)
        with speaking(said):
            for alert in new:
                if (alert.id, said) not in texts:
                    texts[alert.id, said] = alert_text(session, alert)
        tz = zone(teacher.timezone)
        start = datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)
        sent_today = session.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.rule == ALERT, Nudge.learner_id == teacher.id, Nudge.due_at >= start)) or 0
        each = not alerts_in_digest(teacher)
        for alert in new:
            text = texts[alert.id, said]
            if each and sent_today < per_day:
                session.add(Nudge(
                    key=f"alert:{alert.id}:{identity.platform}:{identity.platform_user_id}",
                    rule=ALERT, learner_id=teacher.id, platform=identity.platform,
                    user_id=identity.platform_user_id, text=text,
                    action=encode(AlertChoice(alert.id, "encourage")),
                    due_at=after_quiet_hours(now, teacher.timezone, quiet_hours(teacher))))
                sent_today += 1
            else:
                with speaking(said):
                    _to_digest(session, identity, teacher, start, text)
    for alert in new:
        alert.status = "sent" if reached else alert.status
    session.flush()
    return len(new) if reached else 0


def _to_digest(session: Session, identity: Identity, teacher: Learner, start: datetime,
               line: str) -> None:
    """The day's digest gathers the alerts over the day's number until it goes out."""
    key = f"{DIGEST}:{start.date()}:{identity.platform}:{identity.platform_user_id}"
    added = session.execute(update(Nudge).where(Nudge.key == key, Nudge.status == "pending")
                            .values(text=Nudge.text + "\n\n" + line))
    if added.rowcount:  # type: ignore[attr-defined]
        return
    if session.scalar(select(Nudge.id).where(Nudge.key == key)) is not None:
        key += ":late"  # today's digest has gone out: one more, tomorrow at the same hour
        start += timedelta(days=1)
    session.add(Nudge(
        key=key, rule=DIGEST, learner_id=teacher.id, platform=identity.platform,
        user_id=identity.platform_user_id,
        text=_("📋 More learners crossed the at-risk line today (/report has them all):")
        + "\n\n" + line, due_at=start + timedelta(hours=DIGEST_HOUR)))
