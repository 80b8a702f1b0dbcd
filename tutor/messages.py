"""The core's vocabulary: what comes in from a chat, and the replies that go out.

Replies carry text in one small markup, a subset of Markdown: `**bold**`, `*italic*`,
`` `code` ``, fenced code blocks, bullet lists and `#` headings. Each adapter renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from content import POLL_LIMITS
from tutor.actions import Action

__all__ = [
    "Button",
    "GroupQuestion",
    "Identity",
    "Image",
    "Inbound",
    "Posting",
    "QuestionReply",
    "Reply",
    "Sent",
    "Text",
    "Upload",
    "parse_command",
]


@dataclass(frozen=True)
class Identity:
    """Who, on which platform; the platform is an opaque name to the core."""

    platform: str
    user_id: str


@dataclass(frozen=True)
class Upload:
    """A file sent with a command (a teacher's /adddoc): its name and size, and its bytes
    when the adapter fetched them (it fetches only what `Tutor.wants_upload` accepts)."""

    name: str
    size: int
    data: bytes | None = None


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
    # The group a group chat belongs to, where that is not the chat itself (a Discord
    # server's id for one of its channels): study-group settings and points count there.
    group_id: str = ""
    # The platform vouches that this member runs the group (Discord: Manage Server or the
    # teacher role); TEACHERS in the settings lists the others.
    staff: bool = False
    upload: Upload | None = None
    # The language the learner's app says they use (Telegram's language_code, a Discord
    # interaction's locale, the terminal's --lang), as the platform spells it.
    language: str = ""

    @property
    def group(self) -> str:
        return self.group_id or self.chat_id

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
    # and the explanation may leave it out. "receipt": a word to one voter in a group quiz
    # (only they should see it); a platform whose native poll shows the vote leaves it out.
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

    @property
    def fits_poll(self) -> bool:
        """A single-answer question within the limits of a native quiz poll."""
        return (self.kind in ("single", "true_false") and len(self.correct) == 1
                and 2 <= len(self.options) <= POLL_LIMITS.options
                and len(self.prompt) <= POLL_LIMITS.question
                and all(len(o) <= POLL_LIMITS.option for o in self.options))


@dataclass(frozen=True)
class GroupQuestion:
    """A question put to everyone in a group chat for `seconds`. The adapter posts it (a
    native quiz poll, or a message with a button per option) and tells the core where with
    `Tutor.record_sent`; answers then come back as `Vote`s."""

    question: QuestionReply
    quiz_id: int
    number: int
    total: int
    seconds: int


@dataclass(frozen=True)
class Image:
    path: Path
    caption: str = ""


Reply = Text | QuestionReply | GroupQuestion | Image


@dataclass(frozen=True)
class Sent:
    """Where an adapter put a question as a native poll or a message with answer buttons:
    `external_id` is the id its answers will name (a poll id, a message id)."""

    question_id: int
    chat_id: str
    external_id: str
    message_id: str
    for_user: str | None = None  # a private question: whose it is (only they may answer)
    quiz_id: int | None = None
    explained: bool = False  # the poll shows the explanation itself


@dataclass(frozen=True)
class Posting:
    """Replies for a group chat that no message asked for: a group quiz question's results
    and what comes next. The adapter posts them, then tells `Tutor.posted`."""

    quiz_id: int
    number: int  # the number of the question that closed
    chat_id: str
    replies: tuple[Reply, ...]
    closed_message_id: str = ""  # the message of the question that closed, to edit
