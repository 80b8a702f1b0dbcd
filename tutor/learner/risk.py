"""Risk of dropping out, from daily activity alone.

Features are type-agnostic (how much, how recently, how regularly a learner was active),
so a model fitted on one platform's logs carries over to ours. Measured on KDD Cup 2015
(`python -m benchmarks.learner_model`; train on two courses, test on the third, each model's
regularisation chosen by cross-validation across its training courses): AUC 0.885 / 0.904 /
0.881, above logistic regressions on the raw 30-day counts (0.870 / 0.900 / 0.868) and on
simple activity features plus counts (0.873 / 0.892 / 0.878) on every held-out course.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FEATURES", "PRIOR_PATH", "SIGNALS", "WINDOW_DAYS", "RiskModel", "Signals",
           "activity_features"]

# Fitted on all three KDD Cup 2015 courses by `benchmarks/learner_model.py
# --write-risk-prior`: the documented prior until tutorbot's own logs are enough to fit.
PRIOR_PATH = Path(__file__).with_name("risk_prior.json")

WINDOW_DAYS = 30
_RECENCY = 0.8  # daily decay of the recency-weighted activity
FEATURES = ("log days since last activity", "active days", "active days, last 7",
            "active days, last 14", "active days, last 3", "log events",
            "log events, last 7", "log events, the 7 before", "trend of events",
            "current streak", "log day of first activity", "log recency-weighted events",
            "recency-weighted active days")
SIGNALS = ("accuracy trend", "streak broken", "nudges ignored")  # after FEATURES, if fitted


@dataclass(frozen=True)
class Signals:
    """What tutorbot's own logs add to activity.

    KDD Cup 2015 has no answers and no nudges, so the shipped prior gives these no weight;
    a model fitted on tutorbot's own logs (`tutorbot model fit`) weighs them by the data.
    """

    accuracy_trend: float = 0.0  # share right in the last 7 days minus the 7 before
    streak_broken: float = 0.0  # 1 when a streak of 2+ days ended within the last week
    nudges_ignored: float = 0.0  # nudges of the last 14 days with no activity within 24 h

    def values(self) -> tuple[float, float, float]:
        return (self.accuracy_trend, self.streak_broken, self.nudges_ignored)


def activity_features(daily: Sequence[float]) -> tuple[float, ...]:
    """From events per day, oldest first, ending today (any length; zeros mean inactive)."""
    counts = np.asarray(daily, dtype=float)[-WINDOW_DAYS:]
    counts = np.concatenate([np.zeros(WINDOW_DAYS - len(counts)), counts])
    active = counts > 0
    days = np.flatnonzero(active)
    since_last = WINDOW_DAYS - 1 - days[-1] if days.size else WINDOW_DAYS
    first = days[0] if days.size else WINDOW_DAYS
    streak = WINDOW_DAYS - 1 - np.flatnonzero(~active)[-1] if (~active).any() else WINDOW_DAYS
    weights = _RECENCY ** np.arange(WINDOW_DAYS)[::-1]
    last7, before7 = math.log1p(counts[-7:].sum()), math.log1p(counts[-14:-7].sum())
    return (math.log1p(since_last), float(active.sum()), float(active[-7:].sum()),
            float(active[-14:].sum()), float(active[-3:].sum()), math.log1p(counts.sum()),
            last7, before7, last7 - before7, float(streak), math.log1p(first),
            math.log1p(float(counts @ weights)), float(active @ weights))


@dataclass(frozen=True)
class RiskModel:
    """Standardised logistic regression over `activity_features`."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float

    def risk(self, daily: Sequence[float], signals: Signals | None = None) -> float:
        return self.risk_of(self.features(daily, signals))

    def features(self, daily: Sequence[float], signals: Signals | None = None) -> np.ndarray:
        """What the model reads: a model fitted without the signals (the shipped prior)
        reads activity alone."""
        found = (*activity_features(daily), *(signals or Signals()).values())
        return np.array(found[:len(self.weights)])

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Each feature's share of the log-odds: weight times standardised value."""
        return np.array(self.weights) * (features - self.means) / self.scales

    def risk_of(self, features: np.ndarray) -> float:
        z = float(self.contributions(features).sum()) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def fit(cls, histories: Sequence[Sequence[float]], dropped: Sequence[bool], *,
            c: float = 1.0, signals: Sequence[Signals] | None = None) -> RiskModel:
        from sklearn.linear_model import LogisticRegression

        x = np.array([activity_features(h) for h in histories])
        if signals is not None:
            x = np.hstack([x, np.array([s.values() for s in signals])])
        means, scales = x.mean(axis=0), x.std(axis=0)
        scales[scales == 0] = 1.0  # a feature constant in the data carries no weight
        fitted = LogisticRegression(C=c, max_iter=5000).fit((x - means) / scales,
                                                            np.asarray(dropped, dtype=int))
        return cls(tuple(means.tolist()), tuple(scales.tolist()),
                   tuple(fitted.coef_[0].tolist()), float(fitted.intercept_[0]))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, model: dict[str, Any]) -> RiskModel:
        return cls(tuple(model["means"]), tuple(model["scales"]), tuple(model["weights"]),
                   float(model["intercept"]))

    @classmethod
    def prior(cls) -> RiskModel:
        return cls.from_json(json.loads(PRIOR_PATH.read_text(encoding="utf-8"))["model"])

    def save(self, path: Path, provenance: str) -> None:
        path.write_text(json.dumps({"provenance": provenance, "features": FEATURES,
                                    "model": asdict(self)}, indent=1) + "\n", "utf-8")
