from __future__ import annotations

import random

import pytest

from tutor.learner.risk import WINDOW_DAYS, RiskModel, activity_features


def test_features_are_defined_for_any_history() -> None:
    for history in ([], [0] * 30, [5] * 30, [0] * 100 + [1], [3]):
        features = activity_features(history)
        assert all(f == f and abs(f) < 1e6 for f in features)  # no NaN, nothing infinite
    assert activity_features([])[0] == activity_features([0] * WINDOW_DAYS)[0]


def test_features_read_recency_and_regularity() -> None:
    recent = activity_features([0] * 27 + [2, 3, 4])
    lapsed = activity_features([2, 3, 4] + [0] * 27)
    assert recent[0] < lapsed[0]  # days since last activity
    assert recent[9] == 3 and lapsed[9] == 0  # current streak
    assert recent[2] == 3 and lapsed[2] == 0  # active days in the last 7


@pytest.fixture(scope="module")
def prior() -> RiskModel:
    return RiskModel.prior()


def test_the_shipped_prior_ranks_lapsed_learners_above_active_ones(prior: RiskModel) -> None:
    active = prior.risk([2] * 30)
    fading = prior.risk([3] * 15 + [0] * 15)
    gone = prior.risk([5, 4] + [0] * 28)
    never = prior.risk([])
    assert active < fading < gone
    assert active > 0.0 and never < 1.0


def test_fitting_separates_simulated_learners() -> None:
    rng = random.Random(3)
    histories, dropped = [], []
    for _ in range(400):
        stays = rng.random() < 0.4
        rate = 0.7 if stays else 0.2
        histories.append([rng.randint(1, 5) if rng.random() < rate else 0 for _ in range(30)])
        dropped.append(not stays)
    model = RiskModel.fit(histories, dropped)
    assert model.risk([3] * 30) < 0.3 < 0.7 < model.risk([0] * 30)
