"""Persistent components: their custom ids carry everything needed to act on a click, so
buttons on old messages keep working after a restart (discord.py's DynamicItem)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from tutor.actions import Action, Choose, Submit, decode, encode

if TYPE_CHECKING:
    from bot.discord.adapter import DiscordAdapter

__all__ = ["AnswerModal", "CoreButton", "GroupAnswerButton", "TypeAnswerButton"]


def _adapter(interaction: discord.Interaction[Any]) -> DiscordAdapter:
    found: DiscordAdapter = interaction.client.tutorbot
    return found


class CoreButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"tb:(?P<action>[!-~]{1,64})"):
    """A button of the core's: its action's wire form is the id. An id that no longer
    decodes (a very old message) becomes a press the core answers as expired."""

    def __init__(self, action: Action | None, label: str = "…", row: int | None = None,
                 custom_id: str | None = None) -> None:
        style = discord.ButtonStyle.primary if isinstance(action, (Choose, Submit)) else \
            discord.ButtonStyle.secondary
        data = custom_id or f"tb:{encode(action) if action else ''}"
        super().__init__(discord.ui.Button(label=label[:80], custom_id=data, style=style,
                                           row=row))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str]
                             ) -> CoreButton:
        label = getattr(item, "label", None) or "…"
        return cls(decode(match["action"]), label, custom_id=match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _adapter(interaction).press(interaction, self.action)


class TypeAnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=r"tbt:(?P<question>\d+)"):
    """Opens a form to type a short answer in."""

    def __init__(self, question: int) -> None:
        super().__init__(discord.ui.Button(label="✍️ Type the answer",
                                           custom_id=f"tbt:{question}",
                                           style=discord.ButtonStyle.primary))
        self.question = question

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str]
                             ) -> TypeAnswerButton:
        return cls(int(match["question"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(AnswerModal(self.question))


class AnswerModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Answer", max_length=400,
                                                             custom_id="answer")

    def __init__(self, question: int) -> None:
        super().__init__(custom_id=f"tbm:{question}")
        self.question = question

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await _adapter(interaction).typed_answer(interaction, self.question,
                                                 str(self.answer.value))


class GroupAnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                        template=r"gq:(?P<question>\d+):(?P<option>\d{1,2})"):
    """An option of a group quiz question: anyone in the thread may answer once."""

    def __init__(self, question: int, option: int, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label[:80], custom_id=f"gq:{question}:{option}",
                                           style=discord.ButtonStyle.primary))
        self.question, self.option = question, option

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str]
                             ) -> GroupAnswerButton:
        return cls(int(match["question"]), int(match["option"]),
                   getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # The question is in the id for a reader of the message; the message says which.
        await _adapter(interaction).group_answer(interaction, self.option)
