"""Teachers' campaign tools shared by the bots: who is a teacher, drafting a campaign from
a chat, and the report as text. (Synchronous; the bots call it from a worker thread.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from nudges import admin
from nudges.campaign import AUDIENCES, CampaignSpec, Variant, parse_schedule
from tutor import Database
from tutor.overview import class_overview
from tutor.reports import unanswered_questions
from tutor.storage.models import Campaign, CourseRow, Enrollment, utcnow

__all__ = ["NOT_A_TEACHER", "Draft", "campaigns_text", "change_status", "courses", "is_listed",
           "overview_image", "report_text"]

NOT_A_TEACHER = ("Campaigns are for teachers. If you teach this course, ask whoever runs "
                 "tutorbot to add you to TEACHERS.")


def is_listed(teachers: Sequence[str], platform: str, user_id: str) -> bool:
    return f"{platform}:{user_id}" in teachers


def courses(database: Database) -> list[tuple[str, str]]:
    with database.session() as session:
        return [(slug, title) for slug, title in session.execute(
            select(CourseRow.slug, CourseRow.title).order_by(CourseRow.title))]


@dataclass
class Draft:
    """A campaign being put together in a chat, one answer at a time."""

    course: str = ""
    audience: str = "everyone"
    schedule: str = ""
    text: str = ""

    def spec(self) -> CampaignSpec:
        return CampaignSpec(name=self.text[:40] or "Campaign", course=self.course,
                            audience=AUDIENCES[self.audience],
                            schedule=parse_schedule(self.schedule),
                            variants=[Variant(text=self.text)])

    def preview(self, database: Database) -> str:
        spec = self.spec()
        with database.session() as session:
            found = admin.preview(session, spec, utcnow())
        samples = "\n".join(f"• {s}" for s in found.samples) or "• (nobody to show yet)"
        return (f"**{found.audience}** learners now ({self.audience}); "
                f"{spec.control_share:.0%} held out as a control group.\n\n{samples}\n\n"
                f"Each time it is due, delivery takes about {found.finishes_in}.")

    def create(self, database: Database, created_by: str) -> int:
        with database.session() as session:
            campaign = admin.create(session, self.spec(), created_by)
            session.commit()
            return campaign.id


def campaigns_text(database: Database) -> str:
    with database.session() as session:
        rows = session.scalars(select(Campaign).order_by(Campaign.id)).all()
        lines = []
        for campaign in rows:
            found = admin.counts(session, campaign.id)
            lines.append(f"**{campaign.id}. {campaign.name}** ({campaign.status}): "
                         f"{found.get('sent', 0)} sent, {found.get('pending', 0)} waiting")
    return "\n".join(lines) or "No campaigns yet."


def report_text(database: Database) -> str:
    with database.session() as session:
        rows = admin.report(session)
    lines = ["📣 **Campaigns** (came back within 24 h; lift against the control group)"]
    for row in rows:
        lines.append(f"- {row.campaign} {row.variant}: {row.sent} sent, {row.failed} failed, "
                     f"{row.returned} back, {row.completed} completed"
                     + (f", lift {row.lift}" if row.lift else ""))
    if not rows:
        lines.append("No campaigns yet: /campaign creates one.")
    gaps = unanswered_questions(database)[:5]
    if gaps:
        lines.append("\n❓ **Asked, but not in the course**")
        lines += [f"- “{q.text[:80]}” ({q.times}×, {q.course})" for q in gaps]
    return "\n".join(lines)


def overview_image(database: Database, course: str | None, folder: Path) -> Path | None:
    """The class overview of a course: the one named, else the one with most learners."""
    if not course:
        with database.session() as session:
            course = session.scalar(select(CourseRow.slug).join(
                Enrollment, Enrollment.course_id == CourseRow.id).group_by(CourseRow.slug)
                .order_by(func.count().desc()).limit(1))
    if not course:
        return None
    return class_overview(database, course, utcnow(), folder / f"class-{course}.png")


def change_status(database: Database, words: str) -> str:
    """`pause 3`, `resume 3`, `cancel 3`: a teacher's command about a campaign."""
    parts = words.split()
    verbs = {"pause": "paused", "resume": "active", "cancel": "cancelled"}
    if len(parts) != 2 or parts[0] not in verbs or not parts[1].isdigit():
        return "Say `pause ID`, `resume ID` or `cancel ID` (the ids are in the list)."
    try:
        with database.session() as session:
            campaign = admin.set_status(session, int(parts[1]), verbs[parts[0]])
            session.commit()
            return f"Campaign {campaign.id} ({campaign.name}) is now {campaign.status}."
    except admin.CampaignProblem as problem:
        return f"Not changed: {problem}."
