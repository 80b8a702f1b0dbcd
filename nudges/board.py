"""The campaign side of the teachers' dashboard: a course's campaigns, with what the web
pages show and change, each call in its own session. Anything not in the given course is
None (the page says 404), so one teacher never reaches another's campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nudges import admin
from nudges.campaign import CampaignSpec, describe_audience, describe_schedule
from nudges.desk import Desk
from tutor.storage.database import Database
from tutor.storage.models import Campaign, CourseRow, Enrollment, Nudge

__all__ = ["CampaignLine", "Campaigns", "outbox"]


def outbox(database: Database) -> dict[str, int]:
    """Nudges in the outbox by status (pending, sending, sent, failed, ...), for metrics."""
    with database.session() as session:
        return {status: count for status, count in session.execute(
            select(Nudge.status, func.count()).group_by(Nudge.status))}


@dataclass(frozen=True)
class CampaignLine:
    id: int
    name: str
    status: str
    audience: str
    schedule: str
    variants: int
    control_share: float
    counts: dict[str, int]  # nudges by status


class Campaigns:
    def __init__(self, database: Database, cap: int | None = None) -> None:
        self._db = database
        self._desk = Desk(cap)  # a teacher's message waits for room under the daily cap

    def listing(self, course: str) -> list[CampaignLine]:
        with self._db.session() as session:
            return [self._line(session, c) for c in session.scalars(
                select(Campaign).join(CourseRow).where(CourseRow.slug == course)
                .order_by(Campaign.id.desc()))]

    def _line(self, session: Session, campaign: Campaign) -> CampaignLine:
        spec = CampaignSpec.model_validate(campaign.spec)
        return CampaignLine(campaign.id, campaign.name, campaign.status,
                            describe_audience(spec.audience), describe_schedule(spec.schedule),
                            len(spec.variants), spec.control_share,
                            admin.counts(session, campaign.id))

    def set_status(self, course: str, campaign_id: int, status: str) -> CampaignLine | None:
        """Pause, resume or cancel; None: no such campaign in this course. A cancelled
        campaign stays cancelled (admin.CampaignProblem says so)."""
        with self._db.session() as session:
            campaign = session.scalar(select(Campaign).join(CourseRow).where(
                Campaign.id == campaign_id, CourseRow.slug == course))
            if campaign is None:
                return None
            admin.set_status(session, campaign_id, status)
            session.commit()
            return self._line(session, campaign)

    def preview(self, spec: CampaignSpec, now: datetime) -> admin.Preview:
        with self._db.session() as session:
            return admin.preview(session, spec, now)

    def create(self, spec: CampaignSpec, author: str) -> int:
        with self._db.session() as session:
            campaign = admin.create(session, spec, author)
            session.commit()
            return campaign.id

    def report(self, course: str) -> list[admin.VariantReport]:
        with self._db.session() as session:
            return admin.report(session, course)

    def message(self, course: str, learner_id: int, text: str, key: str,
                now: datetime) -> datetime | bool | None:
        """A teacher's message to one learner of the course, through the outbox (after their
        quiet hours, once per `key`): when it goes out; None when they cannot be reached;
        False when the learner is not in the course."""
        with self._db.session() as session:
            enrolled = session.scalar(select(Enrollment.id).join(
                CourseRow, CourseRow.id == Enrollment.course_id).where(
                CourseRow.slug == course, Enrollment.learner_id == learner_id))
            if enrolled is None:
                return False
            due = self._desk.encourage(session, learner_id, text, key, now)
            session.commit()
            return due
