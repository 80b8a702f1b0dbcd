"""Campaigns from Discord: `/campaign create` (options, then a form for the message),
`/campaign list` and `/report`, for the server's teachers only."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.adapter import DiscordAdapter
from bot.teaching import (
    NOT_A_TEACHER,
    Draft,
    campaigns_text,
    change_status,
    overview_image,
    report_text,
)
from nudges.campaign import AUDIENCES, parse_schedule
from tutor import Database

__all__ = ["Campaigns"]

Interaction = discord.Interaction[Any]


class MessageForm(discord.ui.Modal, title="The campaign's message"):
    message: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Message", style=discord.TextStyle.paragraph, max_length=1000,
        custom_id="message",
        placeholder="Hi {name}, " + "{course} has " + "{due} questions waiting for you.")

    def __init__(self, cog: Campaigns, draft: Draft) -> None:
        super().__init__(custom_id="campaign-form")
        self.cog, self.draft = cog, draft

    async def on_submit(self, interaction: Interaction) -> None:
        self.draft.text = str(self.message.value)
        try:
            shown = await asyncio.to_thread(self.draft.preview, self.cog.database)
            number = await asyncio.to_thread(self.draft.create, self.cog.database,
                                             f"discord:{interaction.user.id}")
        except ValueError as problem:
            await interaction.response.send_message(f"Not created: {problem}", ephemeral=True)
            return
        await interaction.response.send_message(
            f"📣 Campaign {number} created.\n\n{shown}", ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none())


class Campaigns(commands.Cog):
    campaign = app_commands.Group(name="campaign", description="Nudge campaigns (teachers)",
                                  guild_only=True)

    def __init__(self, adapter: DiscordAdapter, database: Database,
                 teachers: tuple[str, ...] = (), charts_dir: Path = Path("charts")) -> None:
        self.adapter, self.database, self.teachers = adapter, database, teachers
        self.charts_dir = charts_dir

    async def cog_app_command_error(self, interaction: Interaction,
                                    error: app_commands.AppCommandError) -> None:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) \
            else error
        await self.adapter.report_error(interaction, original)

    async def _allowed(self, interaction: Interaction) -> bool:
        if self.adapter.is_teacher(interaction.user) or \
                f"discord:{interaction.user.id}" in self.teachers:
            return True
        await interaction.response.send_message(NOT_A_TEACHER, ephemeral=True)
        return False

    @campaign.command(name="create", description="Schedule a nudge campaign")
    @app_commands.describe(course="The course id, e.g. python-basics",
                           schedule="daily 18:00, weekdays 8:30, once 2026-12-01 18:00, "
                                    "after 3 days")
    @app_commands.choices(audience=[app_commands.Choice(name=label, value=label)
                                    for label in AUDIENCES])
    async def create(self, interaction: Interaction, course: str,
                     audience: app_commands.Choice[str], schedule: str) -> None:
        if not await self._allowed(interaction):
            return
        try:
            parse_schedule(schedule)
        except ValueError as problem:
            await interaction.response.send_message(str(problem), ephemeral=True)
            return
        draft = Draft(course=course, audience=audience.value, schedule=schedule)
        await interaction.response.send_modal(MessageForm(self, draft))

    @campaign.command(name="preview", description="Audience, samples and delivery time")
    @app_commands.describe(course="The course id", schedule="e.g. daily 18:00",
                           message="The message, with {name}, {course}, {due}...")
    @app_commands.choices(audience=[app_commands.Choice(name=label, value=label)
                                    for label in AUDIENCES])
    async def preview(self, interaction: Interaction, course: str,
                      audience: app_commands.Choice[str], schedule: str, message: str) -> None:
        if not await self._allowed(interaction):
            return
        draft = Draft(course=course, audience=audience.value, schedule=schedule, text=message)
        try:
            shown = await asyncio.to_thread(draft.preview, self.database)
        except ValueError as problem:
            shown = f"That would not work: {problem}"
        await interaction.response.send_message(shown[:2000], ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())

    @campaign.command(name="list", description="The campaigns and what they sent")
    async def list_(self, interaction: Interaction) -> None:
        if await self._allowed(interaction):
            text = await asyncio.to_thread(campaigns_text, self.database)
            await interaction.response.send_message(text, ephemeral=True)

    @campaign.command(name="status", description="Pause, resume or cancel a campaign")
    @app_commands.choices(change=[app_commands.Choice(name=v, value=v)
                                  for v in ("pause", "resume", "cancel")])
    async def status(self, interaction: Interaction, change: app_commands.Choice[str],
                     campaign_id: int) -> None:
        if await self._allowed(interaction):
            said = await asyncio.to_thread(change_status, self.database,
                                           f"{change.value} {campaign_id}")
            await interaction.response.send_message(said, ephemeral=True)

    @app_commands.command(name="report", description="How the campaigns are doing (teachers)")
    @app_commands.guild_only()
    @app_commands.describe(course="The course of the class overview (default: the largest)")
    async def report(self, interaction: Interaction, course: str = "") -> None:
        if not await self._allowed(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await asyncio.to_thread(report_text, self.database)
        image = await asyncio.to_thread(overview_image, self.database, course, self.charts_dir)
        if image is None:
            await interaction.followup.send(text[:2000], ephemeral=True)
        else:
            await interaction.followup.send(text[:2000], ephemeral=True,
                                            file=discord.File(image, filename=image.name))

