from __future__ import annotations

import math
import random

import pytest

from tutor.learner.mastery import DEFAULT, KnowledgeModel, Trace, replay


def _simulate(seed: int, learners: int = 300) -> list[tuple[str, str, bool]]:
    """Learners of hidden ability answer skills of hidden difficulty and improve as they go."""
    rng = random.Random(seed)
    difficulty = {"easy": -1.0, "medium": 0.0, "hard": 1.5}
    answers = []
    for n in range(learners):
        ability = rng.gauss(0, 1)
        practice: dict[str, int] = {}
        for _ in range(30):
            skill = rng.choice(list(difficulty))
            z = ability - difficulty[skill] + 0.15 * practice.get(skill, 0)
            answers.append((f"l{n}", skill, rng.random() < 1 / (1 + math.exp(-z))))
            practice[skill] = practice.get(skill, 0) + 1
    return answers


def test_a_first_answer_is_predicted_without_any_history() -> None:
    p = DEFAULT.probability("never-seen", Trace(), Trace())
    assert 0.0 < p < 1.0


@pytest.mark.parametrize("model", ["default", "fitted"])
def test_a_right_answer_never_lowers_and_a_wrong_one_never_raises(model: str) -> None:
    chosen = DEFAULT if model == "default" else KnowledgeModel.fit(_simulate(4))
    rng = random.Random(5)
    on_skill, overall = Trace(), Trace()
    for _ in range(200):
        correct = rng.random() < 0.6
        before = chosen.probability("medium", on_skill, overall)
        on_skill, overall = chosen.after(on_skill, correct), chosen.after(overall, correct)
        after = chosen.probability("medium", on_skill, overall)
        assert after >= before - 1e-12 if correct else after <= before + 1e-12


def test_recency_weights_the_last_answers_most() -> None:
    trace = Trace()
    for correct in [False] * 5 + [True] * 3:
        trace = trace.after(correct)
    first_wrong = Trace().after(False).recent
    assert trace.recent is not None and first_wrong is not None
    short, long = trace.recent  # the last answer or two; about the last twenty
    assert short > 0.95 and long < 0.5  # three right now, after five wrong
    assert first_wrong[0] < 0.2 < 0.4 < first_wrong[1] < 0.5  # from the prior, 0.5
    assert (trace.correct, trace.wrong) == (3, 5)


def test_bursts_and_long_histories_stay_finite() -> None:
    trace = Trace()
    for i in range(100_000):
        trace = trace.after(i % 3 != 0)
    p = DEFAULT.probability("s", trace, trace)
    assert math.isfinite(p) and 0.0 < p < 1.0


def test_fitting_learns_difficulty_and_predicts_held_out_learners() -> None:
    from sklearn.metrics import roc_auc_score

    model = KnowledgeModel.fit(_simulate(1))
    offsets = model.skill_offsets
    assert offsets["easy"] > offsets["medium"] > offsets["hard"]
    test = _simulate(2, learners=150)
    predicted = [model.probability(s, a, b) for s, a, b, _ in replay(test, model.prior)]
    assert roc_auc_score([c for _, _, c in test], predicted) > 0.7


@pytest.mark.parametrize("answers", [[], [("a", "s", True)] * 20, [("a", "s", False)] * 3],
                         ids=["no answers", "all right", "all wrong"])
def test_a_log_with_nothing_to_learn_gives_the_defaults(answers: list) -> None:  # type: ignore[type-arg]
    assert KnowledgeModel.fit(answers) == DEFAULT


def test_parameters_round_trip_through_json() -> None:
    model = KnowledgeModel.fit(_simulate(3, learners=50))
    assert KnowledgeModel.from_json(model.to_json()) == model
