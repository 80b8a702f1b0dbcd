"""What the core needs from the campaign side to serve teachers in a chat. `nudges`
implements it (`nudges.desk.Desk`) and the entry point passes it to `Tutor`: the core may not
import `nudges`, which builds on the core."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

__all__ = ["CampaignDesk"]


class CampaignDesk(Protocol):
    audiences: tuple[str, ...]  # the audiences a teacher picks from, by label
    placeholders: tuple[str, ...]  # what a message may use: {name}, {course}...

    def schedule_problem(self, text: str) -> str | None:
        """What is wrong with a schedule as typed (`daily 18:00`...); None when it reads."""
        ...

    def preview(self, session: Session, draft: Mapping[str, str], now: datetime) -> str:
        """Who would get it, samples and timing; ValueError says what is wrong."""
        ...

    def create(self, session: Session, draft: Mapping[str, str], created_by: str) -> int:
        ...

    def listing(self, session: Session) -> str:
        ...

    def change_status(self, session: Session, words: str) -> str:
        """`pause 3`, `resume 3`, `cancel 3`: what happened, as a sentence."""
        ...

    def report(self, session: Session) -> str:
        ...

    def encourage(self, session: Session, learner_id: int, text: str, key: str,
                  now: datetime) -> datetime | None:
        """A teacher's message to one learner through the outbox (once per `key`), after
        the learner's quiet hours: when it goes out, or None when they cannot be reached."""
        ...
