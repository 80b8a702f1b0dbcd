"""Planning: the outbox rows for every nudge that is due, written before anything is sent.

Run every minute by the scheduler, and incremental: each campaign and automatic rule keeps
a mark of how far it is planned (`PlanMark`), and a run plans only the occurrences after the
mark (at most STALE_AFTER old), reading only the learners in the time zones (and, for the
rules, at the study hours) that have one. A minute with nothing newly due reads no learner.
Safe to run any number of times: each row's key is its campaign or rule, its occurrence and
its learner, and keys already in the outbox are not planned again (so an outbox planned
before the marks existed is not doubled). A learner gets at most `cap` nudges a local day
across all campaigns and rules; the rest are recorded as skipped, so the report can say so.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from nudges.arms import arms_so_far
from nudges.audience import CourseState, Recipient, enrolled_zones, recipients
from nudges.campaign import Audience, CampaignSpec, Schedule
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
from tutor.learner.dropout import LearnerInfo
from tutor.markup import plain
from tutor.preferences import study_hour
from tutor.storage.models import Campaign, CourseRow, Enrollment, Learner, Nudge, PlanMark
from tutor.turn import as_utc

__all__ = ["AT_RISK_CONTROL", "AT_RISK_RULE", "AUTOMATIC", "PlanReport", "muted", "plan", "render"]

COUNTED = ("pending", "sending", "sent", "unknown")  # what uses up the daily cap
AT_RISK_RULE = "atrisk"
AT_RISK_CONTROL = 0.1
WRITE_EVERY = 5_000  # outbox rows
PAGE = 10_000  # learners read at a time


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
    """Nudges per learner per local day: the outbox read once (when a run first plans one),
    then counted here."""

    def __init__(self, session: Session, cap: int, now: datetime) -> None:
        self.session, self.cap, self.now = session, cap, now
        self._planned: dict[int, list[datetime]] | None = None
        self.page: tuple[int, int] | None = None

    def turn_to(self, page: tuple[int, int] | None) -> None:
        """Count only this page's learners from now on (read when first needed)."""
        self.page, self._planned = page, None

    @property
    def planned(self) -> dict[int, list[datetime]]:
        if self._planned is None:
            self._planned = defaultdict(list)
            query = select(Nudge.learner_id, Nudge.due_at).where(
                Nudge.status.in_(COUNTED), Nudge.due_at >= self.now - timedelta(days=2),
                Nudge.due_at <= self.now + timedelta(days=2))
            if self.page is not None:
                query = query.where(Nudge.learner_id.between(*self.page))
            for learner, due in self.session.execute(query):
                self._planned[learner].append(due if due.tzinfo else due.replace(tzinfo=UTC))
        return self._planned

    def take(self, who: Recipient, due_at: datetime) -> bool:
        if on_local_day(self.planned[who.learner_id], due_at, who.timezone) >= self.cap:
            return False
        self.planned[who.learner_id].append(due_at)
        return True


