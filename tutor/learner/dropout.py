"""Risk of dropping out in one course: the signals from our own logs, and the model in use.

`tutorbot model fit` fits the risk model on the course's own history when it is long enough:
at weekly cut-off dates, every learner active in the 30 days before is an example, labelled
dropped when they did nothing in the HORIZON_DAYS after. Until there are MIN_EXAMPLES such
examples with MIN_EACH of each outcome, the shipped prior (KDD Cup 2015) serves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tutor.learner.fitting import fitted_parameters, store_fitted
from tutor.learner.progress import activity_moments, current_streak, daily_counts
from tutor.learner.risk import WINDOW_DAYS, RiskModel, Signals
from tutor.storage.models import (
    Attempt,
    CourseRow,
    Enrollment,
    Learner,
    Nudge,
)
from tutor.timezones import zone
from tutor.turn import as_utc

__all__ = ["HORIZON_DAYS", "LOOK_BACK", "MIN_EACH", "MIN_EXAMPLES", "Histories", "LearnerInfo",
           "RiskFit",
           "course_risk", "fit_risk", "learner_risk", "streak_broken"]

KIND = "risk"
HORIZON_DAYS = 14
CUTOFFS = 8  # weekly, the newest HORIZON_DAYS before now
MIN_EXAMPLES = 200
MIN_EACH = 20
LOOK_BACK = timedelta(days=WINDOW_DAYS + 15)  # the activity window, and 14 days of answers


def streak_broken(counts: Sequence[int]) -> float:
    """1.0 when a run of two or more active days ended within the last week, and no new
    streak has started since (today, still open, does not break anything)."""
    if current_streak(list(counts)):
        return 0.0
    days = list(counts[:-1])
    while days and not days[-1]:
        days.pop()
    gap = len(counts) - 1 - len(days)
    run = 0
    while days and days[-1]:
        run += 1
        days.pop()
    return 1.0 if run >= 2 and gap <= 7 else 0.0


def _trend(answers: Iterable[tuple[datetime, bool]], at: datetime) -> float:
    recent = [c for t, c in answers if at - timedelta(days=7) <= t < at]
    before = [c for t, c in answers if at - timedelta(days=14) <= t < at - timedelta(days=7)]
    if not recent or not before:
        return 0.0
    return sum(recent) / len(recent) - sum(before) / len(before)


class LearnerInfo(NamedTuple):
    """What reports and nudges read of a learner: rows, not ORM objects (cheap by 100,000)."""

    id: int
    display_name: str
    timezone: str
    preferences: dict[str, Any]
    language: str  # as their app last reported it (see tutor.preferences.language)


@dataclass
class Histories:
    """A course's activity and answers per learner since a date, read once."""

    learners: dict[int, LearnerInfo]
    moments: dict[int, list[datetime]]
    answers: dict[int, list[tuple[datetime, bool]]]
    nudged: dict[int, list[datetime]] = field(default_factory=dict)  # when nudges went out

    @classmethod
    def load(cls, session: Session, course_id: int, since: datetime,
             learner_id: int | None = None, among: Select[int] | None = None
             ) -> Histories:
        """Everyone enrolled in the course, one learner, or those of `among` (a query of
        learner ids)."""
        enrolled = select(Learner.id, Learner.display_name, Learner.timezone,
                          Learner.preferences, Learner.language).join(
            Enrollment, Enrollment.learner_id == Learner.id).where(
            Enrollment.course_id == course_id)
        answered = select(Attempt.learner_id, Attempt.answered_at, Attempt.correct).where(
            Attempt.course_id == course_id, Attempt.answered_at >= since)
        if learner_id is not None:
            enrolled = enrolled.where(Learner.id == learner_id)
            answered = answered.where(Attempt.learner_id == learner_id)
        if among is not None:
            enrolled = enrolled.where(Learner.id.in_(among))
            answered = answered.where(Attempt.learner_id.in_(among))
        learners = {row[0]: LearnerInfo(*row) for row in session.execute(enrolled)}
        answers: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
        for who, moment, correct in session.execute(answered):
            answers[who].append((as_utc(moment), bool(correct)))
        sent = select(Nudge.learner_id, Nudge.sent_at).where(
            Nudge.status == "sent", Nudge.sent_at >= since)
        if learner_id is not None:
            sent = sent.where(Nudge.learner_id == learner_id)
        if among is not None:
            sent = sent.where(Nudge.learner_id.in_(among))
        nudged: dict[int, list[datetime]] = defaultdict(list)
        for who, sent_at in session.execute(sent):
            if sent_at is not None:
                nudged[who].append(as_utc(sent_at))
        return cls(learners, activity_moments(session, course_id, since, learner_id, among),
                   answers, nudged)

    def at(self, learner_id: int, moment: datetime) -> tuple[list[int], Signals]:
        """Daily counts up to `moment` (its local day last) and the signals then."""
        tz = zone(self.learners[learner_id].timezone)
        counts = daily_counts([m for m in self.moments.get(learner_id, [])
                               if as_utc(m) <= moment], tz,
                              as_utc(moment).astimezone(tz).date(), WINDOW_DAYS)
        return counts, Signals(accuracy_trend=_trend(self.answers.get(learner_id, []), moment),
                               streak_broken=streak_broken(counts),
                               nudges_ignored=self._ignored(learner_id, as_utc(moment)))

    def _ignored(self, learner_id: int, moment: datetime) -> float:
        """Nudges of the last 14 days whose 24 hours passed with no activity at all."""
        active = [as_utc(m) for m in self.moments.get(learner_id, [])]
        return float(sum(
            1 for sent in self.nudged.get(learner_id, [])
            if moment - timedelta(days=14) <= sent <= moment - timedelta(days=1)
            and not any(sent < m <= sent + timedelta(days=1) for m in active)))


