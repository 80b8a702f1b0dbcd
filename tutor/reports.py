"""Reports for teachers, from storage."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, select

from tutor.grading import normalize
from tutor.learner.clusters import LearnerGroup, learner_groups
from tutor.learner.dropout import LOOK_BACK, Histories, course_risk
from tutor.learner.progress import current_streak
from tutor.learner.reasons import Said, in_words, reasons, typical_learner
from tutor.learner.risk import WINDOW_DAYS, RiskModel
from tutor.storage.database import Database
from tutor.storage.models import AskedQuestion, CourseRow
from tutor.turn import as_utc

__all__ = ["AT_RISK", "AtRisk", "ClassState", "UnansweredQuestion", "at_risk", "class_groups",
           "own_work_questions", "unanswered_questions"]


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
    said: tuple[Said, ...] = ()  # what raises the risk most, largest first
    learner_id: int = 0

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons in the language being spoken."""
        return tuple(in_words(said) for said in self.said)


@dataclass(frozen=True)
class ClassState:
    """A course's enrolled learners as the risk model reads them, as of one moment: read
    once, for the at-risk list and the learner groups alike."""

    model: RiskModel
    names: dict[int, str]
    counts: dict[int, list[int]]
    features: dict[int, np.ndarray]

    @classmethod
    def load(cls, database: Database, course: str, now: datetime,
             model: RiskModel | None = None) -> ClassState | None:
        with database.session() as session:
            course_row = session.scalar(select(CourseRow).where(CourseRow.slug == course))
            if course_row is None:
                return None
            model = model or course_risk(session, course_row)
            history = Histories.load(session, course_row.id, as_utc(now) - LOOK_BACK)
        found = {who: history.at(who, as_utc(now)) for who in history.learners}
        return cls(model, {who: history.learners[who].display_name for who in found},
                   {who: counts for who, (counts, _) in found.items()},
                   {who: model.features(*seen) for who, seen in found.items()})

    def risk(self, who: int) -> float:
        return self.model.risk_of(self.features[who])

    def at_risk(self) -> list[AtRisk]:
        """Every learner enrolled, the likeliest to drop out first, with the reasons."""
        typical = self._typical()
        return sorted((self._row(who, typical) for who in self.counts), key=lambda r: -r.risk)

    def of(self, who: int) -> AtRisk | None:
        """One learner's row, without working out everyone's reasons."""
        return self._row(who, self._typical()) if who in self.counts else None

    def rows(self, whos: Sequence[int]) -> Iterator[AtRisk]:
        """These learners' rows, one at a time (the class's typical learner worked out
        once); only the ones asked for have their reasons worked out."""
        if not whos:
            return
        typical = self._typical()
        for who in whos:
            yield self._row(who, typical)

    def _typical(self) -> np.ndarray:
        return typical_learner(self.model, [self.features[who] for who, counts
                                            in self.counts.items() if any(counts)])

    def _row(self, who: int, typical: np.ndarray) -> AtRisk:
        counts = self.counts[who]
        active = [i for i, c in enumerate(counts) if c]
        return AtRisk(self.names[who], self.risk(who),
                      WINDOW_DAYS - 1 - active[-1] if active else WINDOW_DAYS,
                      sum(1 for c in counts[-14:] if c), current_streak(counts),
                      tuple(r.said for r in reasons(self.model, self.features[who],
                                                    typical)), who)

    def groups(self) -> list[LearnerGroup]:
        """The typical learner groups (tutor.learner.clusters), largest first."""
        return learner_groups(self.counts, {who: self.risk(who) for who in self.counts})


def at_risk(database: Database, course: str, now: datetime,
            model: RiskModel | None = None) -> Sequence[AtRisk]:
    """Every learner enrolled in the course, the likeliest to drop out first."""
    found = ClassState.load(database, course, now, model)
    return found.at_risk() if found is not None else []


def class_groups(database: Database, course: str, now: datetime) -> list[LearnerGroup]:
    """The course's typical learner groups, largest first."""
    found = ClassState.load(database, course, now)
    return found.groups() if found is not None else []
