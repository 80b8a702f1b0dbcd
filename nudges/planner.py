"""Planning: the outbox rows for every nudge that is due, written before anything is sent.

Run every minute by the scheduler (and safe to run any number of times: each row's key is
its campaign or rule, its occurrence and its learner, so a second run adds nothing). A
learner gets at most `cap` nudges a local day across all campaigns and rules; the rest are
recorded as skipped, so the report can say so.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from nudges.audience import CourseState, Recipient, recipients
from nudges.campaign import Audience, CampaignSpec, Schedule
from nudges.outcomes import WINDOW, outcomes
from nudges.sampler import CONTROL, Arm, choose_variant
from nudges.timing import (
    STALE_AFTER,
    after_quiet_hours,
    latest_occurrence,
    local_day,
    on_local_day,
)
from tutor import preferences
from tutor.actions import OpenLesson, Screen, encode
from tutor.i18n import N_, Nn_, _, plural_form, speaking
from tutor.markup import plain
from tutor.preferences import study_hour
from tutor.storage.models import Campaign, CourseRow, Enrollment, Nudge

__all__ = ["AT_RISK_CONTROL", "AT_RISK_RULE", "AUTOMATIC", "PlanReport", "muted", "plan", "render"]

COUNTED = ("pending", "sending", "sent", "unknown")  # what uses up the daily cap
AT_RISK_RULE = "atrisk"
AT_RISK_CONTROL = 0.1


@dataclass(frozen=True)
class Rule:
    """An automatic nudge from the learner model; learners switch each off in /settings."""

    audience: Audience
    hour: int | None  # local hour; None: the learner's study hour
    # Marked for the catalogs and written in each learner's language; a pair (singular,
    # plural) when it counts the learner's due reviews.
    text: str | tuple[str, str]
    button: str

    def words(self, who: Recipient, course: str) -> str:
        """The nudge for one learner, in their language."""
        with speaking(who.language):
            text = plural_form(*self.text, who.due) if isinstance(self.text, tuple) \
                else _(self.text)
            return render(text, who, course)


AUTOMATIC = {
    "review": Rule(Audience(kind="reviews_due", reviews=1), None,
                   Nn_("🔁 {name}, {due} question of {course} is due for a quick review.",
                       "🔁 {name}, {due} questions of {course} are due for a quick review."),
                   "review"),
    "streak": Rule(Audience(kind="streak_at_risk"), 20,
                   N_("🔥 Your {streak}-day streak in {course} ends at midnight. One question "
                      "keeps it going!"), "lesson"),
    "missyou": Rule(Audience(kind="inactive", days=3), None,
                    N_("👋 We miss you, {name}! {course} is right where you left it: next up, "
                       "{next_lesson}."), "lesson"),
    AT_RISK_RULE: Rule(Audience(kind="risk_above", above=0.7), None,
                       N_("🌱 Little and often works best: five minutes of {course} today?"),
                       "lesson"),
}


@dataclass
class PlanReport:
    planned: int = 0
    control: int = 0
    capped: int = 0
    by_campaign: dict[str, int] = field(default_factory=dict)


def render(text: str, who: Recipient, course: str) -> str:
    return text.format_map({"name": plain(who.name), "course": course, "due": who.due,
                            "streak": who.streak, "next_lesson": who.next_lesson})


def muted(who: Recipient, what: str) -> bool:
    """A "stop these" button pressed for this campaign or rule, or the rule off in settings."""
    return what in preferences.muted(who.preferences) or \
        not preferences.automatic_on(who.preferences, what)


def _button(kind: str, who: Recipient) -> str:
    """The nudge's button as stored in the outbox (its wire form), or "" for none."""
    if kind == "review":
        return encode(Screen("review"))
    if kind == "lesson" and who.next_lesson_id is not None:
        return encode(OpenLesson(who.next_lesson_id))
    return ""


class _Cap:
    """Nudges per learner per local day: the outbox read once, then counted here."""

    def __init__(self, session: Session, cap: int, now: datetime) -> None:
        self.cap = cap
        self.planned: dict[int, list[datetime]] = defaultdict(list)
        for learner, due in session.execute(select(Nudge.learner_id, Nudge.due_at).where(
                Nudge.status.in_(COUNTED), Nudge.due_at >= now - timedelta(days=2),
                Nudge.due_at <= now + timedelta(days=2))):
            self.planned[learner].append(due if due.tzinfo else due.replace(tzinfo=UTC))

    def take(self, who: Recipient, due_at: datetime) -> bool:
        if on_local_day(self.planned[who.learner_id], due_at, who.timezone) >= self.cap:
            return False
        self.planned[who.learner_id].append(due_at)
        return True


