"""Who a campaign reaches now: the enrolled learners that fit its audience, each with what
the message may say about them. Learners who paused reminders, or whose every identity is
unreachable (they blocked the bot), are never in an audience."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session

from nudges.campaign import Audience
from tutor.i18n import DEFAULT
from tutor.learner.adaptive import standing
from tutor.learner.clusters import learner_groups
from tutor.learner.dropout import Histories, LearnerInfo, course_risk
from tutor.learner.fitting import course_model
from tutor.learner.progress import current_streak
from tutor.learner.risk import Signals
from tutor.preferences import language, quiet_hours, reminders_on
from tutor.storage.models import (
    CourseRow,
    Enrollment,
    GroupPoints,
    Identity,
    Learner,
    LessonCompletion,
    LessonRow,
    ReviewCard,
)
from tutor.turn import as_utc

__all__ = ["CourseState", "Recipient", "enrolled_zones", "recipients"]

LOOK_BACK = timedelta(days=45)


@dataclass(frozen=True)
class Recipient:
    learner_id: int
    name: str
    timezone: str
    quiet: tuple[int, int]
    platform: str
    user_id: str
    due: int
    streak: int
    last_active: datetime | None
    next_lesson: str
    next_lesson_id: int | None
    preferences: dict[str, object]  # read only: shared with the run's learner rows
    language: str = DEFAULT  # the language to write to them in (tutor.i18n)


@dataclass
class CourseState:
    """What every audience of one course reads, loaded once per planning run."""

    history: Histories
    reachable: dict[int, tuple[str, str]]
    due: dict[int, int]
    lessons: list[tuple[int, str]]
    done: dict[int, set[int]]
    now: datetime | None = None
    # Each learner's daily counts and signals at `now`: every audience of the run reads them.
    _seen: dict[int, tuple[list[int], Signals]] = field(default_factory=dict)

    def at(self, learner_id: int, now: datetime) -> tuple[list[int], Signals]:
        if now != self.now:
            return self.history.at(learner_id, now)
        if learner_id not in self._seen:
            self._seen[learner_id] = self.history.at(learner_id, now)
        return self._seen[learner_id]

    @classmethod
    def load(cls, session: Session, course: CourseRow, now: datetime,
             learners: Select[int] | None = None) -> CourseState:
        """Everyone enrolled, or those of `learners` (a query of learner ids)."""
        def among(column: Any) -> ColumnElement[bool]:
            return column.in_(learners) if learners is not None else true()

        due = {learner: count for learner, count in session.execute(
            select(ReviewCard.learner_id, func.count()).where(
                ReviewCard.course_id == course.id, ReviewCard.due <= now,
                among(ReviewCard.learner_id))
            .group_by(ReviewCard.learner_id))}
        lessons = [(lesson_id, title) for lesson_id, title in session.execute(
            select(LessonRow.id, LessonRow.title).where(
                LessonRow.course_id == course.id, LessonRow.retired.is_(False))
            .order_by(LessonRow.position))]
        done: dict[int, set[int]] = defaultdict(set)
        for learner_id, lesson_id in session.execute(select(
                LessonCompletion.learner_id, LessonCompletion.lesson_id).join(LessonRow).where(
                LessonRow.course_id == course.id, among(LessonCompletion.learner_id))):
            done[learner_id].add(lesson_id)
        return cls(Histories.load(session, course.id, now - LOOK_BACK, among=learners),
                   _reachable(session, course.id, among(Identity.learner_id)), due, lessons,
                   done, now)


def recipients(session: Session, course: CourseRow, audience: Audience, now: datetime,
               state: CourseState | None = None,
               only: Callable[[LearnerInfo], bool] | None = None) -> list[Recipient]:
    """The learners that fit the audience and each of its `also` audiences; of those `only`
    keeps (the planner: whose local time has a nudge due), asked before anything else."""
    state = state or CourseState.load(session, course, now)
    found = _fitting(session, course, audience, now, state, only)
    for further in audience.also:
        keep = {who.learner_id for who in recipients(session, course, further, now, state,
                                                     only)}
        found = [who for who in found if who.learner_id in keep]
    return found


def enrolled_zones(session: Session, course: CourseRow) -> list[str]:
    """The time zones the course's learners live in."""
    return list(session.scalars(select(Learner.timezone).join(
        Enrollment, Enrollment.learner_id == Learner.id).where(
        Enrollment.course_id == course.id).distinct()))


