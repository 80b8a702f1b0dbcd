"""Campaigns for the command line: each call one transaction of `nudges.admin`, so the entry
point only reads arguments and prints (it never opens the database itself)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from nudges import admin
from nudges.campaign import CampaignSpec
from nudges.interventions import InterventionReport, interventions
from tutor.storage.database import Database
from tutor.storage.models import Campaign, utcnow

__all__ = ["CampaignBook", "Entry"]


@dataclass(frozen=True)
class Entry:
    id: int
    name: str
    status: str
    spec: CampaignSpec
    counts: dict[str, int]  # nudges by status
    preview: admin.Preview | None = None  # for an active campaign: audience and next send


class CampaignBook:
    """Raises `admin.CampaignProblem` for what the teacher should hear."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def create(self, spec: CampaignSpec, created_by: str) -> Entry:
        with self._db.session() as session:
            campaign = admin.create(session, spec, created_by)
            session.commit()
            return Entry(campaign.id, campaign.name, campaign.status, spec, {})

    def entries(self) -> list[Entry]:
        with self._db.session() as session:
            return [Entry(c.id, c.name, c.status, CampaignSpec.model_validate(c.spec),
                          admin.counts(session, c.id))
                    for c in session.scalars(select(Campaign).order_by(Campaign.id))]

    def entry(self, campaign_id: int) -> Entry:
        with self._db.session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None:
                raise admin.CampaignProblem(f"there is no campaign {campaign_id}")
            spec = CampaignSpec.model_validate(campaign.spec)
            found = admin.preview(session, spec, utcnow()) if campaign.status == "active" \
                else None
            return Entry(campaign.id, campaign.name, campaign.status, spec,
                         admin.counts(session, campaign.id), found)

    def set_status(self, campaign_id: int, status: str) -> None:
        with self._db.session() as session:
            admin.set_status(session, campaign_id, status)
            session.commit()

    def preview(self, spec: CampaignSpec) -> admin.Preview:
        with self._db.session() as session:
            return admin.preview(session, spec, utcnow())

    def report(self, course: str | None) -> list[admin.VariantReport]:
        with self._db.session() as session:
            return admin.report(session, course)

    def interventions(self, course: str | None) -> list[InterventionReport]:
        with self._db.session() as session:
            return interventions(session, course)
