"""Sending the outbox, one nudge at a time, within each platform's limits.

Each nudge is claimed (status "sending", committed) just before it is sent and recorded
("sent" or "failed") just after. After a crash, a row still "sending" is the one message
that was in flight: the Bot APIs cannot tell us whether it arrived, and a nudge twice is
worse than one missed, so it becomes "unknown" and is not sent again. Every other row is
sent exactly once, whenever the process is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nudges.alerts import ALERT, DIGEST
from nudges.channel import Channel, RetryLater, Unreachable
from tutor.actions import AlertChoice, Mute, decode
from tutor.alerts import alert_buttons
from tutor.i18n import DEFAULT, N_, _, speaking
from tutor.messages import Button
from tutor.metrics import NUDGES
from tutor.preferences import language, reminders_on
from tutor.reach import set_reachable
from tutor.storage.database import Database
from tutor.storage.models import Identity, Learner, Nudge, utcnow

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)
STOP_BUTTON = N_("🔕 Stop these")
FOR_TEACHERS = (ALERT, DIGEST)  # outbox rules whose reader is a teacher
HEADROOM = 0.97


class Dispatcher:
    def __init__(self, database: Database, channels: Mapping[str, Channel], *,
                 clock: Callable[[], datetime] = utcnow, idle_seconds: float = 1.0,
                 rates: Mapping[str, float] | None = None) -> None:
        self._db = database
        self._channels = channels
        self._clock = clock
        self._idle = idle_seconds
        # Paced here: platforms whose client does not pace itself, and any rate set on purpose
        # (NUDGE_RATE); a self-pacing client paced here as well would go at half speed.
        self._rates = {p: (rates or {}).get(p, c.rate_per_second) for p, c in channels.items()
                       if (rates and p in rates) or not c.paces_itself}
        self._next_slot: dict[str, float] = {}
        self.worker = f"{os.getpid()}"
        self.sent = 0

    def recover(self) -> int:
        """Rows left "sending" by a crashed run become "unknown" (see the module's note)."""
        with self._db.session() as session:
            result = session.execute(update(Nudge).where(Nudge.status == "sending").values(
                status="unknown", error="in flight when the sender stopped"))
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    async def run(self, stop: asyncio.Event) -> None:
        self.recover()
        while not stop.is_set():
            claimed = await asyncio.to_thread(self._claim)
            if claimed is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._idle)
                continue
            await self._send(*claimed)

    def _claim(self) -> tuple[Nudge, str] | None:
        """The next due nudge, marked "sending", and the language of its reader; ones whose
        learner has since blocked the bot or paused reminders are marked "skipped" on the
        way."""
        with self._db.session() as session:
            while True:
                query = select(Nudge).where(
                    Nudge.status == "pending", Nudge.due_at <= self._clock(),
                    Nudge.platform.in_(list(self._channels))).order_by(
                    Nudge.due_at, Nudge.id).limit(1)
                if not self._db.is_sqlite:
                    query = query.with_for_update(skip_locked=True)  # several senders at once
                nudge = session.scalar(query)
                if nudge is None:
                    return None
                why = self._stale_reason(session, nudge)
                if why:
                    nudge.status, nudge.error = "skipped", why
                    session.commit()
                    continue
                nudge.status, nudge.claimed_by = "sending", self.worker
                learner = session.get(Learner, nudge.learner_id)  # loaded by _stale_reason
                said = language(learner) if learner else DEFAULT
                session.commit()
                return nudge, said

    @staticmethod
    def _stale_reason(session: Session, nudge: Nudge) -> str:
        identity = session.scalar(select(Identity).where(
            Identity.platform == nudge.platform, Identity.platform_user_id == nudge.user_id))
        if identity is None or identity.unreachable_since is not None:
            return "unreachable"
        learner = session.get(Learner, nudge.learner_id)
        if learner is None or (nudge.rule not in FOR_TEACHERS and not reminders_on(learner)):
            return "reminders paused"  # a teacher's alerts are no reminders of theirs
        return ""

    async def _pace(self, platform: str) -> None:
        """Just under the platform's rate, spread evenly: network jitter bunches messages
        up on arrival, and at exactly the limit a one-second window would see one too many."""
        if platform not in self._rates:
            return
        rate = self._rates[platform] * HEADROOM
        now = time.monotonic()
        slot = max(now, self._next_slot.get(platform, now))
        self._next_slot[platform] = slot + 1.0 / rate
        if slot > now:
            await asyncio.sleep(slot - now)

    async def _send(self, nudge: Nudge, said: str) -> None:
        channel = self._channels[nudge.platform]
        with speaking(said):  # the buttons in their reader's words
            buttons = _buttons(nudge)
        status, error = "sent", ""
        for _attempt in range(5):
            await self._pace(nudge.platform)
            try:
                await channel.send(nudge.user_id, nudge.text, buttons)
                break
            except RetryLater as wait:
                NUDGES.labels(nudge.platform, "rate_limited").inc()
                await asyncio.sleep(wait.seconds)
            except Unreachable as exc:
                status, error = "failed", f"unreachable: {exc}"[:500]
                await asyncio.to_thread(self._unreachable, nudge)
                break
            except Exception as exc:  # a failure is recorded, never retried blindly
                log.warning("nudge %s failed", nudge.id, exc_info=True)
                status, error = "failed", repr(exc)[:500]
                break
        else:
            status, error = "failed", "rate limited five times"
        await asyncio.to_thread(self._record, nudge.id, status, error)
        NUDGES.labels(nudge.platform, status).inc()
        self.sent += status == "sent"

    def _record(self, nudge_id: int, status: str, error: str) -> None:
        with self._db.session() as session:
            session.execute(update(Nudge).where(Nudge.id == nudge_id).values(
                status=status, error=error, sent_at=utcnow() if status == "sent" else None))
            session.commit()

    def _unreachable(self, nudge: Nudge) -> None:
        with self._db.session() as session:
            set_reachable(session, nudge.platform, nudge.user_id, False, utcnow())
            session.commit()


def _buttons(nudge: Nudge) -> list[Button]:
    """A nudge's "Open" and "Stop these"; an alert's the teacher's three answers."""
    opens = decode(nudge.action) if nudge.action else None
    if nudge.rule in FOR_TEACHERS:
        return [b for row in alert_buttons(opens.alert_id) for b in row] \
            if isinstance(opens, AlertChoice) else []
    muting = Mute(f"c{nudge.campaign_id}" if nudge.campaign_id else nudge.rule)
    return [*([Button(_("Open"), opens)] if opens else []), Button(_(STOP_BUTTON), muting)]
