"""A learner's progress in a course, derived from the attempt log: mastery per skill,
activity per local day, the daily streak, and the risk of dropping out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.learner.mastery import DEFAULT, KnowledgeModel, Trace
from tutor.learner.risk import WINDOW_DAYS, RiskModel
from tutor.storage.models import (
    AskedQuestion,
    Attempt,
    CourseRow,
    Learner,
    LessonCompletion,
    LessonRow,
    QuestionRow,
    SkillRow,
)
from tutor.turn import as_utc

__all__ = ["Progress", "activity_moments", "current_streak", "daily_counts",
           "learner_progress", "zone"]

SHOWN_DAYS = 14


@dataclass(frozen=True)
class Progress:
    course: str
    mastery: dict[str, float]  # skill description -> P(right) now, for practised skills
    unpractised: tuple[str, ...]
    activity: tuple[int, ...]  # events per local day, the last 14, ending today
    streak: int
    risk: float  # for teachers and nudges, not shown to the learner
    answered: int
    lessons_done: int
    lessons: int


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def daily_counts(moments: Iterable[datetime], tz: ZoneInfo, today: date, days: int
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


def activity_moments(session: Session, course_id: int, since: datetime,
                     learner_id: int | None = None) -> dict[int, list[datetime]]:
    """When each learner was active in a course: answers, finished lessons, questions asked.

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
        for who, moment in session.execute(query):
            moments[who].append(moment)
    return moments


def current_streak(counts: list[int]) -> int:
    """Active days in a row up to today; a streak stays alive until today is over."""
    days = counts if counts[-1] else counts[:-1]
    streak = 0
    for count in reversed(days):
        if not count:
            break
        streak += 1
    return streak


def learner_progress(session: Session, learner: Learner, course: CourseRow, now: datetime,
                     model: KnowledgeModel = DEFAULT, risk: RiskModel | None = None
                     ) -> Progress:
    tz = zone(learner.timezone)
    today = as_utc(now).astimezone(tz).date()
    attempts = session.execute(
        select(Attempt.answered_at, Attempt.correct, QuestionRow.skills)
        .join(QuestionRow, Attempt.question_id == QuestionRow.id)
        .where(Attempt.learner_id == learner.id, Attempt.course_id == course.id)
        .order_by(Attempt.answered_at, Attempt.id)).all()
    names = {slug: text for slug, text in session.execute(select(
        SkillRow.slug, SkillRow.description).where(SkillRow.course_id == course.id,
                                                   SkillRow.retired.is_(False)))}
    mastery = _mastery(((skills, correct) for _, correct, skills in attempts), model)
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
        risk=(risk or RiskModel.prior()).risk(window), answered=len(attempts),
        lessons_done=len(set(done)), lessons=len(lessons))


def _mastery(answers: Iterable[tuple[list[str], bool]], model: KnowledgeModel
             ) -> dict[str, float]:
    on_skill: dict[str, Trace] = {}
    overall = Trace()
    for skills, correct in answers:
        for skill in skills:
            on_skill[skill] = model.after(on_skill.get(skill, Trace()), correct)
        overall = model.after(overall, correct)
    return {skill: model.probability(skill, trace, overall) for skill, trace in on_skill.items()}
