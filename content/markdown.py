"""Split a lesson body into cards and question blocks, keeping source lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

__all__ = ["Block", "RawCard", "split_body"]

QUESTION_FENCES = frozenset({"question", "quiz"})
_CARD_HEADING_TAGS = frozenset({"h1", "h2"})


@dataclass
class RawCard:
    title: str | None
    line: int
    lines: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass(frozen=True)
class Block:
    """A fenced question block: its YAML text and the file line of that text."""

    text: str
    line: int


def split_body(body: str, first_line: int) -> tuple[list[RawCard], list[Block]]:
    """Cards start at `#`/`##` headings and `---` rules; question fences are lifted out.

    `first_line` is the file line (1-based) of the body's first line.
    """
    source = body.splitlines()
    tokens = MarkdownIt("commonmark").parse(body)
    cards: list[RawCard] = []
    blocks: list[Block] = []
    current: RawCard | None = None
    skip_until = -1
    for index, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.map[0] < skip_until:
            continue
        start, end = token.map
        if token.type == "heading_open" and token.tag in _CARD_HEADING_TAGS:
            title = tokens[index + 1].content.strip()
            current = RawCard(title=title, line=first_line + start)
            cards.append(current)
            skip_until = end
        elif token.type == "hr":
            current = None
        elif token.type == "fence" and token.info.strip().lower() in QUESTION_FENCES:
            blocks.append(Block(text=token.content, line=first_line + start + 1))
        elif token.type.endswith("_open") or token.type in ("fence", "code_block", "html_block"):
            if current is None:
                current = RawCard(title=None, line=first_line + start)
                cards.append(current)
            current.lines.extend(source[start:end])
            current.lines.append("")
            skip_until = end
    return cards, blocks


# Chinese (Han) characters stay in a card's key: a heading of Han characters alone would
# otherwise give "card", "card-2"..., keys that move when a card is inserted before them.
_NOT_IN_KEY = re.compile(r"[^a-z0-9\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def slugify(text: str) -> str:
    return _NOT_IN_KEY.sub("-", text.lower()).strip("-")[:40] or "card"
