"""PTB's AIORateLimiter, plus Telegram's one message a second in each private chat, and,
with several processes, one budget they all draw on (`SharedBudget`, counted in Redis).

It paces; it does not retry. A 429 goes back to whoever sent: the adapter's turn retries it
after retry_after, the nudge dispatcher reschedules it. One layer each, never three."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from redis.asyncio import Redis
from redis.exceptions import RedisError
from telegram.ext import AIORateLimiter

__all__ = ["ChatRateLimiter", "SharedBudget"]

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]
OVERALL_PER_SECOND = 30 * 0.97  # just under Telegram's 30 a second: jitter bunches arrivals
# Shared by all processes, and spaced when a message is due to leave, not when it lands:
# a busy process sends some late, bunched with the next ones. Five spare, and a message
# that woke too late taking a new moment (LATE), absorb that (two workers on two cores
# with 28 a second and no LATE: up to 10 refused in a run of 600).
SHARED_PER_SECOND = 25
LATE = 0.05  # seconds after its reserved moment that a message still goes out
MAX_CHATS = 10_000  # private-chat limiters kept; the oldest go first
_UNLIMITED = {"answerCallbackQuery", "getMe", "getUpdates", "setMyCommands", "deleteWebhook",
              "setWebhook", "getFile"}


class ChatRateLimiter(AIORateLimiter):
    """30 messages a second in all and 20 a minute per group (PTB's defaults), and one a
    second per private chat."""

    def __init__(self, per_chat_per_second: float = 1.0, max_retries: int = 0,
                 overall_per_second: float = OVERALL_PER_SECOND,
                 shared: SharedBudget | None = None) -> None:
        # One message at a time at an even pace, not 30 in a burst: a burst followed by the
        # bucket's refill puts up to 60 messages into one second, which Telegram refuses.
        super().__init__(overall_max_rate=1, overall_time_period=1 / overall_per_second,
                         max_retries=max_retries)
        self._rate = per_chat_per_second
        # The chats heard from lately, oldest first; a chat quiet for longer than the pace
        # needs no limiter, so the table stays small however many chats there are.
        self._private: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._shared = shared

    async def shutdown(self) -> None:
        await super().shutdown()
        if self._shared is not None:
            await self._shared.close()

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
        if endpoint in _UNLIMITED:
            return await super().process_request(callback, args, kwargs, endpoint, data,
                                                  rate_limit_args)
        if self._shared is not None:  # the other processes' messages count too
            callback = self._shared.wrap(callback, chat)
        if chat is None or chat < 0:
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


class SharedBudget:
    """Telegram's limits for one bot, kept in Redis by every process that sends for it: 25
    messages a second in all, one a second in a private chat, 20 a minute in a group.

    Each send reserves the next free moment (GCRA, with Redis' own clock): sends leave
    evenly spaced, however many processes ask at once. A moving-window count (the `limits`
    package) was tried first and let 31-56 messages into one second with two processes:
    it stamps the moment a request was made, and many waiters retrying at the same reset
    bunch up. Each process still paces itself first (`ChatRateLimiter`).

    If Redis cannot be reached, sending goes on at each process's own pace (said once in
    the log): a Telegram 429 is waited out, a bot that stops talking is worse."""

    # KEYS[1]: when the budget is next free. ARGV: seconds between messages, burst allowed
    # (seconds ahead of now a reservation may be). Returns the seconds to wait.
    _RESERVE = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
        local free = tonumber(redis.call('GET', KEYS[1]) or '0')
        local at = math.max(now, free - tonumber(ARGV[2]))
        local next = math.max(now, free) + tonumber(ARGV[1])
        redis.call('SET', KEYS[1], tostring(next), 'PX', math.ceil((next - now) * 1000) + 1000)
        return tostring(at - now)
    """

    def __init__(self, url: str, per_second: int = SHARED_PER_SECOND) -> None:
        self._redis = Redis.from_url(url, socket_timeout=5)
        self._reserve = self._redis.register_script(self._RESERVE)
        self._overall = (1 / per_second, 0.0)
        self._private = (1.0, 0.0)
        self._group = (3.0, 57.0)  # 20 a minute, all at once if the minute was quiet
        self._failing = False

    def wrap(self, callback: Callable[..., Coroutine[Any, Any, JSON]], chat: int | None
             ) -> Callable[..., Coroutine[Any, Any, JSON]]:
        async def budgeted(*a: Any, **k: Any) -> JSON:
            await self.take(chat)
            return await callback(*a, **k)

        return budgeted

    async def take(self, chat: int | None) -> None:
        """Wait for room for one message to `chat` (None: a send to no chat in particular)."""
        try:
            # The chat first: its wait would otherwise push the send past its slot in all.
            if chat is not None:
                await self._wait(f"tutorbot:telegram:chat:{chat}",
                                 self._private if chat > 0 else self._group)
            await self._wait("tutorbot:telegram:all", self._overall, punctual=True)
        except RedisError as exc:
            if not self._failing:
                log.warning("the shared send budget in Redis is unavailable (%s); each "
                            "process paces itself until it is back", type(exc).__name__)
            self._failing = True
            return
        if self._failing:
            log.info("the shared send budget in Redis is back")
            self._failing = False

    async def _wait(self, key: str, pace: tuple[float, float], *, punctual: bool = False
                    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            delay = float(await self._reserve(keys=[key], args=[pace[0], pace[1]]))
            if delay > 0:
                await asyncio.sleep(delay)
            # A process busy elsewhere wakes late: sent now, the message would land with
            # the next ones. Its moment is gone; it takes a new one. (Late in one chat
            # only spaces that chat's messages more: fine.)
            if not punctual or loop.time() - asked - max(delay, 0) <= LATE:
                return

    async def close(self) -> None:
        await self._redis.aclose()
