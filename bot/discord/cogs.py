"""Slash commands: personal learning, and study groups (course, group quiz, leaderboard)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.adapter import PLATFORM, DiscordAdapter, GroupQuizError
from tutor import Text
from tutor import commands as core_commands

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

    @course.command(name="set", description="Link this channel to a course (teachers)")
    @app_commands.describe(course="The course id, e.g. python-basics")
    async def course_set(self, interaction: Interaction, course: str) -> None:
        # The channel sees a teacher's link; anyone else's refusal stays theirs.
        await self.adapter.turn(interaction, command="group", text=f"course {course}",
                                public=self.adapter.is_teacher(interaction.user))

    @course.command(name="timezone", description="The server's time zone (teachers)")
    @app_commands.describe(zone="A city, a name like Europe/Paris, or an offset like +2")
    async def course_timezone(self, interaction: Interaction, zone: str) -> None:
        await self.adapter.turn(interaction, command="group", text=f"timezone {zone}")

    @app_commands.command(description=core_commands.command("groupquiz").summary)
    @app_commands.guild_only()
    @app_commands.describe(questions="How many questions", seconds="Seconds per question",
                           course="A course id (else the channel's course, or yours)")
    async def groupquiz(self, interaction: Interaction,
                        questions: app_commands.Range[int, 1, 20] = 5,
                        seconds: app_commands.Range[int, 5, 300] = 30,
                        course: str = "") -> None:
        deferral = self.adapter.deferral(interaction, public=True)  # a thread, a post...
        thread: discord.Thread | None = None
        try:
            said, thread = await self.adapter.start_group_quiz(
                interaction, f"{course} {questions} {seconds}s")
        except GroupQuizError as problem:
            said = str(problem)
        finally:
            await deferral.settle()
        if thread is None:
            await self.adapter.respond(interaction, [Text(said)])
        else:
            await self.adapter.respond(interaction, [Text(f"{said}\n\n👉 {thread.mention}")],
                                       public=True)

    @board.command(name="show", description="This week's points in this server")
    async def board_show(self, interaction: Interaction) -> None:
        await self.adapter.turn(interaction, command="leaderboard", public=True)

    @board.command(name="optout", description="Leave your name off leaderboards")
    async def board_optout(self, interaction: Interaction) -> None:
        await self.adapter.turn(interaction, command="leaderboard", text="optout")

    @board.command(name="optin", description="Show your name on leaderboards again")
    async def board_optin(self, interaction: Interaction) -> None:
        await self.adapter.turn(interaction, command="leaderboard", text="optin")
