"""The core's vocabulary: what comes in from a chat, and the replies that go out.

Replies carry text in one small markup, a subset of Markdown: `**bold**`, `*italic*`,
`` `code` ``, fenced code blocks, bullet lists and `#` headings. Each adapter renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tutor.actions import Action

__all__ = [
    "Button",
    "Identity",
    "Image",
    "Inbound",
    "QuestionReply",
    "Reply",
    "Text",
    "parse_command",
]


@dataclass(frozen=True)
class Identity:
    """Who, on which platform; the platform is an opaque name to the core."""

    platform: str
    user_id: str


@dataclass(frozen=True)
class Inbound:
    """One thing a learner did: typed text, a /command, or a button press, poll answer or
    form (`action`, decoded by the adapter with `tutor.actions.decode`)."""

    identity: Identity
    chat_id: str
    text: str = ""
    command: str | None = None
    action: Action | None = None
    is_group: bool = False
    display_name: str = ""
    at: datetime | None = None
    # The platform's id for this delivery (an update or interaction id), when it has one:
    # the same answer delivered twice is then counted once.
    event_id: str | None = None
    # Something the learner sent that is not text ("voice", "sticker", "photo"...).
    media: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.action, str):  # the commonest slip in an adapter
            raise TypeError("Inbound.action takes a decoded action: tutor.actions.decode(data)")

    @classmethod
    def from_text(cls, identity: Identity, chat_id: str, text: str, **extra: object) -> Inbound:
        """Split `/command args` from plain text, as every platform types them."""
        command, rest = parse_command(text)
        return cls(identity=identity, chat_id=chat_id, text=rest, command=command,
                   **extra)  # type: ignore[arg-type]


def parse_command(text: str) -> tuple[str | None, str]:
    """`/quiz@tutorbot 2` -> ("quiz", "2"); plain text -> (None, text)."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None, text
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not name.replace("_", "").isalnum():
        return None, text
    return name, rest.strip()


@dataclass(frozen=True)
class Button:
    label: str
    action: Action  # on the wire: `tutor.actions.encode`, at most 64 ASCII bytes


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Text:
    text: str
    buttons: Keyboard = ()
    # "feedback" on an answer: a platform whose native quiz already showed right or wrong
    # and the explanation may leave it out.
    role: str = ""


@dataclass(frozen=True)
class QuestionReply:
    """A quiz question. `correct` and `explanation` let an adapter use native quiz polls."""

    question_id: int
    kind: str
    prompt: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    explanation: str
    header: str = ""
    selected: tuple[int, ...] = ()
    buttons: Keyboard = field(default=())

    @property
    def typed(self) -> bool:
        """Answered by typing text rather than picking an option."""
        return not self.options


@dataclass(frozen=True)
class Image:
    path: Path
    caption: str = ""


Reply = Text | QuestionReply | Image
