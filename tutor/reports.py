"""Reports for teachers, from storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from tutor.grading import normalize
from tutor.learner.dropout import LOOK_BACK, Histories, course_risk
from tutor.learner.progress import current_streak
from tutor.learner.reasons import reasons, typical_learner
from tutor.learner.risk import WINDOW_DAYS, RiskModel
from tutor.storage.database import Database
from tutor.storage.models import AskedQuestion, CourseRow
from tutor.turn import as_utc

__all__ = ["AT_RISK", "AtRisk", "UnansweredQuestion", "at_risk", "own_work_questions",
           "unanswered_questions"]


NO_GAP = ("own_work", "elsewhere")  # declined, but not for want of course content


@dataclass(frozen=True)
class UnansweredQuestion:
    text: str
    course: str
    times: int
    learners: int
    last_asked: datetime
    closest: str


def unanswered_questions(database: Database, course: str | None = None
                         ) -> Sequence[UnansweredQuestion]:
    """Declined questions, the same question asked again counted once: the course's gaps.
    Questions about a learner's own work, and those another course covers, are no gap in
    the courses and are left out."""
    query = (select(AskedQuestion, CourseRow.slug)
             .join(CourseRow, AskedQuestion.course_id == CourseRow.id, isouter=True)
             .where(AskedQuestion.answered.is_(False), AskedQuestion.engine.not_in(NO_GAP))
             .order_by(AskedQuestion.asked_at))
    if course is not None:
        query = query.where(CourseRow.slug == course)
    groups: dict[tuple[str, str], list[AskedQuestion]] = {}
    with database.session() as session:
        for row, slug in session.execute(query):
            groups.setdefault((slug or "-", normalize(row.text)), []).append(row)
    found = [UnansweredQuestion(text=rows[-1].text, course=slug, times=len(rows),
                                learners=len({r.learner_id for r in rows}),
                                last_asked=rows[-1].asked_at, closest=rows[-1].closest)
             for (slug, _), rows in groups.items()]
    return sorted(found, key=lambda q: (-q.times, q.text))


def own_work_questions(database: Database, course: str | None = None) -> int:
    """Questions about learners' own work the course had nothing for: counted apart from
    the gaps, for the teacher who can see the work."""
    query = (select(func.count()).select_from(AskedQuestion)
             .join(CourseRow, AskedQuestion.course_id == CourseRow.id, isouter=True)
             .where(AskedQuestion.engine == "own_work"))
    if course is not None:
        query = query.where(CourseRow.slug == course)
    with database.session() as session:
        return session.scalar(query) or 0


AT_RISK = 0.5  # /report lists learners more likely than not to drop out


@dataclass(frozen=True)
class AtRisk:
    learner: str
    risk: float
    days_inactive: int
    active_days_14: int
    streak: int
    reasons: tuple[str, ...] = ()  # what raises the risk most, in words, largest first


def at_risk(database: Database, course: str, now: datetime,
            model: RiskModel | None = None) -> Sequence[AtRisk]:
    """Every learner enrolled in the course, the likeliest to drop out first."""
    since = as_utc(now) - LOOK_BACK
    with database.session() as session:
        course_row = session.scalar(select(CourseRow).where(CourseRow.slug == course))
        if course_row is None:
            return []
        model = model or course_risk(session, course_row)
        history = Histories.load(session, course_row.id, since)
        found = {who: history.at(who, as_utc(now)) for who in history.learners}
    features = {who: model.features(*seen) for who, seen in found.items()}
    typical = typical_learner(model, [features[who] for who, (counts, _) in found.items()
                                      if any(counts)])
    rows = []
    for who, (counts, _) in found.items():
        active = [i for i, c in enumerate(counts) if c]
        rows.append(AtRisk(history.learners[who].display_name, model.risk_of(features[who]),
                           WINDOW_DAYS - 1 - active[-1] if active else WINDOW_DAYS,
                           sum(1 for c in counts[-14:] if c), current_streak(counts),
                           tuple(r.words for r in reasons(model, features[who], typical))))
    return sorted(rows, key=lambda r: -r.risk)
