"""Why a learner is at risk, in plain words, from the risk model's own arithmetic.

The model is a logistic regression, so its log-odds are a sum of one term per feature. Its
features come in families that say one thing each (four of them measure recent quiet), so a
reason is a family: its share is the sum of its features' terms, measured against the
course's typical learner (the median of each feature over the learners active in the last
30 days). Taking a reason away - giving the learner the typical learner's values for its
features - changes the log-odds by exactly that share, so the first reason is the one whose
removal lowers the risk most.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tutor.learner.risk import FEATURES, SIGNALS, RiskModel

__all__ = ["FAMILIES", "MIN_TYPICAL", "Reason", "reasons", "typical_learner", "without"]

MIN_TYPICAL = 5  # learners needed for the course's own typical learner; else the model's
MIN_SHARE = 0.05  # log-odds a reason must add to be named at all

_NAMES = (*FEATURES, *SIGNALS)
_INDEX = {name: n for n, name in enumerate(_NAMES)}


def _days_quiet(x: np.ndarray) -> float:
    return round(math.expm1(x[_INDEX["log days since last activity"]]))


def _ago(days: int) -> str:
    return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"


def _steps(x: np.ndarray, feature: str) -> int:
    return round(math.expm1(x[_INDEX[feature]]))


def _quiet(x: np.ndarray, typical: np.ndarray, top: str) -> str:
    days = _days_quiet(x)
    if days >= 30:
        return "no activity in the last 30 days"
    if days == 0:
        return "active today, but little in the days before"
    return f"no activity for {days} day{'s' if days != 1 else ''}"


def _few_days(x: np.ndarray, typical: np.ndarray, top: str) -> str:
    n = _INDEX["active days, last 14"]
    return (f"active on {x[n]:.0f} of the last 14 days (typical: "
            f"{typical[n]:.0f})")


def _little_work(x: np.ndarray, typical: np.ndarray, top: str) -> str:
    """In the words of the feature that weighs most: this week, the month, or the change."""
    week, before = (_steps(x, k) for k in ("log events, last 7", "log events, the 7 before"))
    if top == "trend of events" or (top == "log events, the 7 before" and before > week):
        return f"{_plural(week, 'step')} this week against {before} the week before"
    span = {"log events": "30 days", "log events, last 7": "the last 7 days",
            "log events, the 7 before": "the week before last"}[top]
    return f"{_plural(_steps(x, top), 'step')} in {span} (typical: {_steps(typical, top)})"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _new(x: np.ndarray, typical: np.ndarray, top: str) -> str:
    first = _steps(x, "log day of first activity")  # 29: today, 0: a month ago
    return "new to the course: first active " + _ago(max(0, 29 - first))


def _accuracy(x: np.ndarray, typical: np.ndarray, top: str) -> str:
    points = -100 * x[_INDEX["accuracy trend"]]
    return f"share of right answers down {points:.0f} points from the week before"


def _streak(x: np.ndarray, typical: np.ndarray, top: str) -> str:
    return "a streak of study days ended this week"


def _ignored(x: np.ndarray, typical: np.ndarray, top: str) -> str:
    count = round(x[_INDEX["nudges ignored"]])
    return f"ignored {count} reminder{'s' if count != 1 else ''} in two weeks"


# The learner, the typical learner, and the family's feature that weighs most here.
Words = Callable[[np.ndarray, np.ndarray, str], str]
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
    words: str


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
    largest first, in words."""
    terms = model.contributions(features) - model.contributions(typical)
    if _days_quiet(features) >= 30:  # nothing at all: every family would say the same
        return [Reason("quiet", float(terms.sum()), _quiet(features, typical, ""))]
    found = []
    for family, (_, words) in FAMILIES.items():
        members = _members(family, model)
        share = float(terms[members].sum()) if members else 0.0
        if share >= MIN_SHARE:
            top = _NAMES[max(members, key=lambda n: terms[n])]
            found.append(Reason(family, share, words(features, typical, top)))
    return sorted(found, key=lambda r: -r.share)[:most]
