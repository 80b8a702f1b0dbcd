"""Which variant a learner gets: Thompson sampling on whether learners came back within 24
hours, with a held-out control group that gets nothing (so the lift can be measured)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CONTROL", "Arm", "choose_variant"]

CONTROL = -1


@dataclass(frozen=True)
class Arm:
    successes: int
    trials: int


def choose_variant(arms: Sequence[Arm], control_share: float, rng: random.Random) -> int:
    """CONTROL for the held-out share; otherwise the variant whose Beta(1 + s, 1 + f)
    sample is highest: early on nearly even, later mostly the best, never only it."""
    if rng.random() < control_share:
        return CONTROL
    draws = [rng.betavariate(1 + a.successes, 1 + a.trials - a.successes) for a in arms]
    return max(range(len(arms)), key=draws.__getitem__)
