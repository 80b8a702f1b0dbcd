"""Learners like you: which skill learners who practised what you practised went on to next.

Collaborative filtering on practice sequences. Each learner's history is the order in which
they first practised each skill; the model counts, over all learners, which new skill came
after which (item-to-item), and optionally adds a low-rank factorisation of the
learner-by-skill matrix (scikit-learn's TruncatedSVD) so that a whole history, not only its
last skill, speaks. Skills nobody has gone to from here fall back to popularity. Which of
these wins was chosen by cross-validation over training learners on ASSIST2009
(`python -m benchmarks.learning_paths`): the item-to-item counts alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

__all__ = ["NextSkill", "first_practice"]


def first_practice(skills: Iterable[str]) -> list[str]:
    """The skills of a learner's answers (in time order), each at its first appearance."""
    seen: dict[str, None] = {}
    for skill in skills:
        seen.setdefault(skill, None)
    return list(seen)


@dataclass
class NextSkill:
    """`fit` on learners' first-practice sequences; `scores` for one learner's history."""

    rank: int = 0  # 0: item-to-item only; else the factorisation's rank, added with `weight`
    weight: float = 0.0
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
