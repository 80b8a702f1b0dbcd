"""Why `tutorbot run` could not start, in one line an operator can act on."""

from __future__ import annotations

from tutor import Settings

__all__ = ["startup_problem"]


def startup_problem(exc: BaseException, settings: Settings) -> str | None:
    """A sentence for a failure to reach or log in to a platform; None for anything else
    (a bug: its traceback is worth having)."""
    from telegram.error import InvalidToken, NetworkError

    if isinstance(exc, InvalidToken):
        return ("Telegram refused TELEGRAM_BOT_TOKEN. Copy the token again from @BotFather "
                "(/mybots, API Token) into .env.")
    if isinstance(exc, NetworkError):  # includes TimedOut
        where = settings.telegram_base_url or "api.telegram.org"
        return (f"Could not reach Telegram at {where} ({exc.message}). Check the network, "
                "a proxy, or TELEGRAM_BASE_URL, then start again.")
    return _discord_problem(exc)


def _discord_problem(exc: BaseException) -> str | None:
    import aiohttp
    import discord

    if isinstance(exc, discord.LoginFailure):
        return ("Discord refused DISCORD_BOT_TOKEN. Reset the token in the Developer Portal "
                "(your application, Bot, Reset Token) and put the new one in .env.")
    if isinstance(exc, aiohttp.ClientConnectionError | discord.GatewayNotFound | OSError):
        return (f"Could not reach Discord ({type(exc).__name__}: {exc}). Check the network "
                "or a proxy, then start again.")
    return None
