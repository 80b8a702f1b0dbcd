"""Nudges out through Discord direct messages (the `nudges.Channel` protocol); discord.py
keeps within Discord's rate limits itself."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord.render import render
from nudges.channel import RetryLater, Unreachable
from tutor import Button, Text

__all__ = ["DiscordChannel"]


class DiscordChannel:
    platform = "discord"

    def __init__(self, client: discord.Client, rate_per_second: float = 10.0) -> None:
        self.client = client
        self.rate_per_second = rate_per_second
        self.paces_itself = True  # discord.py keeps Discord's rate limits and retries 429s

    async def send(self, user_id: str, text: str, buttons: Sequence[Button]) -> None:
        if not self.client.is_ready():
            raise RetryLater(2.0)  # still logging in: the nudge waits, it does not fail
        try:
            user = self.client.get_user(int(user_id)) or await self.client.fetch_user(
                int(user_id))
            for outgoing in render([Text(text, buttons=(tuple(buttons),) if buttons else ())]):
                await user.send(**outgoing.kwargs())
        except (discord.Forbidden, discord.NotFound) as exc:
            raise Unreachable(str(exc)) from exc
