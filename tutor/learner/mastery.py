"""Mastery per skill: a logistic knowledge-tracing model, updated online after every answer.

P(correct) = sigmoid(intercept + skill offset + w . features), from two traces of the
learner's answers: on this skill, and overall. Each trace gives log1p(right), log1p(wrong)
and two recency-weighted shares right, one of about the last two answers and one of about
the last twenty (DECAYS), each starting at the population's average. The weights are
fitted with sign bounds, so a right answer can only raise a prediction and a wrong one only
lower it: mastery that rose after mistakes would be wrong in a learner's eyes, whatever the
data's quirks (ASSIST's skill builders reward unconstrained models for exactly that).

Why this model, measured on ASSIST2009 (`python -m benchmarks.learner_model`: fit on
train; each test answer predicted from that learner's earlier answers only):
per-skill average AUC 0.620; pyBKT 0.712; PFA (counts per skill) 0.710; counts per skill and
overall with one recency share (decay 0.7), unconstrained 0.753, monotone 0.749; with the two
shares (this model) in the table the benchmark prints. The decays were chosen among eight
candidate sets by AUC on a fifth of the training learners held out from fitting
(`python -m benchmarks.learner_model --only decays`), not on the test answers. Every
feature is finite for any history, so a skill with no answers, a first answer or a burst of
thousands all stay defined.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DECAYS", "DEFAULT", "DIFFICULTY_STEP", "KnowledgeModel", "Trace", "replay",
           "sigmoid"]

# The author's difficulty (1-5) as a prior for a question the log has not calibrated yet:
# each step from the middle (3) moves the log-odds of success by this much. At the
# population's average success (0.66), difficulty 1 reads as 0.84 and 5 as 0.42.
# `tutorbot model fit` re-estimates the step from the course's own answers.
DIFFICULTY_STEP = 0.5
# Weight of the past in each recency share: 0.3 is about the last answer or two, 0.95 about
# the last twenty.
DECAYS: tuple[float, ...] = (0.3, 0.95)


@dataclass(frozen=True)
class Trace:
    """Answers so far: counts, and a recency-weighted share right per decay (None before
    any)."""

    correct: float = 0.0
    wrong: float = 0.0
    recent: tuple[float, ...] | None = None

    def after(self, correct: bool, prior: float = 0.5) -> Trace:
        value = 1.0 if correct else 0.0
        start = self.recent if self.recent is not None else (prior,) * len(DECAYS)
        return Trace(self.correct + value, self.wrong + (1 - value),
                     tuple(d * s + (1 - d) * value for d, s in zip(DECAYS, start, strict=True)))

    def features(self, prior: float) -> tuple[float, ...]:
        return (math.log1p(self.correct), math.log1p(self.wrong),
                *(self.recent if self.recent is not None else (prior,) * len(DECAYS)))


@dataclass(frozen=True)
class KnowledgeModel:
    """Weights for the two traces' features, a difficulty offset per skill, and the prior."""

    weights: tuple[float, ...]
    intercept: float
    prior: float = 0.5  # the share of answers right in the fitting data
    skill_offsets: Mapping[str, float] = field(default_factory=dict)
    # Per question key: how much easier (+) or harder (-) than its skills' average.
    item_offsets: Mapping[str, float] = field(default_factory=dict)
    difficulty_step: float = DIFFICULTY_STEP

    def logit(self, skill: str, on_skill: Trace, overall: Trace) -> float:
        x = (*on_skill.features(self.prior), *overall.features(self.prior))
        return self.intercept + self.skill_offsets.get(skill, 0.0) + \
            sum(w * v for w, v in zip(self.weights, x, strict=True))

    def probability(self, skill: str, on_skill: Trace, overall: Trace) -> float:
        return sigmoid(self.logit(skill, on_skill, overall))

    def item_offset(self, key: str, difficulty: int) -> float:
        """Calibrated from the log when it has been; the author's difficulty otherwise."""
        return self.item_offsets.get(key, -self.difficulty_step * (difficulty - 3))

    def question_probability(self, skills: Sequence[str], key: str, difficulty: int,
                             logits: Mapping[str, float]) -> float:
        """P(right) on one question: its skills' mean log-odds (`logits`, by skill, as
        `logit` gives them for the learner) plus the item's offset."""
        skills = skills or ("",)
        z = sum(logits[s] for s in skills) / len(skills)
        return sigmoid(z + self.item_offset(key, difficulty))

    def after(self, trace: Trace, correct: bool) -> Trace:
        return trace.after(correct, self.prior)

    @classmethod
    def fit(cls, answers: Iterable[tuple[str, str, bool]], *,
            l2: float = 1.0) -> KnowledgeModel:
        """Fit on (learner, skill, correct) answers, in time order within each learner."""
        answers = list(answers)
        outcomes = np.array([c for _, _, c in answers], dtype=float)
        if len(set(outcomes.tolist())) < 2:
            return DEFAULT  # nothing to learn yet: no answers, or all right, or all wrong
        prior = float(outcomes.mean())
        rows, skills = [], []
        for skill, on_skill, overall, _ in replay(answers, prior):
            rows.append((*on_skill.features(prior), *overall.features(prior)))
            skills.append(skill)
        names = sorted(set(skills))
        column = np.array([{n: i for i, n in enumerate(names)}[s] for s in skills])
        weights, intercept, offsets = _fit_bounded(np.array(rows), column, len(names),
                                                   outcomes, l2)
        centre = float(offsets.mean())  # an unseen skill gets the average difficulty
        return cls(weights=tuple(float(w) for w in weights), intercept=intercept + centre,
                   prior=prior,
                   skill_offsets={n: float(o) - centre for n, o in zip(names, offsets,
                                                                       strict=True)})

    def to_json(self) -> dict[str, Any]:
        return {"weights": list(self.weights), "intercept": self.intercept,
                "prior": self.prior, "skill_offsets": dict(self.skill_offsets),
                "item_offsets": dict(self.item_offsets),
                "difficulty_step": self.difficulty_step}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KnowledgeModel:
        return cls(tuple(float(w) for w in data["weights"]), float(data["intercept"]),
                   float(data.get("prior", 0.5)),
                   {str(k): float(v) for k, v in data.get("skill_offsets", {}).items()},
                   {str(k): float(v) for k, v in data.get("item_offsets", {}).items()},
                   float(data.get("difficulty_step", DIFFICULTY_STEP)))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _fit_bounded(features: np.ndarray, skill: np.ndarray, skills: int, y: np.ndarray,
                 l2: float) -> tuple[np.ndarray, float, np.ndarray]:
    """L2-regularised logistic regression with sign bounds on the feature weights."""
    from scipy.optimize import minimize

    k = features.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b, offsets = theta[:k], theta[k], theta[k + 1:]
        z = features @ w + b + offsets[skill]
        p = 1.0 / (1.0 + np.exp(-z))
        # log(1 + e^z) - y z, written to stay finite for large |z|
        value = float(np.sum(np.logaddexp(0.0, z) - y * z)) + \
            0.5 * l2 * float(w @ w + offsets @ offsets)
        error = p - y
        gradient = np.concatenate([features.T @ error + l2 * w, [error.sum()],
                                   np.bincount(skill, weights=error, minlength=skills)
                                   + l2 * offsets])
        return value, gradient

    start = np.zeros(k + 1 + skills)
    # (lower, upper) per weight: right count, wrong count, each recency share, for the
    # skill's trace then the overall one; then the intercept and the skills' offsets.
    per_trace = [(0.0, None), (None, 0.0), *[(0.0, None)] * len(DECAYS)]
    bounds = [*per_trace * 2, (None, None), *[(None, None)] * skills]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": 500})
    theta = result.x
    return theta[:k], float(theta[k]), theta[k + 1:]


def replay(answers: Iterable[tuple[str, str, bool]], prior: float = 0.5
           ) -> Iterable[tuple[str, Trace, Trace, bool]]:
    """Each answer with the learner's traces as they stood just before it."""
    on_skill: dict[tuple[str, str], Trace] = {}
    overall: dict[str, Trace] = {}
    for learner, skill, correct in answers:
        before_skill = on_skill.get((learner, skill), Trace())
        before_all = overall.get(learner, Trace())
        yield skill, before_skill, before_all, correct
        on_skill[learner, skill] = before_skill.after(correct, prior)
        overall[learner] = before_all.after(correct, prior)


# Fitted on ASSIST2009 train (2,921 learners, 224,218 answers): a course starts from these
# until its own answer log is large enough to fit.
DEFAULT = KnowledgeModel(weights=(0.211, 0.0, 0.0, 0.5, 0.2879, -0.2958, 1.3698, 1.2231),
                         intercept=-1.6867, prior=0.6582)
