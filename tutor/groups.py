"""Study groups: the course a group's channel studies, its time zone, and the weekly points
of its quizzes. Synchronous, like `Tutor.handle`; the adapters call it from a thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.messages import Identity
from tutor.preferences import listed_on_leaderboards, update
from tutor.storage.database import Database
from tutor.storage.models import CourseRow, GroupPoints, Learner, StudyGroup
from tutor.storage.models import Identity as IdentityRow
from tutor.timezones import zone

__all__ = ["GroupStore", "Standing", "award", "linked_course", "week_start"]

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


class GroupStore:
    def __init__(self, database: Database, platform: str) -> None:
        self._db = database
        self.platform = platform

    def _row(self, session: Session, group: str, channel: str) -> StudyGroup:
        row = session.scalar(select(StudyGroup).where(
            StudyGroup.platform == self.platform, StudyGroup.group_id == group,
            StudyGroup.channel_id == channel))
        if row is None:
            row = StudyGroup(platform=self.platform, group_id=group, channel_id=channel,
                             timezone="UTC")
            session.add(row)
        return row

    def set_course(self, group: str, channel: str, slug: str) -> str | None:
        """Link a channel to a course; the course's title, or None when there is no such."""
        with self._db.session() as session:
            course = session.scalar(select(CourseRow).where(CourseRow.slug == slug.lower()))
            if course is None:
                return None
            self._row(session, group, channel).course_id = course.id
            session.commit()
            return course.title

    def course(self, group: str, channel: str) -> str | None:
        """The channel's course, else the server's."""
        with self._db.session() as session:
            found = linked_course(session, self.platform, group, channel)
            return found.slug if found is not None else None

    def set_timezone(self, group: str, timezone: str) -> None:
        with self._db.session() as session:
            self._row(session, group, SERVER).timezone = timezone
            session.commit()

    def timezone(self, group: str) -> str:
        with self._db.session() as session:
            return group_timezone(session, self.platform, group)

    def leaderboard(self, group: str, at: datetime, limit: int = 10) -> list[Standing]:
        """This week's points, best first; learners who opted out are left off."""
        week = week_start(at, self.timezone(group))
        with self._db.session() as session:
            rows = session.execute(select(Learner, GroupPoints.points).join(
                GroupPoints, GroupPoints.learner_id == Learner.id).where(
                GroupPoints.platform == self.platform, GroupPoints.group_id == group,
                GroupPoints.week_start == week, GroupPoints.points > 0)
                .order_by(GroupPoints.points.desc(), Learner.display_name)).all()
            return [Standing(learner.display_name, points) for learner, points in rows
                    if listed_on_leaderboards(learner)][:limit]

    def set_listed(self, identity: Identity, listed: bool) -> bool:
        """Opt a learner in or out of leaderboards; False when we do not know them yet."""
        with self._db.session() as session:
            learner_id = self._learner(session, identity)
            learner = session.get(Learner, learner_id) if learner_id else None
            if learner is None:
                return False
            update(learner, leaderboard=listed)
            session.commit()
            return True

    def _learner(self, session: Session, identity: Identity) -> int | None:
        return session.scalar(select(IdentityRow.learner_id).where(
            IdentityRow.platform == identity.platform,
            IdentityRow.platform_user_id == identity.user_id))