def plan(session: Session, now: datetime, *, cap: int = 1,
         rng: random.Random | None = None) -> PlanReport:
    rng = rng or random.Random()
    report = PlanReport()
    limit = _Cap(session, cap, now)
    rows: list[dict[str, object]] = []
    states: dict[int, CourseState] = {}

    def state(course: CourseRow) -> CourseState:
        if course.id not in states:
            states[course.id] = CourseState.load(session, course, now)
        return states[course.id]

    for campaign in session.scalars(select(Campaign).where(Campaign.status == "active")):
        spec = CampaignSpec.model_validate(campaign.spec)
        course = session.get(CourseRow, campaign.course_id)
        if course is None:
            continue
        arms = _arms(session, campaign, len(spec.variants), now)
        people = recipients(session, course, spec.audience, now, state(course))
        keys = _known_keys(session, f"c{campaign.id}:", now)
        added = 0
        for who in people:
            if muted(who, f"c{campaign.id}"):
                continue
            occurrence = latest_occurrence(spec.schedule, who.timezone, now, who.last_active)
            if occurrence is None:
                continue
            key = f"c{campaign.id}:{occurrence.astimezone(UTC).isoformat()}:{who.learner_id}"
            if key in keys:
                continue
            variant = choose_variant(arms, spec.control_share, rng)
            chosen = spec.variants[variant] if variant != CONTROL else None
            added += _add(rows, report, limit, key, who, now, occurrence,
                          campaign_id=campaign.id, rule="campaign", variant=variant,
                          text=render(chosen.text, who, course.title) if chosen else "",
                          action=_button(chosen.button, who) if chosen else "")
        report.by_campaign[campaign.name] = added
    _automatic(session, rows, report, limit, now, state, rng)
    if rows:  # in bulk: a campaign can reach a hundred thousand learners at once
        session.execute(insert(Nudge), rows)
    return report


def _automatic(session: Session, rows: list[dict[str, object]], report: PlanReport,
               limit: _Cap, now: datetime, state: Callable[[CourseRow], CourseState],
               rng: random.Random) -> None:
    courses = session.scalars(select(CourseRow).where(CourseRow.id.in_(
        select(Enrollment.course_id)))).all()
    for course in courses:
        for name, rule in AUTOMATIC.items():
            people = recipients(session, course, rule.audience, now, state(course))
            keys = _known_keys(session, f"auto:{name}:{course.id}:", now)
            for who in people:
                if muted(who, name):
                    continue
                hour = rule.hour if rule.hour is not None else study_hour(who.preferences)
                occurrence = latest_occurrence(Schedule(kind="cron", cron=f"0 {hour} * * *"),
                                               who.timezone, now)
                if occurrence is None:
                    continue
                # "We miss you" once per absence; the others once per local day.
                when = who.last_active.date().isoformat() if name == "missyou" and \
                    who.last_active else local_day(occurrence, who.timezone)
                key = f"auto:{name}:{course.id}:{when}:{who.learner_id}"
                if key in keys:
                    continue
                # A share of the at-risk learners gets nothing: the intervention report's
                # control group (nudges.interventions).
                held = name == AT_RISK_RULE and rng.random() < AT_RISK_CONTROL
                _add(rows, report, limit, key, who, now, occurrence, campaign_id=None,
                     rule=name, variant=CONTROL if held else 0,
                     text="" if held else rule.words(who, course.title),
                     action="" if held else _button(rule.button, who))


def _add(rows: list[dict[str, object]], report: PlanReport, limit: _Cap, key: str,
         who: Recipient, now: datetime, occurrence: datetime, *, campaign_id: int | None,
         rule: str, variant: int, text: str, action: str) -> int:
    # Stored in UTC: SQLite keeps a datetime's wall clock, not its offset.
    due_at = after_quiet_hours(max(occurrence, now - STALE_AFTER), who.timezone,
                               who.quiet).astimezone(UTC)
    status = "control" if variant == CONTROL else "pending"
    if status == "pending" and not limit.take(who, due_at):
        status = "skipped"
        report.capped += 1
    elif status == "control":
        report.control += 1
    else:
        report.planned += 1
    rows.append({"key": key, "campaign_id": campaign_id, "rule": rule,
                 "learner_id": who.learner_id, "platform": who.platform,
                 "user_id": who.user_id, "variant": variant, "text": text, "action": action,
                 "due_at": due_at, "status": status, "claimed_by": "", "error": ""})
    return 1


def _known_keys(session: Session, prefix: str, now: datetime) -> set[str]:
    return set(session.scalars(select(Nudge.key).where(
        Nudge.key.startswith(prefix), Nudge.due_at >= now - STALE_AFTER - timedelta(days=8))))


def _arms(session: Session, campaign: Campaign, variants: int, now: datetime) -> list[Arm]:
    """Per variant: nudges whose 24-hour window has ended, and how many brought them back."""
    done = session.scalars(select(Nudge).where(
        Nudge.campaign_id == campaign.id, Nudge.status == "sent", Nudge.variant >= 0,
        Nudge.sent_at <= now - WINDOW)).all()
    results = outcomes(session, campaign.course_id, list(done))
    counts = [[0, 0] for _ in range(variants)]
    for nudge in done:
        if nudge.variant < variants:
            counts[nudge.variant][1] += 1
            counts[nudge.variant][0] += int(results.get(nudge.id, (False, False))[0])
    return [Arm(s, t) for s, t in counts]

