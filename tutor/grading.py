"""Grading every question type, and reading a learner's typed answer.

Typed answers match ignoring case, surrounding space, punctuation and accents;
numbers match within the question's tolerance.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

__all__ = ["AnswerShapeError", "Gradable", "Grade", "correct_indices", "display_options",
           "expected_answer", "grade",
           "normalize",
           "parse_choices", "parse_number"]

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "right", "correct", "vrai", "wahr", "si", "sí"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "wrong", "incorrect", "faux", "falsch"})
# After NFKC, which turns full-width "；" and "，" into ";" and ","; "、" is how Chinese
# lists things.
_SEPARATORS = re.compile(r"[,;、\s]+")
_BLANK_SEPARATORS = re.compile(r"\s*[;|\n]\s*")
_LIST = re.compile(r"\s*[,、]\s*")
_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d+)?|\d*[.,]\d+)([eE][-+]?\d+)?$")
DEFAULT_RELATIVE_TOLERANCE = 1e-9


class Gradable(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def options(self) -> Sequence[str]: ...
    @property
    def answers(self) -> Sequence[str]: ...
    @property
    def tolerance(self) -> float | None: ...


class AnswerShapeError(ValueError):
    """The answer cannot be read for this question; the message tells the learner how."""


@dataclass(frozen=True)
class Grade:
    correct: bool
    score: float
    expected: str  # the right answer, as a learner should read it


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = "".join(c if c.isalnum() else " " for c in plain)
    return " ".join(words.split())


def parse_number(text: str) -> float | None:
    """A number as people type it: `3.5`, `3,5`, `-2`, `1/4`, `1e3`, `3.5 cm`."""
    token = text.strip().split(" ", 1)[0] if text.strip() else ""
    if "/" in token:
        try:
            return float(Fraction(token))
        except (ValueError, ZeroDivisionError):
            return None
    if not _NUMBER.match(token):
        return None
    value = float(token.replace(",", "."))
    return value if math.isfinite(value) else None


def display_options(question: Gradable) -> tuple[str, ...]:
    if question.kind == "true_false":
        return ("True", "False")
    return tuple(question.options)


def correct_indices(question: Gradable) -> tuple[int, ...]:
    options = display_options(question)
    if question.kind == "true_false":
        return (0,) if question.answers[0] == "true" else (1,)
    return tuple(i for i, option in enumerate(options) if option in question.answers)


def expected_answer(question: Gradable) -> str:
    """The right answer as a learner should read it."""
    options = display_options(question)
    if options:
        return "; ".join(options[i] for i in correct_indices(question))
    if question.kind == "cloze":
        return "; ".join(blank.split("|")[0] for blank in question.answers)
    return question.answers[0]


def parse_choices(text: str, question: Gradable) -> tuple[int, ...]:
    """Option numbers (`2`, `1,3`), letters (`b`), an option's text, or true/false words.

    Numbers mean option numbers first, as every adapter tells learners to type them;
    an option's own text is the fallback (so `2` picks option 2 even if option 1 is "2").
    """
    options = display_options(question)
    wanted = normalize(text)
    if question.kind == "true_false" and wanted in TRUE_WORDS | FALSE_WORDS:
        return (0,) if wanted in TRUE_WORDS else (1,)
    typed = unicodedata.normalize("NFKC", text).strip()
    picks = [_option_index(token, len(options)) for token in _SEPARATORS.split(typed) if token]
    if not picks or None in picks:
        for index, option in enumerate(options):
            if wanted and normalize(option) == wanted:
                return (index,)
        example = "1" if question.kind != "multiple" else "1, 3"
        raise AnswerShapeError(f"Answer with an option number from 1 to {len(options)}, "
                               f"e.g. `{example}`.")
    chosen = tuple(sorted({p for p in picks if p is not None}))
    if question.kind != "multiple" and len(chosen) > 1:
        raise AnswerShapeError("Pick just one option for this question.")
    return chosen


def _option_index(token: str, count: int) -> int | None:
    token = token.strip(".)").lower()
    if token.isdigit() and 1 <= int(token) <= count:
        return int(token) - 1
    if len(token) == 1 and "a" <= token <= "z" and ord(token) - ord("a") < count:
        return ord(token) - ord("a")
    return None


def grade(question: Gradable, response: str | Sequence[int]) -> Grade:
    """Grade a response: option indices for choice kinds, text for typed kinds."""
    if question.kind in ("single", "multiple", "true_false"):
        chosen = parse_choices(response, question) if isinstance(response, str) else response
        return _grade_choice(question, tuple(chosen))
    if not isinstance(response, str):
        raise AnswerShapeError("Type your answer for this question.")
    if not response.strip():
        raise AnswerShapeError("Type an answer, or /hint for a hint, or /skip.")
    if question.kind == "cloze":
        return _grade_cloze(question, response)
    return _grade_short(question, response)


def _grade_choice(question: Gradable, chosen: tuple[int, ...]) -> Grade:
    options = display_options(question)
    if not chosen or any(not 0 <= i < len(options) for i in chosen):
        raise AnswerShapeError(f"Pick an option from 1 to {len(options)}.")
    right = set(correct_indices(question))
    picked = set(chosen)
    expected = expected_answer(question)
    if question.kind != "multiple":
        ok = picked == right
        return Grade(ok, float(ok), expected)
    # Partial credit: right picks minus wrong picks, over the number of right options.
    score = max(0.0, (len(picked & right) - len(picked - right)) / len(right))
    return Grade(picked == right, score, expected)


def _matches(given: str, accepted: str, tolerance: float | None) -> bool:
    expected_number = parse_number(accepted)
    given_number = parse_number(given)
    if expected_number is not None and given_number is not None:
        if tolerance is not None:
            return abs(given_number - expected_number) <= tolerance + 1e-12
        return math.isclose(given_number, expected_number, rel_tol=DEFAULT_RELATIVE_TOLERANCE)
    wanted = _without_article(normalize(accepted))
    if not wanted:  # an answer made only of symbols, such as `%` or `==`
        return given.strip() == accepted.strip()
    return _without_article(normalize(given)) == wanted


def _without_article(text: str) -> str:
    """"the mantle" and "mantle" are the same answer."""
    first, _, rest = text.partition(" ")
    return rest if first in ("the", "a", "an") and rest else text


def _grade_short(question: Gradable, response: str) -> Grade:
    ok = any(_matches(response, accepted, question.tolerance) for accepted in question.answers)
    return Grade(ok, float(ok), expected_answer(question))


def _grade_cloze(question: Gradable, response: str) -> Grade:
    blanks = list(question.answers)
    typed = unicodedata.normalize("NFKC", response).strip()
    given = [typed] if len(blanks) == 1 else _BLANK_SEPARATORS.split(typed)
    if len(blanks) > 1 and len(given) != len(blanks):
        given = [part for part in _LIST.split(typed) if part]
    if len(given) != len(blanks):
        raise AnswerShapeError(f"This sentence has {len(blanks)} blanks: fill them in order, "
                               "separated by semicolons, e.g. `first; second`.")
    hits = [any(_matches(g, alt, None) for alt in blank.split("|"))
            for g, blank in zip(given, blanks, strict=True)]
    return Grade(all(hits), sum(hits) / len(blanks), expected_answer(question))