def _fitting(session: Session, course: CourseRow, audience: Audience, now: datetime,
             state: CourseState, only: Callable[[LearnerInfo], bool] | None
             ) -> list[Recipient]:
    history, reachable, due = state.history, state.reachable, state.due
    lessons, done = state.lessons, state.done
    # Read once for the whole audience, not per learner.
    risk_model = course_risk(session, course) if audience.kind == "risk_above" else None
    mastery_model = course_model(session, course) if audience.kind == "mastery_below" else None
    members = set(session.scalars(select(GroupPoints.learner_id).where(
        GroupPoints.platform == audience.platform, GroupPoints.group_id == audience.group))) \
        if audience.kind == "group" else set()
    if audience.kind == "cluster":
        members = _cluster(session, course, state, audience.cluster or "", now)
    found = []
    for learner_id, learner in history.learners.items():
        if (only is not None and not only(learner)) or learner_id not in reachable \
                or not reminders_on(learner.preferences):
            continue
        counts, signals = state.at(learner_id, now)
        moments = history.moments.get(learner_id, [])
        last = max((as_utc(m) for m in moments), default=None)
        streak = current_streak(counts)
        if audience.kind == "mastery_below":
            assert mastery_model is not None
            mastery = standing(session, learner_id, course.id, mastery_model) \
                .mastery(mastery_model)
            if not (audience.skill in mastery and mastery[audience.skill] < audience.below):
                continue
        elif not _fits(audience, learner_id in members, counts, streak, last,
                       due.get(learner_id, 0), now,
                       risk_model.risk(counts, signals) if risk_model else 0.0):
            continue
        platform, user_id = reachable[learner_id]
        upcoming = next(((lesson_id, title) for lesson_id, title in lessons
                         if lesson_id not in done[learner_id]),
                        (lessons[0][0], lessons[0][1]) if lessons else (None, ""))
        found.append(Recipient(learner_id, learner.display_name, learner.timezone,
                               quiet_hours(learner.preferences), platform, user_id,
                               due.get(learner_id, 0), streak, last, upcoming[1], upcoming[0],
                               learner.preferences, language(learner)))
    return found


def _cluster(session: Session, course: CourseRow, state: CourseState, name: str,
             now: datetime) -> set[int]:
    """The members of the course's typical learner group of that name."""
    model = course_risk(session, course)
    found = {who: state.at(who, now) for who in state.history.learners}
    groups = learner_groups({who: counts for who, (counts, _) in found.items()},
                            {who: model.risk(*seen) for who, seen in found.items()})
    return next((set(g.members) for g in groups if g.name == name.strip().lower()), set())


def _reachable(session: Session, course_id: int, among: ColumnElement[bool]
               ) -> dict[int, tuple[str, str]]:
    """Each enrolled learner's newest reachable identity."""
    rows = session.execute(select(Identity.learner_id, Identity.platform,
                                  Identity.platform_user_id).join(
        Enrollment, Enrollment.learner_id == Identity.learner_id).where(
        Enrollment.course_id == course_id, Identity.unreachable_since.is_(None), among)
        .order_by(Identity.id)).all()
    return {learner: (platform, user) for learner, platform, user in rows}


def _fits(audience: Audience, member: bool, counts: list[int], streak: int,
          last: datetime | None, due: int, now: datetime, risk: float) -> bool:
    kind = audience.kind
    if kind == "enrolled":
        return True
    if kind == "not_started":
        return last is None
    if kind == "inactive":
        return last is not None and now - last >= timedelta(days=audience.days)
    if kind == "reviews_due":
        return due >= audience.reviews
    if kind == "streak_at_risk":
        return streak >= 2 and not counts[-1]  # a streak alive only until today ends
    if kind == "risk_above":
        return risk > audience.above
    if kind in ("group", "cluster"):  # played in the group's quizzes; in the learner group
        return member
    return False
