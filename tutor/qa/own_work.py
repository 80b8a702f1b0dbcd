"""Questions about the learner's own work, and error messages they paste.

The tutor cannot see a learner's program. "Why doesn't my loop in task 2 stop?" is not a
gap in the course, and "the course does not cover that" is the wrong reply: the right one
says it cannot see the code and points to what the course says about the concept. The cues
below come from a written rule (benchmarks/data/cs1qa_labels.yaml: it names a task, line
numbers, their program's functions or variables, asks to check or explain their code) and
are measured on a labelled sample of real questions from an intro course.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Work", "read_work"]

_ASSIGNMENT = re.compile(
    r"\b(tasks?|problems?|assignments?|homework|hw|labs?|exercises?|practice|missions?|"
    r"principles?|codes?|parts?|steps?|number)\s*#?\s*(\d+|one|two|three|four|five)\b|"
    r"\b(the|this|my|our|that) (task|assignment|homework|lab|exercise|mission|problem)s?\b|"
    r"\btask\d|#\d+", re.IGNORECASE)
_LINES = re.compile(r"\blines?\s*#?\s*\d+|\b\d+(st|nd|rd|th)? lines?\b", re.IGNORECASE)
# "my code" asks about their program, unless the message asks how to do something in
# general ("how do I write my own function?").
_THEIR_CODE = re.compile(
    r"\b(my|our|your|this|his|her|their) (own )?(code|program|function|loop|solution|script|"
    r"implementation|algorithm|output|result|variable|method|class|condition|file|image|"
    r"picture|robot|game|list|range|input|value|number|array|string|tuple|data)s?\b|"
    r"\b(check|look at|review|debug)\b.*\b(code|mine|program)\b|"
    r"\bexplain\b.*\b(you|your)\b|\bthe (whole |entire |example )?code\b|\bthe role of\b|"
    r"\b(no idea|not sure|don'?t know|do not know) (what|how) to (do|approach|start|solve)\b",
    re.IGNORECASE)
_GENERAL_HOW = re.compile(r"^\W*how (do|can|should|would|could) (i|you|u|we)\b", re.IGNORECASE)
# What someone did in their program: "how did you divide the cases", "I only used abs".
_WHAT_THEY_DID = re.compile(
    r"\b(how|why|what|where|when) (did|do|does|have) (you|they|we) (\w+ )?(implement|"
    r"implemented|divide|distinguish|decide|solve|tell|define|write|wrote|use|used|make|"
    r"made)\b|\b(i|we) (only |just |also |then )?(used|changed|wrote|made|tried|added|"
    r"implemented|received|called|defined|created|modified|fixed)\b", re.IGNORECASE)
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")
_PASTED_ERROR = re.compile(r"\s*(Traceback|(\w+\.)*[A-Z]\w*(Error|Exception)\b\s*:)")
_ERROR = re.compile(r"\b([A-Z][A-Za-z]*(?:Error|Exception)|StopIteration|KeyboardInterrupt)\b")
# A name from their program: snake_case (print_cards), camelCase (moveTo), or a call
# (hubo.move(), Image()).
_PROGRAM_NAME = re.compile(r"\b([A-Za-z]\w*_\w+|[a-z]+[A-Z]\w*)\b|\b([A-Za-z]\w*)\s*\(")


@dataclass(frozen=True)
class Work:
    """What a message says about the learner's own work."""

    own: bool  # about their program or assignment, which the tutor cannot see
    error: str | None  # the error type it names or pastes ("TypeError"), if any
    concept: str  # the message with the parts about their program taken out


def read_work(message: str, known: Callable[[str], bool] = lambda name: False) -> Work:
    """Cues, in the order of the labelling rule: a task, line numbers, their code, what
    they did in it, a traceback, a name from their program that the course never uses
    (`known` tells which names the course uses)."""
    error_match = _ERROR.search(message)
    error = error_match.group(1) if error_match else None
    their_code = bool(_THEIR_CODE.search(message)) and not _GENERAL_HOW.search(message)
    names = {m.group(1) or m.group(2) for m in _PROGRAM_NAME.finditer(message)}
    own = their_code or any(p.search(message) for p in (_ASSIGNMENT, _LINES, _WHAT_THEY_DID,
                                                         _TRACEBACK)) \
        or any(not known(name) for name in names)
    return Work(own, error, _concept(message, error))


def _concept(message: str, error: str | None) -> str:
    """What to look up in the course: for a pasted error, what the error type means;
    otherwise the message without the task and line references."""
    if error is not None and _PASTED_ERROR.match(message):
        return f"{error}: what does a {error} mean"
    text = _LINES.sub(" ", _ASSIGNMENT.sub(" ", message))
    return " ".join(text.split()) or message
