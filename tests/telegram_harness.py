"""The real PTB Application against the fake Bot API server, for tests and benchmarks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import SecretStr

from bot.telegram import TelegramBot, build_application
from tests.fake_telegram import FakeTelegram
from tutor import Database, Settings, Tutor

__all__ = ["running"]


@asynccontextmanager
async def running(tutor: Tutor, database: Database, *, fake: FakeTelegram | None = None,
                  **settings: Any) -> AsyncIterator[tuple[FakeTelegram, Any]]:
    """Start the fake server (unless one runs already) and the bot (long polling); stop what
    was started here afterwards."""
    own = fake is None or not fake.port
    fake = fake or FakeTelegram()
    if own:
        await fake.start()
    config = Settings(telegram_bot_token=SecretStr(fake.token),
                      telegram_base_url=fake.base_url, **settings)
    application = build_application(config, tutor, database)
    bot: TelegramBot = application.bot_data["tutorbot"]
    bot.retry_delay = 0.01
    await application.initialize()
    await bot.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    await application.start()
    try:
        yield fake, application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        if own:
            await fake.stop()
    assert not fake.violations, f"Telegram would refuse: {fake.violations}"
