"""Campaigns from Discord: `/campaign create` (options, then a form for the message),
`/campaign preview`, `/campaign list`, `/campaign status` and `/report`. Each is the core's
command of the same name (the core checks that the member is a teacher); the form sends its
fields in the core's one-line shape, and the core answers with a preview and a Create
button."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.adapter import DiscordAdapter, identity
from bot.discord.views import FORM_TIMEOUT
from nudges.campaign import AUDIENCES
from tutor import commands as core_commands
from tutor.flows.teaching import NOT_A_TEACHER

__all__ = ["Campaigns"]

Interaction = discord.Interaction[Any]
AUDIENCE_CHOICES = [app_commands.Choice(name=label, value=label) for label in AUDIENCES]
SCHEDULES = "daily 18:00, weekdays 8:30, once 2026-12-01 18:00, after 3 days"


def one_line(course: str, audience: str, schedule: str, message: str) -> str:
    return " | ".join(part.replace("|", "/") for part in (course, audience, schedule, message))


class MessageForm(discord.ui.Modal, title="The campaign's message"):
    message: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Message", style=discord.TextStyle.paragraph, max_length=1000,
        custom_id="message",
        placeholder="Hi {name}, " + "{course} has " + "{due} questions waiting for you.")

    def __init__(self, adapter: DiscordAdapter, course: str, audience: str, schedule: str
                 ) -> None:
        # discord.py's random custom id, never a fixed one: two teachers' open forms are
        # told apart by it (a fixed id gave one teacher the other's campaign).
        super().__init__(timeout=FORM_TIMEOUT)
        self.adapter, self.fields = adapter, (course, audience, schedule)

    async def on_submit(self, interaction: Interaction) -> None:
        await self.adapter.turn(interaction, command="campaign",
                                text=one_line(*self.fields, str(self.message.value)))


class Campaigns(commands.Cog):
    campaign = app_commands.Group(name="campaign", description="Nudge campaigns (teachers)",
                                  guild_only=True)

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    async def cog_app_command_error(self, interaction: Interaction,
                                    error: app_commands.AppCommandError) -> None:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) \
            else error
        await self.adapter.report_error(interaction, original)

    @campaign.command(name="create", description="Schedule a nudge campaign")
    @app_commands.describe(course="The course id, e.g. python-basics", schedule=SCHEDULES)
    @app_commands.choices(audience=AUDIENCE_CHOICES)
    async def create(self, interaction: Interaction, course: str,
                     audience: app_commands.Choice[str], schedule: str) -> None:
        if not self.adapter.tutor.teaching.may_teach(
                identity(interaction.user), staff=self.adapter.is_teacher(interaction.user)):
            await interaction.response.send_message(NOT_A_TEACHER, ephemeral=True)
            return
        await interaction.response.send_modal(
            MessageForm(self.adapter, course, audience.value, schedule))

    @campaign.command(name="preview", description="Audience, samples and delivery time")
    @app_commands.describe(course="The course id", schedule=SCHEDULES,
                           message="The message, with {name}, {course}, {due}...")
    @app_commands.choices(audience=AUDIENCE_CHOICES)
    async def preview(self, interaction: Interaction, course: str,
                      audience: app_commands.Choice[str], schedule: str, message: str) -> None:
        await self.adapter.turn(interaction, command="campaign",
                                text=one_line(course, audience.value, schedule, message))

    @campaign.command(name="list", description="The campaigns and what they sent")
    async def list_(self, interaction: Interaction) -> None:
        await self.adapter.turn(interaction, command="campaigns")

    @campaign.command(name="status", description="Pause, resume or cancel a campaign")
    @app_commands.choices(change=[app_commands.Choice(name=v, value=v)
                                  for v in ("pause", "resume", "cancel")])
    async def status(self, interaction: Interaction, change: app_commands.Choice[str],
                     campaign_id: int) -> None:
        await self.adapter.turn(interaction, command="campaigns",
                                text=f"{change.value} {campaign_id}")

    @app_commands.command(name="dashboard",
                          description=core_commands.command("dashboard").summary)
    async def dashboard(self, interaction: Interaction) -> None:
        # In a server the core lists a teacher for its courses and says to ask in a DM,
        # where the link itself is given: a link is never posted where others might see it.
        await self.adapter.turn(interaction, command="dashboard")

    @app_commands.command(name="report", description="How the campaigns are doing (teachers)")
    @app_commands.guild_only()
    @app_commands.describe(course="The course of the class overview (default: the largest)")
    async def report(self, interaction: Interaction, course: str = "") -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.adapter.turn(interaction, command="report", text=course)
