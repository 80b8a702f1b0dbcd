"""Platform updates kept in the database until handled, so any number of processes can
serve one bot.

Whichever process receives an update keeps it (`put`) before saying "got it" to the
platform; nothing acknowledged is lost if the process dies. Then one process at a time
handles each sender's updates, oldest first: `claim` gives out a sender's oldest waiting
update only, and only while nobody holds a lease on it, so a sender's next update waits
until the one before is `done`, whichever process took either. A lease that runs out (its
process was killed) lets another process take the update over; `stranded` finds such
senders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from tutor.storage.database import Database
from tutor.storage.models import InboxEvent, utcnow
from tutor.turn import as_utc

__all__ = ["Backlog", "Claimed", "Inbox", "backlog"]

LEASE = timedelta(seconds=30)  # renewed while a turn runs (`extend`), so only a dead one lapses
KEEP_HANDLED = timedelta(days=1)  # a platform's second delivery of an update comes within it
SETTLING = timedelta(seconds=2)  # an update this new is still in its receiver's hands


@dataclass(frozen=True, slots=True)
class Backlog:
    waiting: int
    oldest_seconds: float  # how long the oldest waiting update has waited; 0 when none


def backlog(database: Database, now: datetime | None = None) -> dict[str, Backlog]:
    """Per platform: updates received and not yet handled. Growing, or an old oldest one,
    means the workers are too few or stuck (for the operator's /metrics)."""
    now = now or utcnow()
    with database.session() as session:
        rows = session.execute(select(InboxEvent.platform, func.count(),
                                      func.min(InboxEvent.received_at))
                               .where(InboxEvent.done_at.is_(None))
                               .group_by(InboxEvent.platform)).all()
    return {platform: Backlog(count, max((now - as_utc(oldest)).total_seconds(), 0.0))
            for platform, count, oldest in rows}


@dataclass(frozen=True, slots=True)
class Claimed:
    seq: int
    payload: str


class Inbox:
    def __init__(self, database: Database, platform: str, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._platform = platform
        self._clock = clock

    def put(self, seq: int, sender: int, payload: str) -> bool:
        """Keep an update; False when it was kept before (the platform delivered it twice)."""
        with self._db.session() as session:
            session.add(InboxEvent(platform=self._platform, seq=seq, sender=sender,
                                   payload=payload, received_at=self._clock()))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def claim(self, sender: int) -> Claimed | None:
        """The sender's oldest waiting update, leased to the caller; None when they have
        none waiting, or another process is handling their oldest."""
        now = self._clock()
        oldest = select(func.min(InboxEvent.seq)).where(
            InboxEvent.platform == self._platform, InboxEvent.done_at.is_(None),
            InboxEvent.sender == sender).scalar_subquery()
        with self._db.session() as session:
            row = session.execute(
                update(InboxEvent)
                # done_at again: a racing claim that saw the oldest before it was done
                # re-reads the row here (PostgreSQL re-checks a locked row's conditions).
                .where(InboxEvent.platform == self._platform, InboxEvent.seq == oldest,
                       InboxEvent.done_at.is_(None),
                       or_(InboxEvent.lease_until.is_(None), InboxEvent.lease_until < now))
                .values(lease_until=now + LEASE)
                .returning(InboxEvent.seq, InboxEvent.payload)
                .execution_options(synchronize_session=False)).first()
            session.commit()
        return None if row is None else Claimed(row.seq, row.payload)

    def extend(self, seq: int) -> None:
        """The turn is still running: keep the lease."""
        self._set(seq, lease_until=self._clock() + LEASE)

    def done(self, seq: int) -> None:
        self._set(seq, done_at=self._clock(), lease_until=None)

    def stranded(self) -> list[int]:
        """Senders with an update that nobody is handling: its process died, or it arrived
        while its receiver was shutting down."""
        now = self._clock()
        with self._db.session() as session:
            return list(session.scalars(select(InboxEvent.sender).distinct().where(
                InboxEvent.platform == self._platform, InboxEvent.done_at.is_(None),
                InboxEvent.received_at < now - SETTLING,
                or_(InboxEvent.lease_until.is_(None), InboxEvent.lease_until < now))))

    def prune(self) -> int:
        """Forget updates handled more than a day ago; how many were forgotten."""
        with self._db.session() as session:
            gone = session.execute(delete(InboxEvent).where(
                InboxEvent.platform == self._platform,
                InboxEvent.done_at < self._clock() - KEEP_HANDLED)
                .execution_options(synchronize_session=False))
            session.commit()
        return int(getattr(gone, "rowcount", 0) or 0)

    def _set(self, seq: int, **values: datetime | None) -> None:
        with self._db.session() as session:
            session.execute(update(InboxEvent).where(
                InboxEvent.platform == self._platform, InboxEvent.seq == seq).values(**values)
                .execution_options(synchronize_session=False))
            session.commit()
