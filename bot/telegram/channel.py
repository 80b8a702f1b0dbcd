"""Nudges out through Telegram (the `nudges.Channel` protocol)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter

from bot.telegram.render import keyboard, split
from nudges.channel import RetryLater, Unreachable
from tutor.messages import Button

__all__ = ["TelegramChannel"]


class TelegramChannel:
    platform = "telegram"

    def __init__(self, bot: Bot, rate_per_second: float = 30.0) -> None:
        self.bot = bot
        self.rate_per_second = rate_per_second  # Telegram: about 30 messages a second in all
        # With the rate limiter installed the bot keeps the pace for turns and nudges alike.
        self.paces_itself = getattr(bot, "rate_limiter", None) is not None

    async def send(self, user_id: str, text: str, buttons: Sequence[Button]) -> None:
        markup = keyboard(tuple((button,) for button in buttons)) if buttons else None
        pieces = split(text) or [" "]
        try:
            for n, piece in enumerate(pieces):
                await self.bot.send_message(int(user_id), piece, parse_mode=ParseMode.HTML,
                                            reply_markup=markup if n == len(pieces) - 1
                                            else None)
        except Forbidden as exc:
            raise Unreachable(exc.message) from exc
        except RetryAfter as exc:
            delay = exc.retry_after
            raise RetryLater(delay.total_seconds() if isinstance(delay, timedelta)
                             else float(delay)) from exc