def learner_risk(session: Session, learner_id: int, course: CourseRow, now: datetime
                 ) -> float:
    """One learner's risk of dropping out of the course, for nudges and reports."""
    history = Histories.load(session, course.id, as_utc(now) - LOOK_BACK, learner_id)
    if learner_id not in history.learners:
        return 0.0  # not enrolled: nothing to drop out of
    return course_risk(session, course).risk(*history.at(learner_id, as_utc(now)))


def course_risk(session: Session, course: CourseRow) -> RiskModel:
    parameters = fitted_parameters(session, course, KIND)
    return RiskModel.from_json(parameters) if parameters is not None else RiskModel.prior()


@dataclass(frozen=True)
class RiskFit:
    examples: int
    dropped: int
    fitted: bool
    reason: str = ""


def fit_risk(session: Session, course: CourseRow, now: datetime, *,
             min_examples: int = MIN_EXAMPLES) -> RiskFit:
    newest = as_utc(now) - timedelta(days=HORIZON_DAYS)
    cutoffs = [newest - timedelta(weeks=k) for k in range(CUTOFFS)]
    history = Histories.load(session, course.id,
                             cutoffs[-1] - timedelta(days=WINDOW_DAYS + 1))
    histories, signals, labels = [], [], []
    for cutoff in cutoffs:
        for learner_id in history.learners:
            counts, found = history.at(learner_id, cutoff - timedelta(microseconds=1))
            if not any(counts):
                continue  # not active in the month before: already gone, not an example
            later = [m for m in history.moments.get(learner_id, [])
                     if cutoff <= as_utc(m) < cutoff + timedelta(days=HORIZON_DAYS)]
            histories.append(counts)
            signals.append(found)
            labels.append(not later)
    dropped = sum(labels)
    if len(labels) < min_examples or min(dropped, len(labels) - dropped) < MIN_EACH:
        return RiskFit(len(labels), dropped, False,
                       f"{len(labels)} examples ({dropped} dropped); {min_examples} with "
                       f"{MIN_EACH} of each outcome are needed, so the prior stays in use")
    model = RiskModel.fit(histories, labels, signals=signals)
    store_fitted(session, course, KIND, model.to_json(), len(labels))
    return RiskFit(len(labels), dropped, True)
