"""Why a learner is at risk: reasons in words, faithful to the model's arithmetic."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from tutor.i18n import LANGUAGES, speaking
from tutor.learner.reasons import FAMILIES, in_words, reasons, typical_learner, without
from tutor.learner.risk import RiskModel, Signals


def _history(rng: random.Random) -> tuple[list[int], Signals]:
    """A month of daily steps in one of a few shapes learners have, and the signals."""
    shape = rng.choice(["steady", "fading", "new", "weekend", "returning"])
    days = []
    for day in range(30):
        chance = {"steady": 0.7, "fading": 0.8 if day < 15 else 0.1,
                  "new": 0.0 if day < 25 else 0.8, "weekend": 0.9 if day % 7 in (5, 6) else 0.05,
                  "returning": 0.5 if day < 10 or day > 26 else 0.0}[shape]
        days.append(rng.randint(1, 12) if rng.random() < chance else 0)
    if not any(days):
        days[-1] = 1
    return days, Signals(accuracy_trend=rng.uniform(-0.5, 0.3),
                         streak_broken=float(rng.random() < 0.3),
                         nudges_ignored=float(rng.randint(0, 3)))


def _fitted_with_signals(rng: random.Random) -> RiskModel:
    """A model fitted on our own kind of logs, where the signals carry weight."""
    histories, signals, dropped = [], [], []
    for _ in range(400):
        days, found = _history(rng)
        histories.append(days)
        signals.append(found)
        quiet = next((n for n, c in enumerate(reversed(days)) if c), 30)
        dropped.append(rng.random() < min(0.95, 0.1 + quiet / 15 + 0.15 * found.nudges_ignored
                                          - found.accuracy_trend))
    return RiskModel.fit(histories, dropped, signals=signals)


@pytest.mark.parametrize("which", ["prior", "fitted on our signals"])
def test_taking_away_the_first_reason_lowers_the_risk_most(which: str) -> None:
    rng = random.Random(7)
    model = RiskModel.prior() if which == "prior" else _fitted_with_signals(rng)
    learners = [model.features(*_history(rng)) for _ in range(300)]
    typical = typical_learner(model, learners)
    checked = 0
    for features in learners:
        found = reasons(model, features, typical)
        if not found:
            continue
        risk = model.risk_of(features)
        drops = {family: risk - model.risk_of(without(model, features, typical, family))
                 for family in FAMILIES}
        assert max(drops, key=lambda f: drops[f]) == found[0].family
        assert drops[found[0].family] > 0
        shares = [r.share for r in found]
        assert shares == sorted(shares, reverse=True)
        checked += 1
    assert checked > 100  # most of the class has some reason


def test_reasons_read_as_a_teacher_would_say_them() -> None:
    model = RiskModel.prior()
    typical = typical_learner(model, [model.features([1] * 30)] * 5)  # a class active daily
    quiet = model.features([3] * 20 + [0] * 10)
    assert "no activity for 10 days" in [r.words for r in reasons(model, quiet, typical)]
    never = model.features([0] * 30)
    assert [r.words for r in reasons(model, never, typical)] == [
        "no activity in the last 30 days"]
    sparse = model.features([0, 0, 0, 2] * 7 + [0, 1])
    words = " / ".join(r.words for r in reasons(model, sparse, typical))
    assert "active on 4 of the last 14 days (typical: 14)" in words
    assert all(r.words for r in reasons(model, sparse, typical))


def test_a_learner_like_the_typical_one_has_no_reason() -> None:
    model = RiskModel.prior()
    features = model.features([2, 0, 1] * 10)
    assert reasons(model, features, typical_learner(model, [features] * 6)) == []
    assert np.allclose(typical_learner(model, [features] * 2), model.means)  # too few: prior


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_reason_a_class_gives_reads_in_each_language(language: str) -> None:
    """Reasons are data until read: each one the model gives, kept as an alert keeps it
    (JSON), fills its sentence in every catalog, in a class of every shape of history."""
    rng = random.Random(11)
    model = _fitted_with_signals(rng)
    learners = [model.features(*_history(rng)) for _ in range(300)]
    typical = typical_learner(model, learners)
    kinds: set[str] = set()
    for features in learners:
        for reason in reasons(model, features, typical):
            said = json.loads(json.dumps(reason.said))
            kinds.add(said["kind"])
            with speaking(language):
                words = in_words(said)
            assert words and "{" not in words and words != said["kind"], (said, words)
    assert len(kinds) >= 6, kinds  # most kinds of reason came up
