"""Slash commands: personal learning, and study groups (course, group quiz, leaderboard)."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.adapter import PLATFORM, DiscordAdapter, GroupQuizError, identity
from bot.discord.render import NO_PINGS, render
from tutor import Text
from tutor import commands as core_commands
from tutor.markup import plain
from tutor.timezones import describe_zone, parse_timezone

__all__ = ["Groups", "learning_commands"]

Interaction = discord.Interaction[Any]


def _original(error: app_commands.AppCommandError) -> BaseException:
    return error.original if isinstance(error, app_commands.CommandInvokeError) else error


def learning_commands(adapter: DiscordAdapter) -> list[app_commands.Command[Any, Any, None]]:
    """The core's commands for everyone, as slash commands generated from its list: the
    core answers each of them, as in Telegram and the terminal."""
    return [_slash(adapter, spec) for spec in core_commands.menu(PLATFORM, "everyone")]


def _slash(adapter: DiscordAdapter, spec: core_commands.Command
           ) -> app_commands.Command[Any, Any, None]:
    async def turn(interaction: Interaction, text: str) -> None:
        if spec.slow:
            await interaction.response.defer(ephemeral=interaction.guild is not None,
                                             thinking=True)
        await adapter.turn(interaction, command=spec.name, text=text)

    async def bare(interaction: Interaction) -> None:
        await turn(interaction, "")

    async def optional(interaction: Interaction, text: str = "") -> None:
        await turn(interaction, text)

    async def required(interaction: Interaction,
                       text: app_commands.Range[str, 1, 1000]) -> None:
        await turn(interaction, text)

    callback: Any = bare
    if spec.argument:
        callback = app_commands.rename(text=spec.argument)(app_commands.describe(
            text=spec.argument_help or spec.argument)(required if spec.required else optional))
    command: app_commands.Command[Any, Any, None] = app_commands.Command(
        name=spec.name, description=spec.summary[:100], callback=callback)

    @command.error
    async def on_error(interaction: Interaction, error: app_commands.AppCommandError) -> None:
        await adapter.report_error(interaction, _original(error))

    return command


class Groups(commands.Cog):
    """A server's channels study a course together."""

    course = app_commands.Group(name="course", description="The course this channel studies",
                                guild_only=True)
    board = app_commands.Group(name="leaderboard", description="This week's quiz points",
                               guild_only=True)

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    async def cog_app_command_error(self, interaction: Interaction,
                                    error: app_commands.AppCommandError) -> None:
        await self.adapter.report_error(interaction, _original(error))

    async def _teachers_only(self, interaction: Interaction) -> bool:
        if self.adapter.is_teacher(interaction.user):
            return True
        await interaction.response.send_message(
            f"Only the server's teachers can do that: members with *Manage Server* or the "
            f"*{self.adapter.teacher_role}* role.", ephemeral=True)
        return False

    @course.command(name="set", description="Link this channel to a course (teachers)")
    @app_commands.describe(course="The course id, e.g. python-basics")
    async def course_set(self, interaction: Interaction, course: str) -> None:
        if not await self._teachers_only(interaction) or interaction.guild is None:
            return
        title = await asyncio.to_thread(self.adapter.groups.set_course,
                                        str(interaction.guild.id),
                                        str(interaction.channel_id), course)
        if title is None:
            await interaction.response.send_message(
                f"There is no course `{course[:40]}`. The courses are listed by /start.",
                ephemeral=True)
            return
        await interaction.response.send_message(
            f"📚 This channel now studies **{title}**. Try `/groupquiz`!",
            allowed_mentions=discord.AllowedMentions.none())

    @course.command(name="timezone", description="The server's time zone (teachers)")
    @app_commands.describe(zone="A city, a name like Europe/Paris, or an offset like +2")
    async def course_timezone(self, interaction: Interaction, zone: str) -> None:
        if not await self._teachers_only(interaction) or interaction.guild is None:
            return
        found = parse_timezone(zone)
        if found is None:
            await interaction.response.send_message(
                f"I don't know the time zone {zone[:40]!r}.", ephemeral=True)
            return
        await asyncio.to_thread(self.adapter.groups.set_timezone, str(interaction.guild.id),
                                found)
        await interaction.response.send_message(
            f"🕰 Server time zone: **{describe_zone(found)}**. Leaderboards reset on Monday "
            "00:00 there.",
            ephemeral=True)

    @app_commands.command(description=core_commands.command("groupquiz").summary)
    @app_commands.guild_only()
    @app_commands.describe(questions="How many questions", seconds="Seconds per question",
                           course="A course id (else the channel's course, or yours)")
    async def groupquiz(self, interaction: Interaction,
                        questions: app_commands.Range[int, 1, 20] = 5,
                        seconds: app_commands.Range[int, 5, 300] = 30,
                        course: str = "") -> None:
        try:
            said, thread = await self.adapter.start_group_quiz(
                interaction, f"{course} {questions} {seconds}s")
        except GroupQuizError as problem:
            await interaction.response.send_message(str(problem), ephemeral=True,
                                                    allowed_mentions=NO_PINGS)
            return
        for outgoing in render([Text(f"{said}\n\n👉 {thread.mention}")]):
            await interaction.response.send_message(**outgoing.kwargs())

    @board.command(name="show", description="This week's points in this server")
    async def board_show(self, interaction: Interaction) -> None:
        if interaction.guild is None:
            return
        standings = await asyncio.to_thread(self.adapter.groups.leaderboard,
                                            str(interaction.guild.id), self.adapter.tutor.now())
        lines = [f"**{i}.** {plain(s.name)}: {s.points}" for i, s in enumerate(standings, 1)]
        await interaction.response.send_message(
            embed=discord.Embed(title="🏆 This week's leaderboard",
                                description="\n".join(lines) or "No points yet this week: "
                                "start one with `/groupquiz`."),
            allowed_mentions=discord.AllowedMentions.none())

    @board.command(name="optout", description="Leave your name off leaderboards")
    async def board_optout(self, interaction: Interaction) -> None:
        await self._listed(interaction, False)

    @board.command(name="optin", description="Show your name on leaderboards again")
    async def board_optin(self, interaction: Interaction) -> None:
        await self._listed(interaction, True)

    async def _listed(self, interaction: Interaction, listed: bool) -> None:
        known = await asyncio.to_thread(self.adapter.groups.set_listed,
                                        identity(interaction.user), listed)
        said = ("You're on the leaderboards." if listed else
                "Your name stays off the leaderboards.") if known else \
            "I don't know you yet: answer a question first."
        await interaction.response.send_message(said, ephemeral=True)
