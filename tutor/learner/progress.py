"""A learner's progress in a course, derived from the attempt log: mastery per skill,
activity per local day, the daily streak and the weekly goal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tutor.learner.adaptive import standing
from tutor.learner.mastery import DEFAULT, KnowledgeModel
from tutor.learner.risk import WINDOW_DAYS
from tutor.preferences import DEFAULT_WEEKLY_GOAL, weekly_goal
from tutor.storage.models import (
    AskedQuestion,
    Attempt,
    CourseRow,
    Learner,
    LessonCompletion,
    LessonRow,
    SkillRow,
)
from tutor.timezones import zone
from tutor.turn import as_utc

__all__ = ["Progress", "active_per_day", "activity_moments", "current_streak", "daily_counts",
           "learner_progress"]

SHOWN_DAYS = 14


@dataclass(frozen=True)
class Progress:
    course: str
    mastery: dict[str, float]  # skill description -> P(right) now, for practised skills
    unpractised: tuple[str, ...]
    activity: tuple[int, ...]  # events per local day, the last 14, ending today
    streak: int
    answered: int
    lessons_done: int
    lessons: int
    week_active: int = 0  # active days this week (Monday to today, local time)
    weekly_goal: int = DEFAULT_WEEKLY_GOAL
    week_days_left: int = 0  # days after today before the week ends
    level: int = 1
    target: float = 0.8  # the course's target_success: what "mastered" means here
    today: date | None = None  # the learner's local date: the activity ends on it


def daily_counts(moments: Iterable[datetime], tz: tzinfo, today: date, days: int
                 ) -> list[int]:
    """Events per calendar day in the learner's own time zone, oldest first, ending today.

    Days are calendar dates after conversion, so a 23- or 25-hour day at a daylight-saving
    change is still one day, and an event stamped in the future (a skewed clock) is ignored.
    """
    counts = [0] * days
    for moment in moments:
        offset = (today - as_utc(moment).astimezone(tz).date()).days
        if 0 <= offset < days:
            counts[days - 1 - offset] += 1
    return counts


def active_per_day(moments: Mapping[int, Iterable[datetime]], today: date, days: int
                   ) -> list[int]:
    """Learners active on each UTC day, oldest first, ending today: a class's activity."""
    active = [0] * days
    for mine in moments.values():
        for day, count in enumerate(daily_counts(mine, UTC, today, days)):
            active[day] += count > 0
    return active


def activity_moments(session: Session, course_id: int, since: datetime,
                     learner_id: int | None = None, among: Select[int] | None = None
                     ) -> dict[int, list[datetime]]:
    """When each learner was active in a course: answers, finished lessons, questions asked;
    everyone's, one learner's, or those of `among` (a query of learner ids).

    The one definition of activity, shared by streaks, progress and the risk report.
    """
    sources = (
        select(Attempt.learner_id, Attempt.answered_at).where(
            Attempt.course_id == course_id, Attempt.answered_at >= since),
        select(LessonCompletion.learner_id, LessonCompletion.completed_at).join(LessonRow)
        .where(LessonRow.course_id == course_id, LessonCompletion.completed_at >= since),
        select(AskedQuestion.learner_id, AskedQuestion.asked_at).where(
            AskedQuestion.course_id == course_id, AskedQuestion.asked_at >= since),
    )
    moments: dict[int, list[datetime]] = defaultdict(list)
    for query in sources:
        if learner_id is not None:
            query = query.where(query.selected_columns[0] == learner_id)
        if among is not None:
            query = query.where(query.selected_columns[0].in_(among))
        for who, moment in session.execute(query):
            moments[who].append(moment)
    return moments


def current_streak(counts: list[int]) -> int:
    """Active days in a row up to today; a streak stays alive until today is over."""
    if not counts:
        return 0
    days = counts if counts[-1] else counts[:-1]
    streak = 0
    for count in reversed(days):
        if not count:
            break
        streak += 1
    return streak


def learner_progress(session: Session, learner: Learner, course: CourseRow, now: datetime,
                     model: KnowledgeModel = DEFAULT, level: int = 1) -> Progress:
    tz = zone(learner.timezone)
    today = as_utc(now).astimezone(tz).date()
    where = standing(session, learner.id, course.id, model)
    names = {slug: text for slug, text in session.execute(select(
        SkillRow.slug, SkillRow.description).where(SkillRow.course_id == course.id,
                                                   SkillRow.retired.is_(False)))}
    mastery = where.mastery(model)
    since = as_utc(now) - timedelta(days=WINDOW_DAYS + 1)
    moments = activity_moments(session, course.id, since, learner.id)[learner.id]
    window = daily_counts(moments, tz, today, WINDOW_DAYS)
    lessons = session.scalars(select(LessonRow.id).where(
        LessonRow.course_id == course.id, LessonRow.retired.is_(False))).all()
    done = session.scalars(select(LessonCompletion.lesson_id).where(
        LessonCompletion.learner_id == learner.id,
        LessonCompletion.lesson_id.in_(lessons))).all()
    return Progress(
        course=course.title,
        mastery={names.get(s, s): p for s, p in mastery.items() if s in names},
        unpractised=tuple(names[s] for s in sorted(names) if s not in mastery),
        activity=tuple(window[-SHOWN_DAYS:]), streak=current_streak(window),
        answered=where.answers,
        lessons_done=len(set(done)), lessons=len(lessons),
        week_active=sum(1 for c in window[-(today.weekday() + 1):] if c),
        weekly_goal=weekly_goal(learner), week_days_left=6 - today.weekday(), level=level,
        target=course.target_success, today=today)

