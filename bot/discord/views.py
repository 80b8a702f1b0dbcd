"""Persistent components: their custom ids carry everything needed to act on a click, so
buttons on old messages keep working after a restart (discord.py's DynamicItem)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.layout import Menu
from tutor.actions import Action, Choose, Submit, decode, encode

if TYPE_CHECKING:
    from bot.discord.adapter import DiscordAdapter

__all__ = ["FORM_TIMEOUT", "AnswerModal", "CoreButton", "CoreMenu", "GroupAnswerButton",
           "TypeAnswerButton"]

# An open form lives in this process's memory (discord.py routes a submission by its custom
# id): an hour is time enough to type an answer; a form never sent is then forgotten.
FORM_TIMEOUT = 3600.0


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


class CoreMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"tbs:(?P<n>\d)"):
    """A list the core sent as buttons, as one select menu: each option's value is its
    button's action on the wire, so picking one is pressing that button."""

    def __init__(self, menu: Menu | None, number: int, row: int | None = None,
                 select: discord.ui.Select[Any] | None = None) -> None:
        if select is None:
            assert menu is not None
            select = discord.ui.Select(
                custom_id=f"tbs:{number}", placeholder=menu.placeholder[:150], row=row,
                options=[discord.SelectOption(label=b.label[:100], value=encode(b.action))
                         for b in menu.buttons])
        super().__init__(select)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str]) -> CoreMenu:
        # A menu rebuilt from the message (after a restart): its picked value is the action.
        return cls(None, int(match["n"]), select=discord.ui.Select(custom_id=match.string))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        picked = self.item.values[0] if self.item.values else ""
        await _adapter(interaction).press(interaction, decode(picked))


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
    """One learner's form for one question. Its custom id is discord.py's random default:
    discord.py keys open forms by custom id alone, so a fixed id per question would hand one
    learner's submission to the form another learner opened last."""

    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Answer", max_length=400,
                                                             custom_id="answer")

    def __init__(self, question: int) -> None:
        super().__init__(timeout=FORM_TIMEOUT)
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