class _Occurrences:
    """Each schedule's latest occurrence per time zone, worked out once a run: it is the same
    for every learner of the zone (only an after-inactivity one depends on the learner)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.found: dict[tuple[object, ...], datetime | None] = {}

    def latest(self, schedule: Schedule, timezone: str, last_active: datetime | None
               ) -> datetime | None:
        if schedule.kind == "after_inactivity":
            return latest_occurrence(schedule, timezone, self.now, last_active)
        key = (schedule.kind, schedule.cron, schedule.at, timezone)
        if key not in self.found:
            self.found[key] = latest_occurrence(schedule, timezone, self.now)
        return self.found[key]

    def zones_due(self, schedule: Schedule, zones: list[str], since: datetime) -> set[str]:
        """The zones where the schedule has an occurrence after `since`."""
        if schedule.kind == "after_inactivity":  # its day is the learner's; its hour is not
            schedule = _daily(schedule.hour)
        return {z for z in zones if self._after(schedule, z, since)}

    def hours_due(self, zones: list[str], since: datetime) -> dict[str, set[int]]:
        """Per zone, the local hours whose start comes after `since` (an hourly rule's)."""
        found = {z: {h for h in range(24) if self._after(_daily(h), z, since)} for z in zones}
        return {z: hours for z, hours in found.items() if hours}

    def _after(self, schedule: Schedule, zone: str, since: datetime) -> bool:
        found = self.latest(schedule, zone, None)
        return found is not None and found > since


class _Marks:
    """How far each campaign and rule is planned; an occurrence more than STALE_AFTER old is
    not planned however far behind the mark is (the misfire rule)."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.marks = {m.name: m for m in session.scalars(select(PlanMark))}

    def since(self, name: str) -> datetime:
        mark = self.marks.get(name)
        earliest = self.now - STALE_AFTER
        return max(as_utc(mark.planned_through), earliest) if mark else earliest

    def done(self, name: str) -> None:
        mark = self.marks.get(name)
        if mark is None:
            mark = self.marks[name] = PlanMark(name=name)
            self.session.add(mark)
        mark.planned_through = self.now


@lru_cache(maxsize=24)
def _daily(hour: int) -> Schedule:
    """An automatic rule's schedule: every day at this local hour."""
    return Schedule(kind="cron", cron=f"0 {hour} * * *")


@dataclass
class _Run:
    """One planning run: what every campaign and rule in it reads once."""

    session: Session
    now: datetime
    rng: random.Random
    report: PlanReport
    limit: _Cap
    marks: _Marks
    occurrences: _Occurrences
    rows: list[dict[str, object]] = field(default_factory=list)
    states: dict[int, CourseState] = field(default_factory=dict)
    zones: dict[int, list[str]] = field(default_factory=dict)
    wanted: dict[int, set[str]] = field(default_factory=dict)  # course: zones with one due
    everyone: bool = False  # an audience compares learners with the whole class
    page: tuple[int, int] | None = None  # the learner ids read now
    arms: dict[int, list[Arm]] = field(default_factory=dict)  # campaign: its variants' record

    def state(self, course: CourseRow) -> CourseState:
        """What the course's audiences read, for this page's learners in the zones with
        something due (`wanted`, filled before the first is read)."""
        if course.id not in self.states:
            wanted = select(Learner.id).where(
                Learner.timezone.in_(self.wanted.get(course.id, set())))
            if self.page is not None:
                wanted = wanted.where(Learner.id.between(*self.page))
            self.states[course.id] = CourseState.load(
                self.session, course, self.now, None if self.everyone else wanted)
        return self.states[course.id]

    def pages(self) -> list[tuple[int, int] | None]:
        """Ranges of learner ids, PAGE learners with something due each (none when nobody
        has; one page of everyone when an audience compares learners with the class)."""
        wanted = [and_(Enrollment.course_id == course, Learner.timezone.in_(zones))
                  for course, zones in self.wanted.items() if zones]
        if not wanted:
            return []
        if self.everyone:
            return [None]
        ids = list(self.session.scalars(select(Learner.id).join(
            Enrollment, Enrollment.learner_id == Learner.id).where(or_(*wanted))
            .distinct().order_by(Learner.id)))
        return [(ids[start], ids[min(start + PAGE, len(ids)) - 1])
                for start in range(0, len(ids), PAGE)]

    def turn_to(self, page: tuple[int, int] | None) -> None:
        self.write()  # the cap of the next page counts what is in the outbox
        self.page = page
        self.states.clear()
        self.limit.turn_to(page)

    def want(self, course: CourseRow, zones: set[str]) -> None:
        self.wanted.setdefault(course.id, set()).update(zones)

    def write(self, at_least: int = 1) -> None:
        """Into the outbox in bulk, a few thousand rows at a time: a campaign can reach a
        hundred thousand learners at once, and the rows need not all be in memory."""
        if len(self.rows) >= at_least:
            self.session.execute(insert(Nudge), self.rows)
            self.rows.clear()

    def zones_of(self, course: CourseRow) -> list[str]:
        if course.id not in self.zones:
            self.zones[course.id] = enrolled_zones(self.session, course)
        return self.zones[course.id]


def plan(session: Session, now: datetime, *, cap: int = 1,
         rng: random.Random | None = None) -> PlanReport:
    """Plan the occurrences that came due since the last run (at most STALE_AFTER ago):
    only the learners whose local time has one are read."""
    run = _Run(session, now, rng or random.Random(), PlanReport(), _Cap(session, cap, now),
               _Marks(session, now), _Occurrences(now))
    # First where each campaign and rule has something due, so that each course's learners
    # are read once, and only those living there.
    marks: list[str] = []  # every campaign and rule looked at: planned up to now
    campaigns = []
    for campaign in session.scalars(select(Campaign).where(Campaign.status == "active")):
        spec = CampaignSpec.model_validate(campaign.spec)
        course = session.get(CourseRow, campaign.course_id)
        run.report.by_campaign[campaign.name] = 0
        if course is None:
            continue
        mark = f"c{campaign.id}"
        marks.append(mark)
        since = run.marks.since(mark)
        due = run.occurrences.zones_due(spec.schedule, run.zones_of(course), since)
        if due:
            run.want(course, due)
            run.everyone = run.everyone or _compares(spec.audience)
            campaigns.append((campaign, spec, course, mark, since, due))
    rules = []
    for course in session.scalars(select(CourseRow).where(CourseRow.id.in_(
            select(Enrollment.course_id)))):
        for name, rule in AUTOMATIC.items():
            mark = f"auto:{name}:{course.id}"
            marks.append(mark)
            since = run.marks.since(mark)
            hours = run.occurrences.hours_due(run.zones_of(course), since)
            if hours:
                run.want(course, set(hours))
                rules.append((course, name, rule, mark, since, hours))
    # Then page by page of learners (campaigns first within each, as the cap counts them).
    for page in run.pages():
        run.turn_to(page)
        for campaign, spec, course, mark, since, due in campaigns:
            _campaign(run, campaign, spec, course, mark, since, due)
        for course, name, rule, mark, since, hours in rules:
            _rule(run, course, name, rule, mark, since, hours)
    run.write()
    for mark in marks:
        run.marks.done(mark)
    return run.report


def _compares(audience: Audience) -> bool:
    """An audience that compares each learner with the whole class (a learner group is
    found among everyone), so everyone's history is read."""
    return audience.kind == "cluster" or any(_compares(a) for a in audience.also)


def _campaign(run: _Run, campaign: Campaign, spec: CampaignSpec, course: CourseRow,
              mark: str, since: datetime, due: set[str]) -> None:
    """This page's nudges of a campaign with an occurrence due in the zones `due`."""
    found: list[tuple[str, Recipient, datetime]] = []
    for who in recipients(run.session, course, spec.audience, run.now, run.state(course),
                          only=lambda learner: learner.timezone in due):
        if muted(who, mark):
            continue
        occurrence = run.occurrences.latest(spec.schedule, who.timezone, who.last_active)
        if occurrence is None or occurrence <= since:
            continue
        found.append((f"{mark}:{occurrence.astimezone(UTC).isoformat()}:{who.learner_id}",
                      who, occurrence))
    if found and campaign.id not in run.arms:
        run.arms[campaign.id] = arms_so_far(run.session, campaign, len(spec.variants),
                                            run.now)
    arms = run.arms.get(campaign.id, [])
    known = _existing(run.session, [key for key, _, _ in found])
    for key, who, occurrence in found:
        if key in known:
            continue
        variant = choose_variant(arms, spec.control_share, run.rng)
        chosen = spec.variants[variant] if variant != CONTROL else None
        run.report.by_campaign[campaign.name] += _add(
            run.rows, run.report, run.limit, key, who, run.now, occurrence,
            campaign_id=campaign.id, rule="campaign", variant=variant,
            text=render(chosen.text, who, course.title) if chosen else "",
            action=_button(chosen.button, who) if chosen else "")
        run.write(WRITE_EVERY)


def _rule(run: _Run, course: CourseRow, name: str, rule: Rule, mark: str, since: datetime,
          hours: dict[str, set[int]]) -> None:
    """This page's nudges of an automatic rule, for learners whose hour (the rule's, or
    their study hour) is among their zone's `hours` due."""
    def hour_of(learner: LearnerInfo | Recipient) -> int:
        return rule.hour if rule.hour is not None else study_hour(learner.preferences)

    found: list[tuple[str, Recipient, datetime]] = []
    for who in recipients(run.session, course, rule.audience, run.now, run.state(course),
                          only=lambda learner: hour_of(learner) in hours.get(
                              learner.timezone, ())):
        if muted(who, name):
            continue
        occurrence = run.occurrences.latest(_daily(hour_of(who)), who.timezone, None)
        if occurrence is None or occurrence <= since:
            continue
        # "We miss you" once per absence; the others once per local day.
        when = who.last_active.date().isoformat() if name == "missyou" and \
            who.last_active else local_day(occurrence, who.timezone)
        found.append((f"{mark}:{when}:{who.learner_id}", who, occurrence))
    known = _existing(run.session, [key for key, _, _ in found])
    for key, who, occurrence in found:
        if key in known:
            continue
        # A share of the at-risk learners gets nothing: the intervention report's control
        # group (nudges.interventions).
        held = name == AT_RISK_RULE and run.rng.random() < AT_RISK_CONTROL
        _add(run.rows, run.report, run.limit, key, who, run.now, occurrence, campaign_id=None,
             rule=name, variant=CONTROL if held else 0,
             text="" if held else rule.words(who, course.title),
             action="" if held else _button(rule.button, who))
        run.write(WRITE_EVERY)


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


def _existing(session: Session, keys: list[str]) -> set[str]:
    """Those of the keys already in the outbox (planned by an earlier run, or before the
    marks existed), asked in pieces that fit any database's parameter limit."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(session.scalars(select(Nudge.key).where(
            Nudge.key.in_(keys[start:start + 500]))))
    return found

