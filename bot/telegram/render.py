"""The core's markup as Telegram HTML, split to fit, with inline keyboards.

Everything from a learner or a course is escaped: `<`, `&` and `<b>` arrive as text, never
as markup. Formulas and code stay readable as `<code>`/`<pre>` (monospace, no images).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.layout import TELEGRAM, Menu, pages
from tutor.actions import encode
from tutor.messages import Button, Keyboard, QuestionReply

__all__ = ["MAX_CHARS", "keyboard", "keyboards", "question_text", "split", "to_html"]

log = logging.getLogger(__name__)
MAX_CHARS = 4096  # Telegram's limit for one message
_MARKDOWN = MarkdownIt("commonmark", {"html": False})  # raw HTML in a text stays text
_INLINE = {"strong_open": "<b>", "strong_close": "</b>", "em_open": "<i>", "em_close": "</i>",
           "s_open": "<s>", "s_close": "</s>"}


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _inline(children: list[Token]) -> str:
    out = []
    linked = False
    for token in children:
        if token.type == "text":
            out.append(_escape(token.content))
        elif token.type == "code_inline":
            out.append(f"<code>{_escape(token.content)}</code>")
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            linked = href.startswith(("http://", "https://"))  # no javascript: and the like
            out.append(f'<a href="{html.escape(href, quote=True)}">' if linked else "")
        elif token.type == "link_close":
            out.append("</a>" if linked else "")
            linked = False
        elif token.type in _INLINE:
            out.append(_INLINE[token.type])
        elif token.type == "image":
            out.append(_escape(token.content))
        else:
            out.append(_escape(token.content))
    return "".join(out)


def to_html(markup: str) -> str:
    """Render the core's small Markdown (bold, italic, code, fences, lists, headings)."""
    blocks: list[tuple[str, bool]] = []  # (html, is a list item)
    prefix: list[str] = []
    ordinal: list[int] = []
    for token in _MARKDOWN.parse(markup):
        if token.type == "bullet_list_open":
            ordinal.append(0)
        elif token.type == "ordered_list_open":
            ordinal.append(int(token.attrs.get("start", 1) or 1))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            ordinal.pop()
        elif token.type == "list_item_open":
            if ordinal and ordinal[-1]:
                prefix.append(f"{ordinal[-1]}. ")
                ordinal[-1] += 1
            else:
                prefix.append("• ")
        elif token.type == "inline":
            text = _inline(token.children or [])
            item = bool(prefix)
            if prefix:
                text, prefix = "".join(prefix) + text, []
            if blocks and blocks[-1][0] == "<b>":
                blocks[-1] = ("<b>" + text + "</b>", False)
            else:
                blocks.append((text, item))
        elif token.type == "heading_open":
            blocks.append(("<b>", False))
        elif token.type in ("fence", "code_block"):
            blocks.append((f"<pre>{_escape(token.content.rstrip())}</pre>", False))
        elif token.type == "hr":
            blocks.append(("—", False))
    return _join(blocks)


def _join(blocks: list[tuple[str, bool]]) -> str:
    out, previous_item = "", False
    for text, item in blocks:
        if out:
            out += "\n" if item and previous_item else "\n\n"
        out += text
        previous_item = item
    return out


def split(markup: str, limit: int = MAX_CHARS) -> list[str]:
    """HTML messages within the limit, cut between paragraphs (then lines) of the markup,
    so a tag is never cut in half; an endless line goes as plain escaped text in pieces."""
    rendered = to_html(markup)
    if len(rendered) <= limit:
        return [rendered] if rendered else []
    pieces: list[str] = []
    current = ""
    for part in _parts(markup, limit):
        candidate = f"{current}\n\n{part}" if current else part
        if len(to_html(candidate)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(to_html(current))
        current = part
    if current:
        pieces.append(to_html(current))
    return pieces


def _parts(markup: str, limit: int) -> Iterator[str]:
    for paragraph in markup.split("\n\n"):
        if len(to_html(paragraph)) <= limit:
            yield paragraph
            continue
        for line in paragraph.split("\n"):
            if len(to_html(line)) <= limit:
                yield line
                continue
            # One line longer than a message: plain pieces, escaped markup and all.
            step = limit // 6  # room for escaping (& becomes &amp;) to grow the text
            for start in range(0, len(line), step):
                yield _literal(line[start:start + step])


def _literal(text: str) -> str:
    """Markdown that renders to exactly `text` (every punctuation mark backslash-escaped)."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!<>&|~" else c for c in text)


def question_text(reply: QuestionReply) -> str:
    """A question as a text message: header, prompt, and numbered options."""
    parts = [f"**{reply.header}**"] if reply.header else []
    parts.append(reply.prompt)
    if reply.options:
        parts.append("\n".join(f"{i}. {option}" for i, option in enumerate(reply.options, 1)))
    if reply.typed:
        parts.append("_Type your answer._")
    return "\n\n".join(parts)


def keyboards(rows: Keyboard) -> list[InlineKeyboardMarkup]:
    """Inline keyboards within Telegram's limits (8 buttons a row, 100 a message): the
    message's own, then one for each further message that what did not fit needs."""
    if not rows:
        return []
    return [InlineKeyboardMarkup([[_button(b) for b in row] for row in layout.rows
                                  if not isinstance(row, Menu)])  # Telegram has no menus
            for layout in pages(rows, TELEGRAM)]


def _button(button: Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(button.label[:64], callback_data=encode(button.action))


def keyboard(rows: Keyboard) -> InlineKeyboardMarkup | None:
    """The keyboard of a message that carries a few buttons by construction (a question's,
    a nudge's): anything beyond Telegram's limits is logged, never silently lost."""
    found = keyboards(rows)
    if len(found) > 1:
        log.error("a keyboard of %d buttons did not fit one Telegram message",
                  sum(len(row) for row in rows))
    return found[0] if found else None
