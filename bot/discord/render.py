"""The core's replies as Discord messages: embeds (Discord reads the core's Markdown as it
is), buttons with stable custom ids, and the chart as an attachment."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import discord

from bot.layout import DISCORD, MORE, Layout, Menu, pages
from tutor import Image, QuestionReply, Reply, Text
from tutor.messages import Keyboard

__all__ = ["EMBED_CHARS", "Outgoing", "render"]

log = logging.getLogger(__name__)
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


def _view(layout: Layout, extra: list[discord.ui.Item[Any]]) -> discord.ui.View | None:
    """Buttons and menus whose custom ids carry the core's actions: they work after a
    restart. `extra` items take the last row."""
    from bot.discord.views import CoreButton, CoreMenu

    if not layout.rows and not extra:
        return None
    view = discord.ui.View(timeout=None)
    menus = 0
    for number, row in enumerate(layout.rows):
        if isinstance(row, Menu):
            view.add_item(CoreMenu(row, menus, row=number))
            menus += 1
            continue
        for button in row:
            view.add_item(CoreButton(button.action, button.label, row=number))
    for item in extra:
        item.row = len(layout.rows)
        view.add_item(item)
    return view


def _with_buttons(embed: discord.Embed, rows: Keyboard,
                  extra: list[discord.ui.Item[Any]] | None = None) -> list[Outgoing]:
    """The message, within Discord's 5 rows of 5, and a message more for whatever does not
    fit it: no button is lost."""
    extra = extra or []
    room = replace(DISCORD, rows=DISCORD.rows - 1, buttons=DISCORD.buttons - len(extra)) \
        if extra else DISCORD
    laid = pages(rows, DISCORD, first=room)
    if len(laid) > 1:
        log.warning("%d buttons did not fit one Discord message; sent in %d more",
                    len(laid[0].left_out), len(laid) - 1)
    out = [Outgoing(embed, _view(laid[0], extra))]
    out += [Outgoing(discord.Embed(description=MORE, colour=COLOUR), _view(layout, []))
            for layout in laid[1:]]
    return out


def render(replies: list[Reply]) -> list[Outgoing]:
    from bot.discord.views import TypeAnswerButton

    out: list[Outgoing] = []
    for reply in replies:
        if isinstance(reply, Text):
            pieces = _pieces(reply.text) or ["…"]
            for n, piece in enumerate(pieces):
                last = n == len(pieces) - 1
                embed = discord.Embed(description=piece, colour=COLOUR)
                out += _with_buttons(embed, reply.buttons) if last else [Outgoing(embed)]
        elif isinstance(reply, QuestionReply):
            lines = [reply.prompt]
            if reply.options:
                lines.append("\n".join(f"**{i}.** {o}" for i, o in enumerate(reply.options, 1)))
            embed = discord.Embed(title=reply.header[:256] or None, description="\n\n".join(lines)[
                :EMBED_CHARS], colour=COLOUR)
            extra: list[discord.ui.Item[Any]] = [TypeAnswerButton(reply.question_id)] \
                if reply.typed else []
            out += _with_buttons(embed, reply.buttons, extra)
        elif isinstance(reply, Image):
            embed = discord.Embed(title=reply.caption[:256] or None, colour=COLOUR)
            embed.set_image(url=f"attachment://{reply.path.name}")
            out.append(Outgoing(embed, file=reply.path))
    return out
