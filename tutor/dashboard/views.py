"""The dashboard pages' data, read in one session each: a class, a learner, the content.

Every function takes the course by its id and returns None for anything that is not in
that course, so the web layer answers 404 for another teacher's learner or alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tutor.content_report import (
    CardVerdicts,
    MissedQuestion,
    content_feedback,
    missed_questions,
)
from tutor.learner.adaptive import standing, standings
from tutor.learner.fitting import course_model
from tutor.learner.progress import active_per_day, activity_moments
from tutor.learner.reasons import in_words
from tutor.library import LibraryReport, import_folders
from tutor.overview import DAYS
from tutor.reports import AT_RISK, AtRisk, ClassState, UnansweredQuestion, unanswered_questions
from tutor.storage.database import Database
from tutor.storage.models import (
    Attempt,
    CardRow,
    CourseRow,
    Enrollment,
    LessonCompletion,
    LessonRow,
    Nudge,
    QuestionRow,
    RiskAlert,
    SkillRow,
    StudyGroup,
)
from tutor.turn import as_utc

__all__ = ["ALERT_ANSWERS", "AT_RISK", "DAYS", "AlertRow", "AudienceChoices", "ClassView",
           "ContentView", "LearnerRow", "LearnerView", "answer_alert", "audience_choices",
           "class_view", "content_view", "learner_view", "reimport"]

MOST_MISSED = 10  # questions on the content page
CAME_BACK = timedelta(hours=72)  # an intervention's outcome: active again within this


@dataclass(frozen=True)
class LearnerRow:
    id: int
    name: str
    mastery: dict[str, float]  # skill -> chance of a right answer; missing: not practised
    last_active: datetime | None
    risk: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AlertRow:
    id: int
    learner_id: int
    learner: str
    risk: float
    reasons: tuple[str, ...]
    raised_at: datetime
    status: str  # new, sent, encouraged, contacting, dismissed
    open: bool  # the risk is still over the line


@dataclass(frozen=True)
class ClassView:
    course: str
    title: str
    target: float
    skills: list[str]
    learners: list[LearnerRow]
    activity: list[tuple[date, int]]  # learners active each day, oldest first
    alerts: list[AlertRow]  # open ones first, newest first


def _course(session: Session, slug: str) -> CourseRow | None:
    return session.scalar(select(CourseRow).where(CourseRow.slug == slug))


def class_view(database: Database, course: str, now: datetime) -> ClassView | None:
    now = as_utc(now)
    state = ClassState.load(database, course, now)
    risks: dict[int, AtRisk] = {r.learner_id: r for r in state.at_risk()} if state else {}
    with database.session() as session:
        row = _course(session, course)
        if row is None:
            return None
        model = course_model(session, row)
        skills = list(session.scalars(select(SkillRow.slug).where(
            SkillRow.course_id == row.id, SkillRow.retired.is_(False)).order_by(SkillRow.slug)))
        moments = activity_moments(session, row.id, now - timedelta(days=DAYS))
        enrolled = session.execute(select(Enrollment.learner_id).where(
            Enrollment.course_id == row.id)).scalars().all()
        stood = standings(session, row.id, model)  # one query for the whole class
        learners = []
        for learner_id in enrolled:
            risk = risks.get(learner_id)
            seen = [as_utc(m) for m in moments.get(learner_id, [])]
            where = stood.get(learner_id)
            learners.append(LearnerRow(
                learner_id, risk.learner if risk else f"learner {learner_id}",
                where.mastery(model) if where else {},
                max(seen, default=None), risk.risk if risk else 0.0,
                risk.reasons if risk else ()))
        alerts = [_alert(a, risks) for a in session.scalars(
            select(RiskAlert).where(RiskAlert.course_id == row.id)
            .order_by(RiskAlert.raised_at.desc()).limit(200))]
        days = [now.date() - timedelta(days=d) for d in range(DAYS - 1, -1, -1)]
        return ClassView(course, row.title, row.target_success, skills,
                         sorted(learners, key=lambda r: -r.risk),
                         list(zip(days, active_per_day(moments, now.date(), DAYS),
                                  strict=True)),
                         sorted(alerts, key=lambda a: not a.open))


def _alert(alert: RiskAlert, risks: dict[int, AtRisk]) -> AlertRow:
    found = risks.get(alert.learner_id)
    return AlertRow(alert.id, alert.learner_id,
                    found.learner if found else f"learner {alert.learner_id}", alert.risk,
                    tuple(in_words(said) for said in alert.reasons), as_utc(alert.raised_at),
                    alert.status, alert.cleared_at is None)


@dataclass(frozen=True)
class AnswerRow:
    at: datetime
    question: str
    response: str
    correct: bool


@dataclass(frozen=True)
class NudgeRow:
    kind: str  # campaign, alert rules, a teacher's message...
    text: str
    due_at: datetime
    status: str
    came_back: bool | None  # active within 72 h of it; None: not sent, or too soon to say


@dataclass(frozen=True)
class LearnerView:
    id: int
    name: str
    course: str
    course_title: str
    lessons_done: int
    lessons: int
    mastery: dict[str, float]
    risk: float
    reasons: tuple[str, ...]
    answers: list[AnswerRow]  # newest first
    nudges: list[NudgeRow]  # newest first
    alerts: list[AlertRow]


def learner_view(database: Database, course: str, learner_id: int, now: datetime
                 ) -> LearnerView | None:
    """One enrolled learner of the course; None when they are not enrolled in it."""
    now = as_utc(now)
    with database.session() as session:
        row = _course(session, course)
        if row is None or session.scalar(select(Enrollment.id).where(
                Enrollment.course_id == row.id, Enrollment.learner_id == learner_id)) is None:
            return None
    state = ClassState.load(database, course, now)
    risk = state.of(learner_id) if state else None
    risks = {learner_id: risk} if risk else {}
    with database.session() as session:
        row = _course(session, course)
        assert row is not None
        model = course_model(session, row)
        lessons = session.scalars(select(LessonRow.id).where(
            LessonRow.course_id == row.id, LessonRow.retired.is_(False))).all()
        done = set(session.scalars(select(LessonCompletion.lesson_id).where(
            LessonCompletion.learner_id == learner_id,
            LessonCompletion.lesson_id.in_(lessons))))
        answers = [AnswerRow(as_utc(at), prompt, response, correct)
                   for at, prompt, response, correct in session.execute(
                       select(Attempt.answered_at, QuestionRow.prompt, Attempt.response,
                              Attempt.correct).join(QuestionRow)
                       .where(Attempt.learner_id == learner_id, Attempt.course_id == row.id)
                       .order_by(Attempt.answered_at.desc()).limit(20))]
        moments = sorted(as_utc(m) for m in activity_moments(
            session, row.id, now - timedelta(days=365), learner_id).get(learner_id, []))
        nudges = [_nudge(n, moments, now) for n in session.scalars(
            select(Nudge).where(Nudge.learner_id == learner_id)
            .order_by(Nudge.due_at.desc()).limit(20))]
        alerts = [_alert(a, risks) for a in session.scalars(select(RiskAlert).where(
            RiskAlert.course_id == row.id, RiskAlert.learner_id == learner_id)
            .order_by(RiskAlert.raised_at.desc()))]
        return LearnerView(learner_id, risk.learner if risk else f"learner {learner_id}",
                           course, row.title, len(done), len(lessons),
                           standing(session, learner_id, row.id, model).mastery(model),
                           risk.risk if risk else 0.0, risk.reasons if risk else (), answers,
                           nudges, alerts)


def _nudge(nudge: Nudge, moments: list[datetime], now: datetime) -> NudgeRow:
    sent = as_utc(nudge.sent_at) if nudge.sent_at else None
    came_back = None
    if sent is not None:
        back = any(sent < m <= sent + CAME_BACK for m in moments)
        came_back = True if back else (False if now >= sent + CAME_BACK else None)
    return NudgeRow(nudge.rule, nudge.text, as_utc(nudge.due_at), nudge.status, came_back)


@dataclass(frozen=True)
class LessonLine:
    title: str
    cards: int
    questions: int
    retired: bool


@dataclass(frozen=True)
class ContentView:
    course: str
    title: str
    source: str  # the folder the course was imported from
    lessons: list[LessonLine]
    feedback: Sequence[CardVerdicts]  # cards marked confusing, with their lesson's misses
    missed: list[tuple[str, str, MissedQuestion]]  # (lesson, prompt, how it went), worst first
    unanswered: Sequence[UnansweredQuestion]


def content_view(database: Database, course: str) -> ContentView | None:
    with database.session() as session:
        row = _course(session, course)
        if row is None:
            return None
        lessons = [LessonLine(lesson.title, _count(session, CardRow, lesson.id),
                              _count(session, QuestionRow, lesson.id), lesson.retired)
                   for lesson in session.scalars(select(LessonRow).where(
                       LessonRow.course_id == row.id).order_by(LessonRow.position))]
        title, source, course_id = row.title, row.source_path, row.id
        names = dict(session.execute(select(LessonRow.id, LessonRow.title).where(
            LessonRow.course_id == course_id)).all())
        prompts = dict(session.execute(select(QuestionRow.key, QuestionRow.prompt).where(
            QuestionRow.course_id == course_id)).all())
    missed = sorted(((names.get(lesson, ""), prompts.get(m.key, m.key), m)
                     for lesson, found in missed_questions(database, course_id).items()
                     for m in found), key=lambda x: (x[2].share_right, -x[2].answered))
    return ContentView(course, title, source, lessons, content_feedback(database, course),
                       missed[:MOST_MISSED], unanswered_questions(database, course))


def _count(session: Session, table: type[CardRow] | type[QuestionRow], lesson_id: int) -> int:
    return session.scalar(select(func.count()).select_from(table).where(
        table.lesson_id == lesson_id, table.retired.is_(False))) or 0


def reimport(database: Database, course: str) -> LibraryReport | None:
    """Import the course again from the folder it came from (a teacher edited it)."""
    with database.session() as session:
        row = _course(session, course)
        if row is None:
            return None
        folder = Path(row.source_path)
    return import_folders(database, [folder])


ALERT_ANSWERS = ("contacting", "dismissed")


def answer_alert(database: Database, course: str, alert_id: int, status: str, teacher: str,
                 now: datetime) -> bool:
    """A teacher's answer to an alert of the course: they contact the learner, or dismiss
    it; False when the course has no such alert."""
    if status not in ALERT_ANSWERS:
        raise ValueError(f"an alert is answered with one of {', '.join(ALERT_ANSWERS)}")
    with database.session() as session:
        alert = session.scalar(select(RiskAlert).join(CourseRow).where(
            RiskAlert.id == alert_id, CourseRow.slug == course))
        if alert is None:
            return False
        alert.status, alert.handled_by, alert.handled_at = status, teacher[:160], as_utc(now)
        session.commit()
    return True


@dataclass(frozen=True)
class AudienceChoices:
    """What the campaign form offers for the course: its skills and its study groups."""

    skills: list[str]
    groups: list[tuple[str, str]]  # (platform, group id)


def audience_choices(database: Database, course: str) -> AudienceChoices:
    with database.session() as session:
        row = _course(session, course)
        if row is None:
            return AudienceChoices([], [])
        skills = list(session.scalars(select(SkillRow.slug).where(
            SkillRow.course_id == row.id, SkillRow.retired.is_(False)).order_by(SkillRow.slug)))
        groups = [(p, g) for p, g in session.execute(
            select(StudyGroup.platform, StudyGroup.group_id).where(
                StudyGroup.course_id == row.id).distinct().order_by(StudyGroup.group_id))]
    return AudienceChoices(skills, groups)
