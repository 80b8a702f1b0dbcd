"""Discord, with discord.py: `tutorbot run --discord`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.ext import commands, tasks

from bot.discord.adapter import FORM_EXPIRED, DiscordAdapter
from bot.discord.campaigns import Campaigns
from bot.discord.cogs import Groups, learning_commands
from bot.discord.translator import CatalogTranslator
from bot.discord.views import CoreButton, CoreMenu, GroupAnswerButton, TypeAnswerButton
from tutor import Database, Settings, Tutor
from tutor.i18n import said

__all__ = ["DiscordAdapter", "ShardedTutorDiscordBot", "TutorDiscordBot", "build_bot"]


class TutorDiscordBot(commands.Bot):
    def __init__(self, adapter: DiscordAdapter, *, test_guild: int | None = None,
                 sync_commands: bool = True, **client: Any) -> None:
        # Guilds and DMs are all it needs: DMs carry their text without the privileged
        # message-content intent, and everything in servers is slash commands and buttons.
        super().__init__(command_prefix=commands.when_mentioned,
                         intents=discord.Intents.default(), help_command=None, **client)
        self.tutorbot = adapter
        self.test_guild = test_guild
        self.sync_commands = sync_commands

    async def setup_hook(self) -> None:
        # Persistent: a click on any old message is routed by its custom id.
        self.add_dynamic_items(CoreButton, CoreMenu, TypeAnswerButton, GroupAnswerButton)
        for command in learning_commands(self.tutorbot):
            self.tree.add_command(command)
        await self.add_cog(Groups(self.tutorbot))
        await self.add_cog(Campaigns(self.tutorbot))
        await self.tree.set_translator(CatalogTranslator())
        self.post_due.start()
        if self.sync_commands:
            if self.test_guild is not None:
                guild = discord.Object(id=self.test_guild)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            else:
                await self.tree.sync()

    @tasks.loop(seconds=1.0)
    async def post_due(self) -> None:
        """Group quiz deadlines live in the database; this looks for the ones due, so a
        question whose time ran out during a restart is closed right after it."""
        await self.tutorbot.post_due(self)

    @post_due.before_loop
    async def _until_ready(self) -> None:
        await self.wait_until_ready()

    @post_due.error
    async def _due_failed(self, error: BaseException) -> None:
        logging.getLogger(__name__).error("the group quiz clock failed", exc_info=error)
        self.post_due.restart()

    async def close(self) -> None:
        self.post_due.cancel()
        await super().close()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A form no handler holds (opened before a restart: discord.py keeps open forms in
        memory) would get nothing, and Discord would say "Something went wrong". Unanswered
        when the deadline nears, it is told to open the form again."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        await asyncio.sleep(self.tutorbot.unanswered_after)
        if interaction.response.is_done():
            return
        try:
            await interaction.response.send_message(said(FORM_EXPIRED, interaction.locale.value),
                                                    ephemeral=True)
        except discord.HTTPException:  # answered meanwhile, or too late
            logging.getLogger(__name__).info("an unanswered form got no fallback")

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is not None:
            return  # in servers: slash commands and buttons only
        await self.tutorbot.direct_message(message)


class ShardedTutorDiscordBot(TutorDiscordBot, commands.AutoShardedBot):
    """The same bot over several gateway connections (discord.py's AutoShardedBot): one
    process, shards chosen by Discord ("auto") or by DISCORD_SHARDS."""


def build_bot(settings: Settings, tutor: Tutor, database: Database, **extra: Any
              ) -> TutorDiscordBot:
    adapter = DiscordAdapter(tutor, teacher_role=settings.discord_teacher_role)
    if settings.discord_shards:
        count = None if settings.discord_shards == "auto" else int(settings.discord_shards)
        return ShardedTutorDiscordBot(adapter, test_guild=settings.discord_test_guild,
                                      shard_count=count, **extra)
    return TutorDiscordBot(adapter, test_guild=settings.discord_test_guild, **extra)
