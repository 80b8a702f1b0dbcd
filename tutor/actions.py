"""The one action vocabulary: every button, poll answer and form an adapter receives is one
of these, decoded once here. `Tutor.handle` decides whether it is valid here and now.

On the wire (Telegram's callback data, Discord's custom ids, the nudge outbox) an action is
a short ASCII string, `code:field:field`, at most 64 bytes (Telegram's callback_data limit).
The codes are stable: buttons on old messages must keep working after an upgrade.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from typing import Literal, get_args

__all__ = ["MAX_BYTES", "Action", "AlertChoice", "AnswerTyped", "Choose", "DraftSet", "Feedback",
           "Forget", "Hint", "Mute", "OpenCard", "OpenLesson", "PickCourse", "QuestionAction",
           "Screen", "ScreenName", "SetPreference", "Skip", "StartQuiz", "Submit", "Tick", "Vote",
           "decode", "encode"]

MAX_BYTES = 64

ScreenName = Literal["continue", "next", "back", "menu", "lessons", "score", "courses", "progress",
                     "review", "settings", "placement"]
SCREENS: frozenset[str] = frozenset(get_args(ScreenName))


@dataclass(frozen=True)
class Screen:
    """Go to one of the fixed places: the menu, the next card, the settings..."""

    name: ScreenName


@dataclass(frozen=True)
class PickCourse:
    slug: str


@dataclass(frozen=True)
class OpenLesson:
    lesson_id: int


@dataclass(frozen=True)
class StartQuiz:
    lesson_id: int


@dataclass(frozen=True)
class OpenCard:
    card_id: int


@dataclass(frozen=True)
class Choose:
    """Pick an option of a single-answer question (a button or a quiz poll)."""

    question_id: int
    option: int


@dataclass(frozen=True)
class Tick:
    """Tick or untick an option of a multiple-answer question."""

    question_id: int
    option: int


@dataclass(frozen=True)
class Submit:
    question_id: int


@dataclass(frozen=True)
class Hint:
    question_id: int


@dataclass(frozen=True)
class Skip:
    question_id: int


@dataclass(frozen=True)
class AnswerTyped:
    """A typed answer from a form that belongs to one question (never a button)."""

    question_id: int
    text: str


@dataclass(frozen=True)
class Vote:
    """An answer to a question the core sent as a poll, or as a message with a button per
    option: `poll_id` is the id the adapter reported in `Sent.external_id`. The core finds
    the question, whose it is, and whether it is still open."""

    poll_id: str
    option: int


@dataclass(frozen=True)
class Mute:
    """A nudge's "Stop these": `c<campaign id>` or an automatic rule's name."""

    what: str


@dataclass(frozen=True)
class SetPreference:
    name: str
    value: str


@dataclass(frozen=True)
class DraftSet:
    """A teacher's campaign draft: its course, its audience (by number), or "confirm"
    with yes or no."""

    field: str
    value: str


@dataclass(frozen=True)
class AlertChoice:
    """A teacher's answer to an at-risk alert: encourage (draft a message), send (it),
    contact (they will reach out themselves) or dismiss."""

    alert_id: int
    choice: str


@dataclass(frozen=True)
class Feedback:
    """A learner's word on a card (card 0: the whole lesson): clear or confusing."""

    lesson_id: int
    card_id: int
    verdict: str


@dataclass(frozen=True)
class Forget:
    """The confirmation of /forgetme."""


Action = (Screen | PickCourse | OpenLesson | StartQuiz | OpenCard | Choose | Tick | Submit
          | Hint | Skip | AnswerTyped | Vote | Mute | SetPreference | DraftSet | AlertChoice
          | Feedback | Forget)
QuestionAction = Choose | Tick | Submit | Hint | Skip | AnswerTyped

_CODES: dict[type, str] = {
    PickCourse: "course", OpenLesson: "lesson", StartQuiz: "quiz", OpenCard: "card",
    Choose: "ans", Tick: "tog", Submit: "sub", Hint: "hint", Skip: "skip",
    Mute: "mute", SetPreference: "set", DraftSet: "draft", AlertChoice: "alert",
    Feedback: "fb",
}
_KINDS = {code: kind for kind, code in _CODES.items()}
FORGET = "forget:yes"


def encode(action: Action) -> str:
    """The wire form; ValueError for an action that has none or would not fit."""
    if isinstance(action, Screen):
        return action.name
    if isinstance(action, Forget):
        return FORGET
    code = _CODES.get(type(action))
    if code is None:
        raise ValueError(f"{type(action).__name__} is never sent as a button")
    data = ":".join([code, *map(str, astuple(action))])
    if len(data.encode()) > MAX_BYTES or not data.isascii():
        raise ValueError(f"the action {data[:80]!r} does not fit in {MAX_BYTES} ASCII bytes")
    return data


def decode(data: str) -> Action | None:
    """The action a button's data stands for; None for anything malformed or unknown."""
    if len(data.encode()) > MAX_BYTES or not data.isascii():
        return None
    if data in SCREENS:
        return Screen(data)  # type: ignore[arg-type]  # checked against ScreenName above
    if data == FORGET:
        return Forget()
    code, _, rest = data.partition(":")
    kind = _KINDS.get(code)
    if kind is None:
        return None
    slots = fields(kind)
    parts = rest.split(":", len(slots) - 1)
    if len(parts) != len(slots) or not all(parts):
        return None
    values: list[object] = []
    for slot, part in zip(slots, parts, strict=True):
        if slot.type == "int":
            if not part.isdigit() or len(part) > 12:
                return None
            values.append(int(part))
        else:
            values.append(part)
    found: Action = kind(*values)
    return found
