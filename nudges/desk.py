"""The campaign side of teachers' chat commands (`tutor.teaching.CampaignDesk`): drafts
checked, previewed and created, the list, status changes and the report, as text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from nudges import admin
from nudges.alerts import TEACHER
from nudges.campaign import (
    AUDIENCES,
    PLACEHOLDERS,
    CampaignSpec,
    Variant,
    describe_schedule,
    parse_schedule,
)
from nudges.dispatcher import FOR_TEACHERS
from nudges.interventions import interventions
from nudges.planner import COUNTED
from nudges.timing import after_quiet_hours, on_local_day
from tutor import i18n
from tutor.actions import Screen, encode
from tutor.i18n import _
from tutor.preferences import quiet_hours, reminders_on
from tutor.storage.models import Campaign, Identity, Learner, Nudge
from tutor.timezones import zone
from tutor.turn import as_utc

__all__ = ["Desk"]

WEEK = 7  # a message waits at most this many days for room under the cap

VERBS = {"pause": "paused", "resume": "active", "cancel": "cancelled"}


def _spec(draft: Mapping[str, str]) -> CampaignSpec:
    audience = AUDIENCES.get(draft.get("audience", ""))
    if audience is None:
        raise ValueError(f"I don't know the audience {draft.get('audience', '')[:40]!r}; "
                         f"pick one of: {', '.join(AUDIENCES)}")
    text = draft.get("text", "")
    return CampaignSpec(name=text[:40] or "Campaign", course=draft.get("course", ""),
                        audience=audience, schedule=parse_schedule(draft.get("schedule", "")),
                        variants=[Variant(text=text)])


class Desk:
    """`cap`: nudges a learner gets a local day (NUDGE_DAILY_CAP); a teacher's message
    beyond it waits for the learner's next day. None: no cap."""

    audiences: tuple[str, ...] = tuple(AUDIENCES)
    placeholders: tuple[str, ...] = PLACEHOLDERS

    def __init__(self, cap: int | None = None) -> None:
        self.cap = cap

    def schedule_problem(self, text: str) -> str | None:
        try:
            parse_schedule(text)
        except ValueError as problem:
            return str(problem)
        return None

    def preview(self, session: Session, draft: Mapping[str, str], now: datetime) -> str:
        spec = _spec(draft)
        found = admin.preview(session, spec, now)
        samples = "\n".join(f"• {s}" for s in found.samples) or \
            "• " + _("(nobody to show yet)")
        head = _("**{count}** learners now ({audience}); {share} held out as a control group.",
                 count=found.audience, audience=draft["audience"],
                 share=i18n.percent(spec.control_share))
        when = _("The next one starts {moment} UTC.",
                 moment=f"{found.first_send:%Y-%m-%d %H:%M}") if found.first_send else ""
        return f"{head}\n\n{samples}\n\n" + i18n.joined(
            _("Schedule: {schedule}.", schedule=describe_schedule(spec.schedule)), when,
            _("Each time, delivery takes about {duration}.", duration=found.finishes_in))

    def create(self, session: Session, draft: Mapping[str, str], created_by: str) -> int:
        campaign = admin.create(session, _spec(draft), created_by)
        return campaign.id

    def listing(self, session: Session) -> str:
        lines = []
        for campaign in session.scalars(select(Campaign).order_by(Campaign.id)):
            found = admin.counts(session, campaign.id)
            lines.append(f"**{campaign.id}. {campaign.name}** ({campaign.status}): " + _(
                "{sent} sent, {waiting} waiting", sent=found.get("sent", 0),
                waiting=found.get("pending", 0)))
        return "\n".join(lines) or _("No campaigns yet.")

    def change_status(self, session: Session, words: str) -> str:
        parts = words.split()
        if len(parts) != 2 or parts[0] not in VERBS or not parts[1].isdigit():
            return _("Say `pause ID`, `resume ID` or `cancel ID` (the ids are in the list).")
        try:
            with session.begin_nested():
                campaign = admin.set_status(session, int(parts[1]), VERBS[parts[0]])
        except admin.CampaignProblem as problem:
            return _("Not changed: {problem}.", problem=problem)
        return _("Campaign {number} ({name}) is now {status}.", number=campaign.id,
                 name=campaign.name, status=campaign.status)

    def report(self, session: Session) -> str:
        rows = admin.report(session)
        lines = [_("📣 **Campaigns** (came back within 24 h; lift against the control group)")]
        for row in rows:
            lines.append(f"- {row.campaign} {row.variant}: " + _(
                "{sent} sent, {failed} failed, {back} back, {completed} completed",
                sent=row.sent, failed=row.failed, back=row.returned, completed=row.completed)
                + (", " + _("lift {lift}", lift=row.lift) if row.lift else ""))
        if not rows:
            lines.append(_("No campaigns yet: /campaign creates one."))
        helped = interventions(session)
        if helped:
            lines.append("\n" + _("🤝 **Learners at risk: what helped** (back within 72 h; a "
                                  "lesson within 7 days; lift against no nudge)"))
            lines += [f"- {row.kind}: " + _("{count}, {back} back, {finished} finished a lesson",
                                            count=row.count, back=row.came_back,
                                            finished=row.finished_lesson)
                      + (", " + _("lift {lift}", lift=row.lift) if row.lift else "")
                      for row in helped]
        return "\n".join(lines)

    def encourage(self, session: Session, learner_id: int, text: str, key: str,
                  now: datetime) -> datetime | None:
        learner = session.get(Learner, learner_id)
        identity = session.scalar(select(Identity).where(
            Identity.learner_id == learner_id, Identity.unreachable_since.is_(None))
            .order_by(Identity.id.desc()))
        if learner is None or identity is None or not reminders_on(learner):
            return None
        existing = session.scalar(select(Nudge).where(Nudge.key == key))
        if existing is not None:
            return existing.due_at
        due = self._within_cap(session, learner, after_quiet_hours(
            now, learner.timezone, quiet_hours(learner)))
        session.add(Nudge(key=key, rule=TEACHER, learner_id=learner_id,
                          platform=identity.platform, user_id=identity.platform_user_id,
                          text=text, action=encode(Screen("continue")), due_at=due))
        return due

    def _within_cap(self, session: Session, learner: Learner, due: datetime) -> datetime:
        """`due`, or the first of the learner's next days (after their quiet hours) with
        room under the daily cap: what the planner counts, a teacher's message counts."""
        if self.cap is None:
            return due
        tz = zone(learner.timezone)
        planned = [as_utc(d) for d in session.scalars(select(Nudge.due_at).where(
            Nudge.learner_id == learner.id, Nudge.status.in_(COUNTED),
            Nudge.rule.not_in(FOR_TEACHERS), Nudge.due_at >= due - timedelta(days=2),
            Nudge.due_at <= due + timedelta(days=WEEK + 2)))]
        for _day in range(WEEK):
            if on_local_day(planned, due, learner.timezone) < self.cap:
                return due
            midnight = datetime.combine(due.astimezone(tz).date() + timedelta(days=1),
                                        time(0), tzinfo=tz)
            due = after_quiet_hours(midnight, learner.timezone, quiet_hours(learner))
        return due
