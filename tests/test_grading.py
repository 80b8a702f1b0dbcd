from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tutor.grading import AnswerShapeError, grade, normalize, parse_choices, parse_number


@dataclass
class Q:
    kind: str
    options: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    tolerance: float | None = None


SINGLE = Q("single", ["zero", "two", "five"], ["two"])
MULTIPLE = Q("multiple", ["1", "2", "3", "4"], ["1", "3"])
TRUE_FALSE = Q("true_false", answers=["false"])


def test_normalize_ignores_case_space_punctuation_and_accents() -> None:
    assert normalize("  Épicentre! ") == "epicentre"
    assert normalize("The   Pacific-Ocean.") == "the pacific ocean"
    assert normalize("straße") == "strasse"


@pytest.mark.parametrize(("text", "value"), [
    ("3.5", 3.5), ("3,5", 3.5), ("-2", -2.0), ("1/4", 0.25), ("1e3", 1000.0),
    ("3.5 cm", 3.5), ("abc", None), ("", None), ("1/0", None), ("nan", None),
])
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(("text", "chosen"), [
    ("2", (1,)), (" b ", (1,)), ("2.", (1,)), ("Two", (1,)), ("b)", (1,)),
])
def test_parse_single_choice(text: str, chosen: tuple[int, ...]) -> None:
    assert parse_choices(text, SINGLE) == chosen


@pytest.mark.parametrize("text", ["7", "0", "seven", "1 2", ""])
def test_single_choice_of_the_wrong_shape_explains_how_to_answer(text: str) -> None:
    with pytest.raises(AnswerShapeError):
        grade(SINGLE, text)


def test_single_choice() -> None:
    assert grade(SINGLE, (1,)).correct
    wrong = grade(SINGLE, "1")
    assert (wrong.correct, wrong.score, wrong.expected) == (False, 0.0, "two")


def test_multiple_choice_needs_the_exact_set_and_gives_partial_credit() -> None:
    assert grade(MULTIPLE, "1, 3").correct
    assert grade(MULTIPLE, "c a").correct
    partial = grade(MULTIPLE, "1")
    assert (partial.correct, partial.score) == (False, 0.5)
    assert grade(MULTIPLE, "1,2,3").score == 0.5
    assert grade(MULTIPLE, "2,4").score == 0.0
    assert grade(MULTIPLE, "1,2,3,4").score == 0.0
    assert grade(MULTIPLE, "1, 3").expected == "1; 3"


@pytest.mark.parametrize(("text", "correct"), [
    ("false", True), ("F", True), ("no", True), ("2", True), ("False", True),
    ("true", False), ("yes", False), ("1", False),
])
def test_true_false(text: str, correct: bool) -> None:
    assert grade(TRUE_FALSE, text).correct is correct


def test_short_answer_accepts_any_listed_answer_loosely() -> None:
    question = Q("short", answers=["epicentre", "epicenter"])
    assert grade(question, "  The Epicentre. ").correct
    assert not grade(question, "epicentre zone").correct
    assert grade(question, "EPICENTER!").correct
    assert grade(question, "épicentre").correct
    assert not grade(question, "focus").correct


def test_short_answer_numbers_with_and_without_tolerance() -> None:
    exact = Q("short", answers=["15"])
    assert grade(exact, "15").correct
    assert grade(exact, "15.0").correct
    assert not grade(exact, "15.01").correct
    loose = Q("short", answers=["23.5"], tolerance=0.5)
    assert grade(loose, "23").correct
    assert grade(loose, "24").correct
    assert grade(loose, "23,7").correct
    assert not grade(loose, "24.6").correct
    assert grade(Q("short", answers=["0.25"], tolerance=0.001), "1/4").correct


def test_short_answer_made_of_symbols() -> None:
    assert grade(Q("cloze", answers=["%"]), " % ").correct
    assert not grade(Q("cloze", answers=["=="]), "=").correct


def test_empty_typed_answer_is_the_wrong_shape() -> None:
    with pytest.raises(AnswerShapeError, match="hint"):
        grade(Q("short", answers=["x"]), "   ")


def test_cloze_with_several_blanks_and_alternatives() -> None:
    question = Q("cloze", answers=["triangle", "three|3"])
    assert grade(question, "triangle; 3").correct
    assert grade(question, "Triangle, three").correct
    half = grade(question, "square; three")
    assert (half.correct, half.score, half.expected) == (False, 0.5, "triangle; three")
    with pytest.raises(AnswerShapeError, match="2 blanks"):
        grade(question, "triangle")


def test_choice_indices_out_of_range_are_rejected() -> None:
    with pytest.raises(AnswerShapeError):
        grade(SINGLE, (9,))
    with pytest.raises(AnswerShapeError):
        grade(Q("short", answers=["x"]), (0,))


def test_numbers_mean_option_numbers_even_when_options_are_numbers() -> None:
    question = Q("single", ["2", "2.0", "3", "0"], ["2.0"])
    assert grade(question, "2").correct
    assert not grade(question, "1").correct
    assert grade(question, "2.0").correct  # not a valid option number: matched as option text


def test_chinese_answers_with_full_width_punctuation_and_no_spaces() -> None:
    assert grade(Q("short", answers=["光合作用"]), "光合作用。").correct
    assert grade(Q("short", answers=["42"]), "４２").correct  # full-width digits
    assert not grade(Q("short", answers=["光合作用"]), "呼吸作用").correct
    cloze = Q("cloze", answers=["蒸发", "降水|雨"])
    for typed in ("蒸发；降水", "蒸发、雨", "蒸发，降水", "蒸发;降水"):
        assert grade(cloze, typed).correct, typed
    assert parse_choices("１，３", MULTIPLE) == (0, 2)
    assert parse_choices("1、3", MULTIPLE) == (0, 2)
