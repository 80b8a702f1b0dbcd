"""Why a learner is at risk, in plain words, from the risk model's own arithmetic.

The model is a logistic regression, so its log-odds are a sum of one term per feature. Its
features come in families that say one thing each (four of them measure recent quiet), so a
reason is a family: its share is the sum of its features' terms, measured against the
course's typical learner (the median of each feature over the learners active in the last
30 days). Taking a reason away - giving the learner the typical learner's values for its
features - changes the log-odds by exactly that share, so the first reason is the one whose
removal lowers the risk most.

A reason is kept as data (which sentence, and its numbers) and put in words where it is
shown, in the language spoken there: an alert raised by the scheduler reads in the
teacher's language when the teacher sees it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tutor.i18n import N_, Nn_, _, ngettext
from tutor.learner.risk import FEATURES, SIGNALS, RiskModel

__all__ = ["FAMILIES", "MIN_TYPICAL", "Reason", "Said", "in_words", "reasons", "typical_learner",
           "without"]

MIN_TYPICAL = 5  # learners needed for the course's own typical learner; else the model's
MIN_SHARE = 0.05  # log-odds a reason must add to be named at all

_NAMES = (*FEATURES, *SIGNALS)
_INDEX = {name: n for n, name in enumerate(_NAMES)}
# A reason as data, as an alert stores it (JSON): its sentence's kind and its numbers.
Said = Mapping[str, str | int]


def _days_quiet(x: np.ndarray) -> int:
    return round(math.expm1(x[_INDEX["log days since last activity"]]))


def _steps(x: np.ndarray, feature: str) -> int:
    return round(math.expm1(x[_INDEX[feature]]))


def _quiet(x: np.ndarray, typical: np.ndarray, top: str) -> Said:
    days = _days_quiet(x)
    if days >= 30:
        return {"kind": "quiet for a month"}
    if days == 0:
        return {"kind": "quiet before today"}
    return {"kind": "quiet", "n": days}


def _few_days(x: np.ndarray, typical: np.ndarray, top: str) -> Said:
    n = _INDEX["active days, last 14"]
    return {"kind": "few days", "days": round(x[n]), "typical": round(typical[n])}


def _little_work(x: np.ndarray, typical: np.ndarray, top: str) -> Said:
    """In the words of the feature that weighs most: this week, the month, or the change."""
    week, before = (_steps(x, k) for k in ("log events, last 7", "log events, the 7 before"))
    if top == "trend of events" or (top == "log events, the 7 before" and before > week):
        return {"kind": "week against week", "n": week, "before": before}
    return {"kind": _SPANS[top], "n": _steps(x, top), "typical": _steps(typical, top)}


# Kept in alerts: stable names, not the risk model's feature names.
_SPANS = {"log events": "steps in 30 days", "log events, last 7": "steps in 7 days",
          "log events, the 7 before": "steps the week before last"}


def _new(x: np.ndarray, typical: np.ndarray, top: str) -> Said:
    first = _steps(x, "log day of first activity")  # 29: today, 0: a month ago
    days = max(0, 29 - first)
    return {"kind": "new", "n": days} if days else {"kind": "new today"}


def _accuracy(x: np.ndarray, typical: np.ndarray, top: str) -> Said:
    return {"kind": "accuracy", "points": round(-100 * x[_INDEX["accuracy trend"]])}


def _streak(x: np.ndarray, typical: np.ndarray, top: str) -> Said:
    return {"kind": "streak"}


def _ignored(x: np.ndarray, typical: np.ndarray, top: str) -> Said:
    return {"kind": "ignored", "n": round(x[_INDEX["nudges ignored"]])}


# A reason's sentence by its kind; "n" is the count where the words depend on it.
_SENTENCES: dict[str, str | tuple[str, str]] = {
    "quiet for a month": N_("no activity in the last 30 days"),
    "quiet before today": N_("active today, but little in the days before"),
    "quiet": Nn_("no activity for {n} day", "no activity for {n} days"),
    "few days": N_("active on {days} of the last 14 days (typical: {typical})"),
    "week against week": Nn_("{n} step this week against {before} the week before",
                             "{n} steps this week against {before} the week before"),
    "steps in 30 days": Nn_("{n} step in 30 days (typical: {typical})",
                            "{n} steps in 30 days (typical: {typical})"),
    "steps in 7 days": Nn_("{n} step in the last 7 days (typical: {typical})",
                           "{n} steps in the last 7 days (typical: {typical})"),
    "steps the week before last": Nn_("{n} step in the week before last (typical: {typical})",
                                      "{n} steps in the week before last (typical: {typical})"),
    "new today": N_("new to the course: first active today"),
    "new": Nn_("new to the course: first active {n} day ago",
               "new to the course: first active {n} days ago"),
    "accuracy": N_("share of right answers down {points} points from the week before"),
    "streak": N_("a streak of study days ended this week"),
    "ignored": Nn_("ignored {n} reminder in two weeks", "ignored {n} reminders in two weeks"),
}


def in_words(said: Said | str) -> str:
    """A reason in the language being spoken. Alerts raised before reasons were kept as
    data hold their English words: those are shown as they are."""
    if isinstance(said, str):
        return said
    values = dict(said)
    kind = str(values.pop("kind", ""))
    sentence = _SENTENCES.get(kind)
    if sentence is None:  # kept by a newer version: its own name for it
        return kind
    if isinstance(sentence, tuple):
        return ngettext(*sentence, int(values.pop("n")), **values)
    return _(sentence, **values)


# The learner, the typical learner, and the family's feature that weighs most here.
Words = Callable[[np.ndarray, np.ndarray, str], Said]
FAMILIES: dict[str, tuple[tuple[str, ...], Words]] = {
    "quiet": (("log days since last activity", "active days, last 3", "current streak",
               "log recency-weighted events", "recency-weighted active days"), _quiet),
    "few days": (("active days", "active days, last 7", "active days, last 14"), _few_days),
    "little work": (("log events", "log events, last 7", "log events, the 7 before",
                     "trend of events"), _little_work),
    "new": (("log day of first activity",), _new),
    "accuracy": (("accuracy trend",), _accuracy),
    "streak": (("streak broken",), _streak),
    "ignored": (("nudges ignored",), _ignored),
}


@dataclass(frozen=True)
class Reason:
    family: str
    share: float  # log-odds it adds against the typical learner
    said: Said

    @property
    def words(self) -> str:
        """In the language being spoken."""
        return in_words(self.said)


def _members(family: str, model: RiskModel) -> list[int]:
    return [_INDEX[name] for name in FAMILIES[family][0] if _INDEX[name] < len(model.weights)]


def typical_learner(model: RiskModel, features: Sequence[np.ndarray]) -> np.ndarray:
    """The course's typical learner: the median of each feature over `features` (learners
    active lately), or the model's own mean learner when the course has too few."""
    if len(features) < MIN_TYPICAL:
        return np.array(model.means)
    typical: np.ndarray = np.median(np.stack(features), axis=0)
    return typical


def without(model: RiskModel, features: np.ndarray, typical: np.ndarray, family: str
            ) -> np.ndarray:
    """The learner with one reason taken away: that family's features made typical."""
    changed = features.copy()
    members = _members(family, model)
    changed[members] = typical[members]
    return changed


def reasons(model: RiskModel, features: np.ndarray, typical: np.ndarray, most: int = 3
            ) -> list[Reason]:
    """The families that raise this learner's risk most against the typical learner,
    largest first."""
    terms = model.contributions(features) - model.contributions(typical)
    if _days_quiet(features) >= 30:  # nothing at all: every family would say the same
        return [Reason("quiet", float(terms.sum()), _quiet(features, typical, ""))]
    found = []
    for family, (_features, words) in FAMILIES.items():
        members = _members(family, model)
        share = float(terms[members].sum()) if members else 0.0
        if share >= MIN_SHARE:
            top = _NAMES[max(members, key=lambda n: terms[n])]
            found.append(Reason(family, share, words(features, typical, top)))
    return sorted(found, key=lambda r: -r.share)[:most]
