"""How nudges leave: a `Channel` per platform, implemented in bot/ (nudges never import it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tutor.messages import Button
from tutor.reach import Unreachable as _CoreUnreachable

__all__ = ["Channel", "RetryLater", "Unreachable"]


# The core's one exception for a user who blocked us; a Channel raises it.
Unreachable = _CoreUnreachable


class RetryLater(Exception):
    """The platform asked us to slow down; try this message again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Channel(Protocol):
    platform: str
    rate_per_second: float  # the platform's overall limit for a bot
    paces_itself: bool  # the platform's client keeps that limit: the dispatcher need not

    async def send(self, user_id: str, text: str, buttons: Sequence[Button]) -> None:
        """Deliver a nudge: the core's markup and buttons, in one row. Raises
        Unreachable or RetryLater; anything else is a failure to report."""
        ...
