"""The nudge planner as it was before planning became incremental (484ada9), kept only so
`python -m benchmarks.nudges` can time today's planner against it in the same run. It reads
every learner of every audience on every run. (It shares `nudges.audience`, which now
works out each learner's history once a run, so it is a little faster than it was.)
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from nudges.audience import CourseState, recipients
from nudges.campaign import CampaignSpec, Schedule
from nudges.outcomes import WINDOW, outcomes
from nudges.planner import (
    AT_RISK_CONTROL,
    AT_RISK_RULE,
    AUTOMATIC,
    PlanReport,
    _add,
    _button,
    _Cap,
    muted,
    render,
)
from nudges.sampler import CONTROL, Arm, choose_variant
from nudges.timing import STALE_AFTER, latest_occurrence, local_day
from tutor.preferences import study_hour
from tutor.storage.models import Campaign, CourseRow, Enrollment, Nudge

__all__ = ["arms_recounted", "plan"]


def arms_recounted(session: Session, campaign: Campaign, variants: int, now: datetime
                   ) -> list[Arm]:
    """Per variant: nudges whose 24-hour window has ended, and how many brought them back,
    counted from the campaign's whole history on every run."""
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
        arms = arms_recounted(session, campaign, len(spec.variants), now)
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


def _known_keys(session: Session, prefix: str, now: datetime) -> set[str]:
    return set(session.scalars(select(Nudge.key).where(
        Nudge.key.startswith(prefix), Nudge.due_at >= now - STALE_AFTER - timedelta(days=8))))
