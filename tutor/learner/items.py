"""Item difficulty calibrated from a course's answer log, the author's difficulty as prior.

Each question gets an offset on the log-odds of success, on top of its skills' model:
the maximum a posteriori estimate under a normal prior centred on the author's difficulty
(`-step * (difficulty - 3)`). The step itself is re-estimated from the calibrated offsets
(empirical Bayes), so a course whose authors rate well lets the prior carry more. With few
answers a question stays near its authored difficulty; with many, the log decides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from tutor.learner.mastery import KnowledgeModel, Trace

__all__ = ["PRIOR_ANSWERS", "AnswerRow", "calibrate_items"]

# The prior weighs as much as this many answers at p = 0.5 (Fisher information 1/4 each).
PRIOR_ANSWERS = 8
_ROUNDS = 10


@dataclasses.dataclass(frozen=True)
class AnswerRow:
    learner: str
    skills: tuple[str, ...]
    key: str
    difficulty: int
    correct: bool


def calibrate_items(model: KnowledgeModel, answers: Sequence[AnswerRow]) -> KnowledgeModel:
    """`model` with item offsets and difficulty step fitted; answers in time order per learner."""
    if not answers:
        return model
    base = np.array(list(_base_logits(model, answers)))
    y = np.array([a.correct for a in answers], dtype=float)
    keys = sorted({a.key for a in answers})
    index = {k: i for i, k in enumerate(keys)}
    item = np.array([index[a.key] for a in answers])
    authored = {a.key: a.difficulty - 3 for a in answers}
    centred = np.array([authored[k] for k in keys], dtype=float)
    l2 = PRIOR_ANSWERS / 4
    step = model.difficulty_step
    offsets = -step * centred
    for _ in range(_ROUNDS):
        prior = -step * centred
        for _ in range(25):  # Newton steps: each item's loss is one-dimensional
            p = 1.0 / (1.0 + np.exp(-(base + offsets[item])))
            gradient = np.bincount(item, p - y, len(keys)) + l2 * (offsets - prior)
            curvature = np.bincount(item, p * (1 - p), len(keys)) + l2
            offsets = offsets - gradient / curvature
        if centred @ centred > 0:
            # Least squares through the middle; never negative: an item its author calls
            # harder is not predicted easier on the strength of the prior alone.
            step = max(0.0, float(-(centred @ offsets) / (centred @ centred)))
    return dataclasses.replace(model, item_offsets={k: float(o) for k, o in zip(
        keys, offsets, strict=True)}, difficulty_step=step)


def _base_logits(model: KnowledgeModel, answers: Sequence[AnswerRow]) -> list[float]:
    """Each answer's log-odds from the skills' model alone, before the answer was given."""
    on_skill: dict[tuple[str, str], Trace] = {}
    overall: dict[str, Trace] = {}
    logits = []
    for answer in answers:
        skills = answer.skills or ("",)
        before = overall.get(answer.learner, Trace())
        logits.append(sum(model.logit(s, on_skill.get((answer.learner, s), Trace()), before)
                          for s in skills) / len(skills))
        for skill in skills:
            key = (answer.learner, skill)
            on_skill[key] = model.after(on_skill.get(key, Trace()), answer.correct)
        overall[answer.learner] = model.after(before, answer.correct)
    return logits
