"""The gate's text signals and the own-work reader, on real-shaped questions."""

from __future__ import annotations

import pytest

from retrieval.lexical import spell_operators
from tutor.qa.own_work import read_work
from tutor.qa.signals import (
    answer_kind,
    can_hold,
    conversion,
    entities,
    missing_entities,
    negated,
    turns_into,
)


@pytest.mark.parametrize(("text", "spelt"), [
    ("whats the % thing do", "whats the  opmodulo  thing do"),
    ("`%` is the remainder", " opmodulo  is the remainder"),
    ("7//2 and 2 ** 10", "7 opfloordiv 2 and 2 oppower 10"),
    ("n % 2 == 0", "n opmodulo 2 opequals 0"),
])
def test_operators_become_terms(text: str, spelt: str) -> None:
    assert " ".join(spell_operators(text).split()) == " ".join(spelt.split())


@pytest.mark.parametrize("text", ["a **bold** word", "50% of them", "well-known and/or",
                                  "- a list item"])
def test_markdown_hyphens_and_percentages_stay_words(text: str) -> None:
    assert spell_operators(text) == text


def test_the_kind_of_answer_a_question_needs() -> None:
    assert answer_kind("When were the Normans in Normandy?") == "time"
    assert answer_kind("How many people live in Warsaw?") == "number"
    assert answer_kind("Who was the Norse leader?") == "name"
    assert answer_kind("What is a variable?") is None
    assert can_hold("It happened in the 10th century.", "time")
    assert not can_hold("The Normans were a people of France.", "time")
    assert can_hold("About 1.7 million people live there.", "number")
    assert not can_hold("the leader agreed to swear fealty", "name")


def test_negation_and_the_names_a_question_turns_on() -> None:
    assert negated("What can not be achieved by this?")
    assert not negated("What can be achieved by this?")
    assert entities("Who gave their name to Normandy in the 1000's?") == ["Normandy", "1000"]
    assert missing_entities("Who ruled Normandy in 1000?",
                            "Normandy was ruled by dukes in the 10th century") == 0.5


def test_the_direction_of_a_conversion() -> None:
    direction = conversion("how do I convert text to a number?")
    assert direction == ("text", "number")
    assert turns_into('`int("42")` gives the number `42`', "number")
    assert not turns_into('`int("42")` gives the number `42`', "text")
    assert turns_into('`str(7)` gives the text `"7"`', "text")


@pytest.mark.parametrize("question", [
    "Please check tasks 1 and 2 too!",
    "Why is there an error in line 11?",
    "How did you implement the interaction?",
    "Hubo doesn't proceed after hubo.turn_left() in my code",
    "I only used abs to convert to a positive number, is that needed?",
    'Traceback (most recent call last):\n  File "a.py", line 3, in <module>',
    "I have no idea what to do in the last step",
    "is valid checks if num1 and num2 are in my range, is it returning false?",
])
def test_questions_about_their_own_work(question: str) -> None:
    assert read_work(question, known=lambda name: name in {"abs"}).own


@pytest.mark.parametrize("question", [
    "How do I write my own function?",
    "whats the % thing do in python",
    "What is a variable?",
    "how do i turn text into a number in python",
    "how do I add an item to the end of my list?",
])
def test_general_questions_are_not_own_work(question: str) -> None:
    assert not read_work(question, known=lambda name: True).own


def test_a_pasted_error_is_read_as_its_type() -> None:
    work = read_work("TypeError: can only concatenate str (not \"int\") to str")
    assert work.error == "TypeError"
    assert "TypeError" in work.concept
