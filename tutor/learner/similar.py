"""Learners like you: which skill learners who practised what you practised went on to next.

Collaborative filtering on practice sequences. Each learner's history is the order in which
they first practised each skill; the model counts, over all learners, which new skill came
after which (item-to-item), and optionally adds a low-rank factorisation of the
learner-by-skill matrix (scikit-learn's TruncatedSVD) so that a whole history, not only its
last skill, speaks. Skills nobody has gone to from here fall back to popularity. Which of
these wins was chosen by cross-validation over training learners on ASSIST2009
(`python -m benchmarks.learning_paths`): the counts, with a rank-10 factorisation added at
weight 0.05 (MRR 0.528 against 0.522 for the counts alone).

The tutor fits one per course on its own learners (`tutorbot model fit`, once MIN_LEARNERS
have practised); learning paths use it to order lessons that share an `order` number.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from tutor.learner.adaptive import answers_by_learner
from tutor.learner.fitting import fitted_parameters, store_fitted
from tutor.storage.models import CourseRow

__all__ = ["KIND", "MIN_LEARNERS", "NextSkill", "course_histories", "first_practice",
           "fit_paths", "learner_history", "stored_paths"]

KIND = "paths"  # the fitted model's kind in storage
MIN_LEARNERS = 20


def first_practice(skills: Iterable[str]) -> list[str]:
    """The skills of a learner's answers (in time order), each at its first appearance."""
    seen: dict[str, None] = {}
    for skill in skills:
        seen.setdefault(skill, None)
    return list(seen)


@dataclass
class NextSkill:
    """`fit` on learners' first-practice sequences; `scores` for one learner's history."""

    rank: int = 10  # 0: item-to-item only; else the factorisation's rank, added with `weight`
    weight: float = 0.05
    skills: list[str] = field(default_factory=list)
    _after: dict[str, Counter[str]] = field(default_factory=dict)
    _popular: Counter[str] = field(default_factory=Counter)
    _components: np.ndarray | None = None

    def fit(self, histories: Sequence[Sequence[str]]) -> NextSkill:
        self.skills = sorted({s for h in histories for s in h})
        after: dict[str, Counter[str]] = defaultdict(Counter)
        for history in histories:
            for here, then in pairwise(history):
                after[here][then] += 1
        self._after = dict(after)
        self._popular = Counter(s for h in histories for s in h)
        if self.rank and len(self.skills) > self.rank and len(histories) > self.rank:
            from sklearn.decomposition import TruncatedSVD

            index = {s: i for i, s in enumerate(self.skills)}
            matrix = np.zeros((len(histories), len(self.skills)))
            for row, history in enumerate(histories):
                matrix[row, [index[s] for s in history]] = 1.0
            self._components = TruncatedSVD(self.rank, random_state=0).fit(matrix).components_
        return self

    def scores(self, history: Sequence[str], candidates: Sequence[str]) -> dict[str, float]:
        """Higher: likelier to be practised next. Popularity breaks what the rest leaves."""
        total = max(sum(self._popular.values()), 1)
        found = {c: 1e-3 * self._popular.get(c, 0) / total for c in candidates}
        if not history:
            return found
        following = self._after.get(history[-1], Counter())
        count = sum(following.values())
        for candidate in candidates:
            if count:
                found[candidate] += following.get(candidate, 0) / count
        if self._components is not None and self.weight:
            index = {s: i for i, s in enumerate(self.skills)}
            profile = np.zeros(len(self.skills))
            for age, skill in enumerate(reversed(history)):  # the recent weigh more
                if skill in index:
                    profile[index[skill]] = 0.5 ** age
            folded = profile @ self._components.T @ self._components
            scale = float(np.abs(folded).max()) or 1.0
            for candidate in candidates:
                if candidate in index:
                    found[candidate] += self.weight * float(folded[index[candidate]]) / scale
        return found

    def to_json(self) -> dict[str, Any]:
        return {"rank": self.rank, "weight": self.weight, "skills": self.skills,
                "after": {k: dict(v) for k, v in self._after.items()},
                "popular": dict(self._popular),
                "components": None if self._components is None else
                self._components.round(6).tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NextSkill:
        model = cls(rank=int(data["rank"]), weight=float(data["weight"]),
                    skills=list(data["skills"]))
        model._after = {k: Counter(v) for k, v in data["after"].items()}
        model._popular = Counter(data["popular"])
        components = data.get("components")
        model._components = None if components is None else np.asarray(components)
        return model


def course_histories(session: Session, course_id: int, learner_id: int | None = None
                     ) -> dict[int, list[str]]:
    """Each learner's (or one learner's) first-practice sequence in the course."""
    return {learner: first_practice(s for skills, _ in rows for s in skills)
            for learner, rows in answers_by_learner(session, course_id, learner_id).items()}


def learner_history(session: Session, learner_id: int, course_id: int) -> list[str]:
    return course_histories(session, course_id, learner_id).get(learner_id, [])


def fit_paths(session: Session, course: CourseRow) -> int:
    """Fit and keep the course's model; the learners it was fitted on (0: too few yet)."""
    histories = [h for h in course_histories(session, course.id).values() if len(h) > 1]
    if len(histories) < MIN_LEARNERS:
        return 0
    store_fitted(session, course, KIND, NextSkill().fit(histories).to_json(), len(histories))
    return len(histories)


def stored_paths(session: Session, course: CourseRow) -> NextSkill | None:
    found = fitted_parameters(session, course, KIND)
    return NextSkill.from_json(found) if found else None
