"""Whether a learner's identity can be reached: the one exception for "this user blocked
us" and the one writer of `unreachable_since`, for turns, nudges and platform events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from tutor.storage.models import Identity

__all__ = ["Unreachable", "set_reachable"]


class Unreachable(Exception):
    """The platform will not deliver to this user (they blocked the bot, left, closed DMs).

    Adapters turn their platform's own error (Telegram's Forbidden, Discord's Forbidden or
    NotFound) into this, so nudges and the core never learn a platform's error types."""


def set_reachable(session: Session, platform: str, user_id: str, reachable: bool,
                  now: datetime) -> None:
    """Record that we can (again) or cannot reach them; the caller commits."""
    session.execute(update(Identity).where(
        Identity.platform == platform, Identity.platform_user_id == user_id).values(
        unreachable_since=None if reachable else now))
