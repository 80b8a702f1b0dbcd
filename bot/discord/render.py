"""The core's replies as Discord messages: embeds (Discord reads the core's Markdown as it
is), buttons with stable custom ids, and the chart as an attachment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord

from tutor import Image, QuestionReply, Reply, Text
from tutor.messages import Keyboard

__all__ = ["EMBED_CHARS", "Outgoing", "core_view", "render"]

EMBED_CHARS = 4096  # an embed description's limit
COLOUR = discord.Colour.from_rgb(67, 97, 238)
NO_PINGS = discord.AllowedMentions.none()  # a course or learner text never pings anyone


@dataclass
class Outgoing:
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    file: Path | None = None

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"allowed_mentions": NO_PINGS}
        if self.embed is not None:
            out["embed"] = self.embed
        if self.view is not None:
            out["view"] = self.view
        if self.file is not None:
            out["file"] = discord.File(self.file, filename=self.file.name)
        return out


def _pieces(text: str) -> list[str]:
    """Split between paragraphs, then lines, then anywhere, under the embed limit."""
    if len(text) <= EMBED_CHARS:
        return [text]
    pieces, current = [], ""
    for part in text.replace("\n\n", "\n\n\0").split("\0"):
        while len(part) > EMBED_CHARS:
            pieces.append(part[:EMBED_CHARS])
            part = part[EMBED_CHARS:]
        if len(current) + len(part) > EMBED_CHARS:
            pieces.append(current)
            current = ""
        current += part
    if current:
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def core_view(rows: Keyboard, extra: list[discord.ui.Item[Any]] | None = None
              ) -> discord.ui.View | None:
    """Buttons whose custom id carries the core's action: they work after a restart."""
    from bot.discord.views import CoreButton

    if not rows and not extra:
        return None
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows[:5]):
        for button in row[:5]:
            view.add_item(CoreButton(button.action, button.label, row=number))
    for item in extra or []:
        view.add_item(item)
    return view


def render(replies: list[Reply]) -> list[Outgoing]:
    from bot.discord.views import TypeAnswerButton

    out: list[Outgoing] = []
    for reply in replies:
        if isinstance(reply, Text):
            pieces = _pieces(reply.text) or ["…"]
            for n, piece in enumerate(pieces):
                last = n == len(pieces) - 1
                out.append(Outgoing(discord.Embed(description=piece, colour=COLOUR),
                                    core_view(reply.buttons) if last else None))
        elif isinstance(reply, QuestionReply):
            lines = [reply.prompt]
            if reply.options:
                lines.append("\n".join(f"**{i}.** {o}" for i, o in enumerate(reply.options, 1)))
            embed = discord.Embed(title=reply.header or None, description="\n\n".join(lines)[
                :EMBED_CHARS], colour=COLOUR)
            extra: list[discord.ui.Item[Any]] = [TypeAnswerButton(reply.question_id)] \
                if reply.typed else []
            out.append(Outgoing(embed, core_view(reply.buttons, extra)))
        elif isinstance(reply, Image):
            embed = discord.Embed(title=reply.caption or None, colour=COLOUR)
            embed.set_image(url=f"attachment://{reply.path.name}")
            out.append(Outgoing(embed, file=reply.path))
    return out
