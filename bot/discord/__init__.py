"""Discord, with discord.py: `tutorbot run --discord`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bot.discord.adapter import PLATFORM, DiscordAdapter
from bot.discord.campaigns import Campaigns
from bot.discord.cogs import Groups, learning_commands
from bot.discord.views import CoreButton, GroupAnswerButton, TypeAnswerButton
from tutor import Database, Settings, Tutor
from tutor.groups import GroupStore
from tutor.platforms import PlatformStore

__all__ = ["DiscordAdapter", "TutorDiscordBot", "build_bot"]


class TutorDiscordBot(commands.Bot):
    def __init__(self, adapter: DiscordAdapter, *, test_guild: int | None = None,
                 sync_commands: bool = True, database: Database | None = None,
                 teachers: tuple[str, ...] = (), charts_dir: Path = Path("charts")) -> None:
        # Guilds and DMs are all it needs: DMs carry their text without the privileged
        # message-content intent, and everything in servers is slash commands and buttons.
        super().__init__(command_prefix=commands.when_mentioned,
                         intents=discord.Intents.default(), help_command=None)
        self.tutorbot = adapter
        self.test_guild = test_guild
        self.sync_commands = sync_commands
        self.database = database
        self.teachers = teachers
        self.charts_dir = charts_dir

    async def setup_hook(self) -> None:
        # Persistent: a click on any old message is routed by its custom id.
        self.add_dynamic_items(CoreButton, TypeAnswerButton, GroupAnswerButton)
        for command in learning_commands(self.tutorbot):
            self.tree.add_command(command)
        await self.add_cog(Groups(self.tutorbot))
        if self.database is not None:
            await self.add_cog(Campaigns(self.tutorbot, self.database, self.teachers,
                                         self.charts_dir))
        if self.sync_commands:
            if self.test_guild is not None:
                guild = discord.Object(id=self.test_guild)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            else:
                await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is not None:
            return  # in servers: slash commands and buttons only
        await self.tutorbot.direct_message(message)


def build_bot(settings: Settings, tutor: Tutor, database: Database, **extra: Any
              ) -> TutorDiscordBot:
    adapter = DiscordAdapter(tutor, PlatformStore(database, PLATFORM),
                             GroupStore(database, PLATFORM),
                             teacher_role=settings.discord_teacher_role)
    return TutorDiscordBot(adapter, test_guild=settings.discord_test_guild, database=database,
                           teachers=tuple(settings.teachers),
                           charts_dir=settings.data_dir / "charts", **extra)
