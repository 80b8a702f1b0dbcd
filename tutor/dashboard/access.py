"""Sign-in without passwords, and which courses a teacher sees.

A teacher asks for a link (`/dashboard` in a chat, or `tutorbot web login-link`); the link
holds a random token, of which only the hash is stored, good for 15 minutes and one use.
Who sees what: everyone in TEACHERS sees every course (they run the place); anyone else
sees the courses listed for them in `course_teachers` (an admin adds them, and a Discord
server's teachers are added for the courses their server studies when they ask for a link).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tutor.storage.database import Database
from tutor.storage.models import CourseRow, CourseTeacher, LoginLink, StudyGroup
from tutor.turn import as_utc

__all__ = ["LINKS_PER_WINDOW", "LINK_LIFETIME", "Access", "CourseGrant", "TooManyLinks"]

LINK_LIFETIME = timedelta(minutes=15)
LINKS_PER_WINDOW = 5  # links one teacher may ask for within LINK_LIFETIME


class TooManyLinks(Exception):
    """Said to the teacher: how long until they may ask again."""


@dataclass(frozen=True)
class CourseGrant:
    course: str
    teacher: str
    added_by: str
    added_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Access:
    """Each method works in the session it is given (a chat turn's, which holds SQLite's
    write lock), or in one of its own, committed at the end."""

    def __init__(self, database: Database, admins: Iterable[str]) -> None:
        self._db = database
        self.admins = frozenset(admins)

    @contextmanager
    def _session(self, given: Session | None) -> Iterator[Session]:
        if given is not None:
            yield given
            given.flush()
            return
        with self._db.session() as session:
            yield session
            session.commit()

    # -- links -------------------------------------------------------------------------

    def issue_link(self, teacher: str, now: datetime, session: Session | None = None) -> str:
        """A new one-time token for `teacher`; TooManyLinks past LINKS_PER_WINDOW."""
        now = as_utc(now)
        with self._session(session) as session:
            recent = session.scalars(select(LoginLink.created_at).where(
                LoginLink.teacher == teacher, LoginLink.created_at > now - LINK_LIFETIME)
                .order_by(LoginLink.created_at)).all()
            if len(recent) >= LINKS_PER_WINDOW:
                wait = as_utc(recent[0]) + LINK_LIFETIME - now
                raise TooManyLinks(f"{len(recent)} sign-in links in the last "
                                   f"{LINK_LIFETIME.seconds // 60} minutes; ask again in "
                                   f"{max(1, round(wait.total_seconds() / 60))} min")
            token = secrets.token_urlsafe(32)
            session.add(LoginLink(token_hash=_hash(token), teacher=teacher, created_at=now,
                                  expires_at=now + LINK_LIFETIME))
        return token

    def redeem(self, token: str, now: datetime) -> str | None:
        """The teacher a link signs in, spending it; None when it is unknown, used or late.
        One conditional UPDATE: two processes redeeming at once cannot both succeed."""
        now = as_utc(now)
        with self._db.session() as session:
            spent = session.execute(
                update(LoginLink).where(LoginLink.token_hash == _hash(token),
                                        LoginLink.used_at.is_(None),
                                        LoginLink.expires_at > now)
                .values(used_at=now).returning(LoginLink.teacher)).scalar_one_or_none()
            session.commit()
        return spent

    # -- courses ---------------------------------------------------------------------

    def may_sign_in(self, teacher: str, session: Session | None = None) -> bool:
        if teacher in self.admins:
            return True
        with self._session(session) as session:
            return bool(session.scalar(select(func.count()).select_from(CourseTeacher)
                                       .where(CourseTeacher.teacher == teacher)))

    def courses(self, teacher: str) -> list[tuple[str, str]]:
        """(slug, title) of the courses `teacher` sees, by title."""
        query = select(CourseRow.slug, CourseRow.title).order_by(CourseRow.title)
        if teacher not in self.admins:
            query = query.where(CourseRow.id.in_(select(CourseTeacher.course_id).where(
                CourseTeacher.teacher == teacher)))
        with self._db.session() as session:
            return [(slug, title) for slug, title in session.execute(query)]

    def grant(self, course: str, teacher: str, added_by: str, now: datetime,
              session: Session | None = None) -> bool:
        """List `teacher` for `course`; False when already listed. KeyError: no course."""
        with self._session(session) as session:
            course_id = session.scalar(select(CourseRow.id).where(CourseRow.slug == course))
            if course_id is None:
                raise KeyError(course)
            if session.scalar(select(CourseTeacher.id).where(
                    CourseTeacher.course_id == course_id, CourseTeacher.teacher == teacher)):
                return False
            session.add(CourseTeacher(course_id=course_id, teacher=teacher,
                                      added_by=added_by[:160], added_at=as_utc(now)))
        return True

    def revoke(self, course: str, teacher: str) -> bool:
        with self._db.session() as session:
            row = session.scalar(select(CourseTeacher).join(CourseRow).where(
                CourseRow.slug == course, CourseTeacher.teacher == teacher))
            if row is None:
                return False
            session.delete(row)
            session.commit()
        return True

    def grants(self, course: str | None = None) -> Sequence[CourseGrant]:
        query = (select(CourseRow.slug, CourseTeacher.teacher, CourseTeacher.added_by,
                        CourseTeacher.added_at).join(CourseRow)
                 .order_by(CourseRow.slug, CourseTeacher.teacher))
        if course is not None:
            query = query.where(CourseRow.slug == course)
        with self._db.session() as session:
            return [CourseGrant(*row) for row in session.execute(query)]

    def grant_server(self, platform: str, group: str, teacher: str, now: datetime,
                     session: Session | None = None) -> None:
        """A server's teacher (the platform vouches) teaches the courses the server studies."""
        with self._session(session) as session:
            slugs = session.scalars(select(CourseRow.slug).join(
                StudyGroup, StudyGroup.course_id == CourseRow.id).where(
                StudyGroup.platform == platform, StudyGroup.group_id == group)).all()
            for slug in set(slugs):
                self.grant(slug, teacher, f"{platform} server {group}", now, session)
