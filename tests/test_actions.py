"""The action vocabulary: one wire form per action, decoded in one place."""

from __future__ import annotations

import pytest

from tutor.actions import (
    MAX_BYTES,
    AnswerTyped,
    Choose,
    Forget,
    Hint,
    Mute,
    OpenCard,
    OpenLesson,
    PickCourse,
    Screen,
    SetPreference,
    Skip,
    StartQuiz,
    Submit,
    Tick,
    Vote,
    decode,
    encode,
)

EVERY_KIND = [Screen("menu"), Screen("continue"), PickCourse("python-basics"), OpenLesson(7),
              StartQuiz(7), OpenCard(31), Choose(12, 0), Tick(12, 3), Submit(12), Hint(12),
              Skip(12), Mute("c7"), SetPreference("challenge", "-1"),
              Forget()]


@pytest.mark.parametrize("action", EVERY_KIND, ids=lambda a: type(a).__name__)
def test_every_action_survives_the_wire(action: object) -> None:
    data = encode(action)  # type: ignore[arg-type]
    assert data.isascii() and len(data.encode()) <= MAX_BYTES
    assert decode(data) == action


def test_the_wire_forms_of_old_buttons_still_mean_the_same() -> None:
    # Buttons already sent to learners carry these; an upgrade must not orphan them.
    assert decode("ans:12:3") == Choose(12, 3)
    assert decode("forget:yes") == Forget()
    assert decode("set:auto-streak:0") == SetPreference("auto-streak", "0")
    assert decode("next") == Screen("next")


@pytest.mark.parametrize("data", ["", "ans", "ans:", "ans:12", "ans:12:x", "ans:-1:0",
                                  "ans:1:2:3", "tog:a:b", "nope:1", "course:", "forget:no",
                                  "mute:", "ans:1:" + "9" * 40, "card:١٢", "x" * 65,
                                  "course:caf\u00e9"])
def test_malformed_data_decodes_to_nothing(data: str) -> None:
    assert decode(data) is None


def test_an_action_that_does_not_fit_a_button_is_refused_when_encoded() -> None:
    with pytest.raises(ValueError, match="64"):
        encode(PickCourse("a" * 70))
    with pytest.raises(ValueError, match="never sent as a button"):
        encode(AnswerTyped(1, "four"))
    with pytest.raises(ValueError, match="never sent as a button"):
        encode(Vote("5678", 1))  # a poll's answer comes from the platform, never a button
