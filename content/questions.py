"""Turn a question block into a `Question`, or say precisely what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass

from content.formulas import with_text
from content.model import CLOZE_BLANK, POLL_LIMITS, Question, QuestionSpec
from content.problems import Severity

__all__ = ["Finding", "build_question"]

MAX_OPTIONS = 12


@dataclass(frozen=True)
class Finding:
    """A problem with one field of a question block."""

    field: str
    severity: Severity
    message: str


def build_question(spec: QuestionSpec, line: int) -> tuple[Question | None, list[Finding]]:
    answers, findings = _answers(spec)
    findings += _poll_warnings(spec)
    if spec.tolerance is not None and not (spec.type == "short" and _all_numeric(answers)):
        findings.append(_error("tolerance", "a tolerance only applies to numeric short answers"))
    if any(f.severity is Severity.ERROR for f in findings):
        return None, findings
    # Formulas as Unicode text: a quiz is text (and polls) on every platform.
    math = with_text
    choice = spec.type in ("single", "multiple")
    question = Question(
        id=spec.id,
        kind=spec.type,
        prompt=math(spec.prompt),
        skills=tuple(spec.skills),
        difficulty=spec.difficulty,
        explanation=math(spec.explanation),
        hints=tuple(math(h) for h in spec.hints),
        options=tuple(math(o) for o in spec.options or ()),
        answers=tuple(math(a) for a in answers) if choice else answers,
        tolerance=spec.tolerance,
        line=line,
    )
    return question, findings


def _error(field: str, message: str) -> Finding:
    return Finding(field, Severity.ERROR, message)


def _answers(spec: QuestionSpec) -> tuple[tuple[str, ...], list[Finding]]:
    if spec.type in ("single", "multiple"):
        return _choice_answers(spec)
    if spec.options:
        return (), [_error("options", f"a {spec.type} question takes no options")]
    if spec.type == "true_false":
        if not isinstance(spec.answer, bool):
            return (), [_error("answer", "a true_false question needs `answer: true` or `false`")]
        return (str(spec.answer).lower(),), []
    if spec.type == "cloze":
        return _cloze_answers(spec)
    return _short_answers(spec)


def _choice_answers(spec: QuestionSpec) -> tuple[tuple[str, ...], list[Finding]]:
    options = spec.options or []
    if len(options) < 2:
        return (), [_error("options", f"a {spec.type} question needs at least 2 options")]
    if len(options) > MAX_OPTIONS:
        return (), [_error("options", f"{len(options)} options; at most {MAX_OPTIONS} fit a chat")]
    duplicates = sorted({o for o in options if options.count(o) > 1})
    if duplicates:
        return (), [_error("options", f"the option {duplicates[0]!r} is listed twice")]
    raw = spec.answer if isinstance(spec.answer, list) else [spec.answer]
    chosen = [str(a) for a in raw if a is not None and not isinstance(a, bool)]
    if not chosen:
        return (), [_error("answer", "no correct answer: set `answer:` to the text of an option")]
    unknown = [a for a in chosen if a not in options]
    if unknown:
        return (), [_error("answer", f"the answer {unknown[0]!r} is not one of the options")]
    if spec.type == "single" and len(chosen) != 1:
        return (), [_error("answer", "a single question has exactly one correct option")]
    return tuple(dict.fromkeys(chosen)), []


def _cloze_answers(spec: QuestionSpec) -> tuple[tuple[str, ...], list[Finding]]:
    blanks = [b.strip() for b in CLOZE_BLANK.findall(spec.prompt)]
    if not blanks:
        return (), [_error("prompt", "a cloze prompt needs at least one blank, like {{answer}}")]
    if spec.answer is not None:
        return (), [_error("answer", "a cloze question keeps its answers in the {{blanks}}")]
    if any(not part.strip() for blank in blanks for part in blank.split("|")):
        return (), [_error("prompt", "a cloze blank has an empty alternative")]
    return tuple(blanks), []


def _short_answers(spec: QuestionSpec) -> tuple[tuple[str, ...], list[Finding]]:
    raw = spec.answer if isinstance(spec.answer, list) else [spec.answer]
    accepted = [str(a).strip() for a in raw if a is not None and not isinstance(a, bool)]
    if not any(accepted):
        return (), [_error("answer", "a short question needs at least one accepted answer")]
    return tuple(a for a in accepted if a), []


def _all_numeric(answers: tuple[str, ...]) -> bool:
    try:
        [float(a) for a in answers]
    except ValueError:
        return False
    return bool(answers)


def _poll_warnings(spec: QuestionSpec) -> list[Finding]:
    """Telegram shows single-choice questions as native quiz polls only within its limits.

    A long explanation is no reason to fall back: it is sent as a message after the poll.
    """
    if spec.type != "single" or not spec.options:
        return []
    limits = POLL_LIMITS
    fallback = "Telegram will show it with buttons instead of a native quiz poll"
    reasons = []
    if len(spec.prompt) > limits.question:
        reasons.append(("prompt", f"the prompt has {len(spec.prompt)} characters (poll limit "
                                  f"{limits.question})"))
    if len(spec.options) > limits.options:
        reasons.append(("options", f"{len(spec.options)} options (poll limit {limits.options})"))
    longest = max(spec.options, key=len)
    if len(longest) > limits.option:
        reasons.append(("options", f"an option has {len(longest)} characters (poll limit "
                                   f"{limits.option})"))
    return [Finding(f, Severity.WARNING, f"{why}: {fallback}") for f, why in reasons]
