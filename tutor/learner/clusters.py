"""Typical learner groups of a course: k-means on the learners' standardised activity
features (the risk model's), each group named from its centre's dominant trait.

The number of groups (2 to 5) is the one with the best silhouette; the same learners and
seed give the same groups. A class of fewer than MIN_LEARNERS is not grouped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from tutor.learner.risk import FEATURES, activity_features

__all__ = ["MIN_LEARNERS", "NAMES", "LearnerGroup", "learner_groups"]

MIN_LEARNERS = 8
MOST_GROUPS = 5
NAMES = ("gone quiet", "newcomers", "fading", "steady", "occasional")
_AT = {name: n for n, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class LearnerGroup:
    name: str
    members: tuple[int, ...]
    risk: float  # the members' mean risk of dropping out
    traits: str  # the centre, in words

    @property
    def size(self) -> int:
        return len(self.members)


def _name(centre: np.ndarray) -> str:
    """The centre's dominant trait, checked in order of what a teacher most needs to know."""
    quiet = math.expm1(centre[_AT["log days since last activity"]])
    first = math.expm1(centre[_AT["log day of first activity"]])  # 29: today, 0: a month ago
    days = centre[_AT["active days, last 14"]]
    if quiet >= 14:
        return "gone quiet"
    if first >= 22:
        return "newcomers"
    if quiet >= 3 and (centre[_AT["active days"]] >= 4 or centre[_AT["trend of events"]] < -0.3):
        return "fading"
    return "steady" if days >= 6 else "occasional"


def _traits(centre: np.ndarray) -> str:
    quiet = round(math.expm1(centre[_AT["log days since last activity"]]))
    days = centre[_AT["active days, last 14"]]
    seen = "today" if quiet == 0 else f"{quiet} day{'s' if quiet != 1 else ''} ago"
    return f"active {days:.0f} of the last 14 days, last seen {seen}"


def learner_groups(daily: Mapping[int, list[int]], risk: Mapping[int, float], *,
                   seed: int = 0) -> list[LearnerGroup]:
    """Groups of the learners in `daily` (their steps per day, oldest first), largest
    first; [] for a class too small to group."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    ids = sorted(daily)
    if len(ids) < MIN_LEARNERS:
        return []
    x = np.array([activity_features(daily[i]) for i in ids])
    scaler = StandardScaler().fit(x)
    z = scaler.transform(x)
    best: tuple[float, KMeans] | None = None
    for k in range(2, min(MOST_GROUPS, len(np.unique(z, axis=0)) - 1) + 1):
        fitted = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(z)
        score = float(silhouette_score(z, fitted.labels_))
        if best is None or score > best[0] + 1e-9:
            best = (score, fitted)
    if best is None:
        return []
    fitted = best[1]
    centres = scaler.inverse_transform(fitted.cluster_centers_)
    groups = []
    for label, centre in enumerate(centres):
        members = tuple(i for i, found in zip(ids, fitted.labels_, strict=True)
                        if found == label)
        groups.append(LearnerGroup(_name(centre), members,
                                   float(np.mean([risk.get(i, 0.0) for i in members])),
                                   _traits(centre)))
    groups.sort(key=lambda g: (-g.size, g.name))
    seen: dict[str, int] = {}
    named = []
    for group in groups:  # two centres with one trait: "fading", "fading 2"
        seen[group.name] = seen.get(group.name, 0) + 1
        suffix = f" {seen[group.name]}" if seen[group.name] > 1 else ""
        named.append(replace(group, name=group.name + suffix))
    return named
