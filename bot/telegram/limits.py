"""PTB's AIORateLimiter, plus Telegram's one message a second in each private chat.

It paces; it does not retry. A 429 goes back to whoever sent: the adapter's turn retries it
after retry_after, the nudge dispatcher reschedules it. One layer each, never three."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

__all__ = ["ChatRateLimiter"]

JSON = bool | dict[str, Any] | list[dict[str, Any]]
OVERALL_PER_SECOND = 30 * 0.97  # just under Telegram's 30 a second: jitter bunches arrivals
MAX_CHATS = 10_000  # private-chat limiters kept; the oldest go first
_UNLIMITED = {"answerCallbackQuery", "getMe", "getUpdates", "setMyCommands", "deleteWebhook",
              "setWebhook", "getFile"}


class ChatRateLimiter(AIORateLimiter):
    """30 messages a second in all and 20 a minute per group (PTB's defaults), and one a
    second per private chat."""

    def __init__(self, per_chat_per_second: float = 1.0, max_retries: int = 0,
                 overall_per_second: float = OVERALL_PER_SECOND) -> None:
        # One message at a time at an even pace, not 30 in a burst: a burst followed by the
        # bucket's refill puts up to 60 messages into one second, which Telegram refuses.
        super().__init__(overall_max_rate=1, overall_time_period=1 / overall_per_second,
                         max_retries=max_retries)
        self._rate = per_chat_per_second
        # The chats heard from lately, oldest first; a chat quiet for longer than the pace
        # needs no limiter, so the table stays small however many chats there are.
        self._private: OrderedDict[int, AsyncLimiter] = OrderedDict()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat = None
        with contextlib.suppress(TypeError, ValueError):
            chat = int(data.get("chat_id"))  # type: ignore[arg-type]
        if chat is None or chat < 0 or endpoint in _UNLIMITED:
            return await super().process_request(callback, args, kwargs, endpoint, data,
                                                  rate_limit_args)
        limiter = self._private.pop(chat, None) or AsyncLimiter(1, 1 / self._rate)
        self._private[chat] = limiter
        while len(self._private) > MAX_CHATS:
            self._private.popitem(last=False)

        async def paced(*a: Any, **k: Any) -> JSON:
            async with limiter:
                return await callback(*a, **k)

        return await super().process_request(paced, args, kwargs, endpoint, data,
                                              rate_limit_args)
