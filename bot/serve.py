"""Running the chat platforms in one process, sharing one core and one database."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

from telegram import Update

from tutor import Database, Settings, Tutor

__all__ = ["serve"]

log = logging.getLogger(__name__)


async def serve(settings: Settings, tutor: Tutor, database: Database, *, telegram: bool,
                discord: bool, on_import: Callable[[], None] | None = None,
                index_problem: Callable[[], str | None] | None = None,
                index_size: Callable[[], int] | None = None) -> None:
    """Until SIGINT or SIGTERM: then every platform stops cleanly (updates in flight are
    finished, connections closed)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started: list[Any] = []
    discord_task: asyncio.Task[None] | None = None
    service: Any = None
    web: asyncio.Future[None] | None = None
    webhook: asyncio.Future[None] | None = None
    try:
        if telegram:
            application = await _start_telegram(settings, tutor, database)
            started.append(application)
            if settings.telegram_webhook_url:
                webhook = asyncio.ensure_future(_serve_webhook(settings, database, application,
                                                               stop))
                webhook.add_done_callback(lambda _: stop.set())
        if discord:
            from bot.discord import build_bot

            assert settings.discord_bot_token is not None
            client = build_bot(settings, tutor, database)
            discord_task = asyncio.create_task(
                client.start(settings.discord_bot_token.get_secret_value()))
            discord_task.add_done_callback(lambda _: stop.set())  # a fatal login error
            started.append(client)
        if settings.nudges and started:
            service = await _start_nudges(settings, database, started)
        if settings.web_port is not None:
            from bot.web.serve import dashboard_for, serve_dashboard

            dashboard = dashboard_for(settings, database, on_import, index_problem, index_size)
            web = asyncio.ensure_future(serve_dashboard(dashboard, settings.web_host,
                                                        settings.web_port, stop))
            web.add_done_callback(lambda _: stop.set())  # the port was taken, say
        log.info("tutorbot is running (%s); Ctrl-C to stop",
                 ", ".join(p for p, on in (("Telegram", telegram), ("Discord", discord)) if on))
        await stop.wait()
    finally:
        stop.set()
        if web is not None:
            await web
        if webhook is not None:
            await webhook  # the turns in flight finish before the platforms stop
        if service is not None:
            await service.stop()
        for platform in reversed(started):
            await _stop(platform)
        if discord_task is not None and discord_task.done() and not discord_task.cancelled() \
                and discord_task.exception() is not None:
            raise discord_task.exception()  # type: ignore[misc]


async def _start_nudges(settings: Settings, database: Database, started: list[Any]) -> Any:
    from telegram.ext import Application

    from nudges.service import NudgeService

    channels: dict[str, Any] = {}
    for platform in started:
        if isinstance(platform, Application):
            from bot.telegram.channel import TelegramChannel

            channels["telegram"] = TelegramChannel(platform.bot)
        else:
            from bot.discord.channel import DiscordChannel

            channels["discord"] = DiscordChannel(platform)
    service = NudgeService(database, channels, cap=settings.nudge_daily_cap,
                           rate=settings.nudge_rate, teachers=settings.teachers,
                           alert_at=settings.risk_alert_at,
                           alerts_per_day=settings.risk_alerts_per_day)
    await service.start()
    return service


async def _start_telegram(settings: Settings, tutor: Tutor, database: Database) -> Any:
    from bot.telegram import build_application

    application = build_application(settings, tutor, database)
    await application.initialize()
    await application.bot_data["tutorbot"].post_init(application)
    if settings.telegram_webhook_url:
        secret = settings.telegram_webhook_secret
        await application.bot.set_webhook(
            settings.telegram_webhook_url, allowed_updates=Update.ALL_TYPES,
            secret_token=secret.get_secret_value() if secret else None)
    else:
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
    await application.start()
    return application


async def _serve_webhook(settings: Settings, database: Database, application: Any,
                         stop: asyncio.Event) -> None:
    from bot.telegram.adapter import PLATFORM
    from bot.telegram.webhook import Webhook, serve_webhook
    from tutor.inbox import Inbox

    secret = settings.telegram_webhook_secret
    webhook = Webhook(application, Inbox(database, PLATFORM),
                      secret.get_secret_value() if secret else None)
    await serve_webhook(webhook, settings.telegram_webhook_listen,
                        settings.telegram_webhook_port, stop)


async def _stop(platform: Any) -> None:
    from telegram.ext import Application

    if isinstance(platform, Application):
        if platform.updater is not None and platform.updater.running:
            await platform.updater.stop()
        if platform.running:
            await platform.stop()
        await platform.shutdown()
    else:
        await platform.close()
