"""What teachers do with campaigns, for the command line and the bots: create, list, show,
pause/resume/cancel, preview, and the report with the control group's lift."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nudges.audience import Recipient, recipients
from nudges.campaign import CampaignSpec
from nudges.dispatcher import HEADROOM
from nudges.outcomes import outcomes
from nudges.planner import render
from nudges.sampler import CONTROL
from nudges.timing import after_quiet_hours, next_occurrence
from tutor.storage.models import Campaign, CourseRow, Nudge

__all__ = ["PLATFORM_RATES", "Preview", "VariantReport", "create", "preview", "rate_lift",
           "report", "set_status"]

PLATFORM_RATES = {"telegram": 30.0, "discord": 10.0}  # nudges a second, as sent
STATUSES = ("active", "paused", "cancelled")


class CampaignProblem(ValueError):
    """Said to the teacher as it is."""


def create(session: Session, spec: CampaignSpec, created_by: str) -> Campaign:
    course = session.scalar(select(CourseRow).where(CourseRow.slug == spec.course))
    if course is None:
        raise CampaignProblem(f"there is no course {spec.course!r} (see `tutorbot content "
                              "import`)")
    campaign = Campaign(name=spec.name, course_id=course.id, spec=spec.model_dump(mode="json"),
                        status="active", created_by=created_by[:160])
    session.add(campaign)
    session.flush()
    return campaign


def set_status(session: Session, campaign_id: int, status: str) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignProblem(f"there is no campaign {campaign_id}")
    if campaign.status == "cancelled":
        raise CampaignProblem(f"campaign {campaign_id} is cancelled; create a new one")
    campaign.status = status
    if status == "cancelled":  # nothing more goes out
        for nudge in session.scalars(select(Nudge).where(Nudge.campaign_id == campaign_id,
                                                         Nudge.status == "pending")):
            nudge.status, nudge.error = "skipped", "campaign cancelled"
    return campaign


@dataclass(frozen=True)
class Preview:
    audience: int
    samples: list[str]
    by_platform: dict[str, int]
    finishes_in: timedelta  # at the platforms' rates, once an occurrence is due
    # When the first nudge of the next occurrence goes out: the schedule's time in the
    # earliest learner's zone, moved past their quiet hours (None: after_inactivity, or
    # nobody to send to).
    first_send: datetime | None = None


def preview(session: Session, spec: CampaignSpec, now: datetime,
            rates: dict[str, float] | None = None) -> Preview:
    course = session.scalar(select(CourseRow).where(CourseRow.slug == spec.course))
    if course is None:
        raise CampaignProblem(f"there is no course {spec.course!r}")
    people = recipients(session, course, spec.audience, now)
    rng = random.Random(0)
    samples = [render(spec.variants[i % len(spec.variants)].text, who, course.title)
               for i, who in enumerate(rng.sample(people, min(3, len(people))))]
    platforms = Counter(who.platform for who in people)
    rates = rates or PLATFORM_RATES
    sent = {p: n * (1 - spec.control_share) for p, n in platforms.items()}
    # At the pace the dispatcher keeps: just under each platform's limit.
    seconds = max((n / (rates.get(p, 30.0) * HEADROOM) for p, n in sent.items()), default=0.0)
    return Preview(len(people), samples, dict(platforms), timedelta(seconds=math.ceil(seconds)),
                   _first_send(spec, people, now))


def _first_send(spec: CampaignSpec, people: list[Recipient], now: datetime) -> datetime | None:
    sends = []
    for timezone, quiet in {(who.timezone, who.quiet) for who in people}:
        moment = next_occurrence(spec.schedule, timezone, now)
        if moment is not None:
            sends.append(after_quiet_hours(moment, timezone, quiet).astimezone(UTC))
    return min(sends, default=None)


@dataclass(frozen=True)
class VariantReport:
    campaign: str
    variant: str
    planned: int
    sent: int
    failed: int
    returned: int  # within 24 hours of the nudge
    completed: int
    lift: str  # returned rate minus the control group's, with a 95% interval


def report(session: Session, course: str | None = None) -> list[VariantReport]:
    query = select(Campaign).order_by(Campaign.id)
    if course is not None:
        query = query.join(CourseRow).where(CourseRow.slug == course)
    rows = []
    for campaign in session.scalars(query):
        nudges = session.scalars(select(Nudge).where(Nudge.campaign_id == campaign.id)).all()
        results = outcomes(session, campaign.course_id, list(nudges))
        groups: dict[int, list[Nudge]] = {}
        for nudge in nudges:
            groups.setdefault(nudge.variant, []).append(nudge)
        control = _rate(groups.get(CONTROL, []), results)
        if not groups:
            rows.append(VariantReport(campaign.name, f"({campaign.status}, nothing due yet)",
                                      0, 0, 0, 0, 0, ""))
        for variant in sorted(groups, key=lambda v: (v == CONTROL, v)):
            members = groups[variant]
            counted = [n for n in members if n.status in ("sent", "control")]
            back = sum(results.get(n.id, (False, False))[0] for n in counted)
            done = sum(results.get(n.id, (False, False))[1] for n in counted)
            lift = "" if variant == CONTROL else rate_lift(_rate(counted, results), control)
            rows.append(VariantReport(
                campaign.name, "control" if variant == CONTROL else f"#{variant + 1}",
                len(members), sum(n.status == "sent" for n in members),
                sum(n.status in ("failed", "unknown") for n in members), back, done, lift))
    return rows


def _rate(nudges: list[Nudge], results: dict[int, tuple[bool, bool]]) -> tuple[int, int]:
    counted = [n for n in nudges if n.status in ("sent", "control")]
    return sum(results.get(n.id, (False, False))[0] for n in counted), len(counted)


def rate_lift(variant: tuple[int, int], control: tuple[int, int]) -> str:
    """The difference of two rates (hits, count), with a 95% Wald interval."""
    (a, n), (b, m) = variant, control
    if not n or not m:
        return "n/a (no control yet)"
    p, q = a / n, b / m
    se = math.sqrt(p * (1 - p) / n + q * (1 - q) / m)
    return f"{p - q:+.0%} ± {1.96 * se:.0%}"


def counts(session: Session, campaign_id: int) -> dict[str, int]:
    return dict(session.execute(select(Nudge.status, func.count()).where(
        Nudge.campaign_id == campaign_id).group_by(Nudge.status)).all())
