"""Study groups: the course a group's channel studies, its time zone, and the weekly points
of its quizzes (in sessions of the core's turns: see `tutor.flows.study_groups`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.preferences import listed_on_leaderboards
from tutor.storage.models import CourseRow, GroupPoints, Learner, StudyGroup
from tutor.timezones import zone

__all__ = ["SERVER", "Standing", "award", "group_row", "group_timezone", "leaderboard",
           "linked_course", "week_start"]

SERVER = ""  # the channel id of a group's server-wide row


def week_start(moment: datetime, timezone: str) -> date:
    """The Monday of the week `moment` falls in, in the group's own time zone."""
    local = moment.astimezone(zone(timezone)).date()
    return local - timedelta(days=local.weekday())


def linked_course(session: Session, platform: str, group: str, channel: str
                  ) -> CourseRow | None:
    """The course a channel studies, else its server's (a teacher links them)."""
    for where in (channel, SERVER):
        found = session.scalar(select(CourseRow).join(
            StudyGroup, StudyGroup.course_id == CourseRow.id).where(
            StudyGroup.platform == platform, StudyGroup.group_id == group,
            StudyGroup.channel_id == where))
        if found is not None:
            return found
    return None


def group_timezone(session: Session, platform: str, group: str) -> str:
    found = session.scalar(select(StudyGroup.timezone).where(
        StudyGroup.platform == platform, StudyGroup.group_id == group,
        StudyGroup.channel_id == SERVER))
    return found or "UTC"


def award(session: Session, platform: str, group: str, learner_id: int, points: int,
          at: datetime) -> None:
    """Points towards the group's weekly leaderboard (weeks in the group's time zone)."""
    week = week_start(at, group_timezone(session, platform, group))
    row = session.scalar(select(GroupPoints).where(
        GroupPoints.platform == platform, GroupPoints.group_id == group,
        GroupPoints.learner_id == learner_id, GroupPoints.week_start == week))
    if row is None:
        row = GroupPoints(platform=platform, group_id=group, learner_id=learner_id,
                          week_start=week, points=0)
        session.add(row)
    row.points += points


@dataclass(frozen=True)
class Standing:
    name: str
    points: int


def group_row(session: Session, platform: str, group: str, channel: str) -> StudyGroup:
    row = session.scalar(select(StudyGroup).where(
        StudyGroup.platform == platform, StudyGroup.group_id == group,
        StudyGroup.channel_id == channel))
    if row is None:
        row = StudyGroup(platform=platform, group_id=group, channel_id=channel,
                         timezone="UTC")
        session.add(row)
    return row


def leaderboard(session: Session, platform: str, group: str, at: datetime, limit: int = 10
                ) -> list[Standing]:
    """This week's points, best first; learners who opted out are left off."""
    week = week_start(at, group_timezone(session, platform, group))
    rows = session.execute(select(Learner, GroupPoints.points).join(
        GroupPoints, GroupPoints.learner_id == Learner.id).where(
        GroupPoints.platform == platform, GroupPoints.group_id == group,
        GroupPoints.week_start == week, GroupPoints.points > 0)
        .order_by(GroupPoints.points.desc(), Learner.display_name)).all()
    return [Standing(learner.display_name, points) for learner, points in rows
            if listed_on_leaderboards(learner)][:limit]
