"""Telegram, with python-telegram-bot: `tutorbot run --telegram`."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, ApplicationBuilder

from bot.telegram.adapter import TelegramBot
from bot.telegram.limits import ChatRateLimiter, SharedBudget
from tutor import Database, Settings, Tutor

__all__ = ["TelegramBot", "build_application"]

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def build_application(settings: Settings, tutor: Tutor, database: Database) -> TelegramApp:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put "
                         "it in .env or the environment")
    bot = TelegramBot(tutor)
    base = settings.telegram_base_url.rstrip("/")
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder().token(settings.telegram_bot_token.get_secret_value())
        .base_url(base).base_file_url(base.removesuffix("/bot") + "/file/bot")
        # Different learners at once; one learner's updates stay in order (the adapter).
        .concurrent_updates(64).post_init(bot.post_init))
    if settings.telegram_rate_limits:
        shared = SharedBudget(settings.redis_url) if settings.redis_url else None
        builder = builder.rate_limiter(ChatRateLimiter(shared=shared))
    application = builder.build()
    bot.install(application)
    application.bot_data["tutorbot"] = bot
    return application
