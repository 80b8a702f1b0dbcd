"""The nudge service inside `tutorbot run`: APScheduler plans, the dispatcher sends.

The planner runs every minute as an APScheduler job stored in our database (so a restart
loses no job); a run missed during downtime is coalesced into one (the planner itself looks
back STALE_AFTER for occurrences, so a reminder missed by less than that goes out late, once,
and an older one is skipped). With PostgreSQL and several processes, only the holder of an
advisory lock runs the scheduler; every process may send (rows are claimed with SKIP LOCKED).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from nudges.alerts import PER_DAY, plan_alerts
from nudges.channel import Channel
from nudges.dispatcher import Dispatcher
from nudges.planner import plan
from tutor.alerts import ALERT_AT, scan
from tutor.storage.database import Database
from tutor.storage.models import utcnow

__all__ = ["PLAN_EVERY_SECONDS", "NudgeService", "plan_tick"]

log = logging.getLogger(__name__)
PLAN_EVERY_SECONDS = 60
SCAN_EVERY = timedelta(minutes=15)  # at-risk alerts
LOCK_KEY = 7_272_655  # pg_advisory_lock key: "the scheduler runs here"
_running: NudgeService | None = None


def plan_tick() -> None:
    """The scheduler's job (by reference, so the job store can keep it across restarts)."""
    if _running is not None:
        _running.plan_now()


class NudgeService:
    def __init__(self, database: Database, channels: Mapping[str, Channel], *, cap: int = 1,
                 rate: float | None = None, teachers: Sequence[str] = (),
                 alert_at: float = ALERT_AT, alerts_per_day: int = PER_DAY) -> None:
        self._db = database
        self._cap = cap
        self._teachers, self._alert_at, self._alerts_per_day = teachers, alert_at, alerts_per_day
        self._scanned: datetime | None = None
        self._rng = random.Random()
        rates = {p: rate for p in channels} if rate else None
        self.dispatcher = Dispatcher(database, channels, rates=rates)
        self._scheduler: AsyncIOScheduler | None = None
        self._lock: Any = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def plan_now(self) -> None:
        now = utcnow()
        if self._scanned is None or now - self._scanned >= SCAN_EVERY:
            # Risk moves by the day: every quarter hour is soon enough, and spares a tick.
            raised = scan(self._db, now, self._alert_at)
            self._scanned = now
            if raised:
                log.info("%d learners crossed the at-risk line", len(raised))
        with self._db.session() as session:
            report = plan(session, now, cap=self._cap, rng=self._rng)
            plan_alerts(session, now, self._teachers, self._alerts_per_day)
            session.commit()
        if report.planned or report.control or report.capped:
            log.info("planned %d nudges (%d in control groups, %d over the daily cap)",
                     report.planned, report.control, report.capped)

    def _holds_scheduler_lock(self) -> bool:
        if self._db.is_sqlite:
            return True  # one process per SQLite file
        self._lock = self._db.engine.connect()
        held = bool(self._lock.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                       {"k": LOCK_KEY}).scalar())
        if not held:
            self._lock.close()
            self._lock = None
        return held

    async def start(self) -> None:
        global _running
        _running = self
        if self._holds_scheduler_lock():
            self._scheduler = AsyncIOScheduler(
                jobstores={"default": SQLAlchemyJobStore(engine=self._db.engine,
                                                         tablename="apscheduler_jobs")},
                job_defaults={"coalesce": True, "misfire_grace_time": 3600,
                              "max_instances": 1}, timezone="UTC")
            self._scheduler.add_job("nudges.service:plan_tick", "interval",
                                    seconds=PLAN_EVERY_SECONDS, id="nudges-plan",
                                    replace_existing=True, next_run_time=utcnow())
            self._scheduler.start()
        else:
            log.info("another process runs the nudge scheduler; this one only sends")
        self._task = asyncio.create_task(self.dispatcher.run(self._stop))

    async def stop(self) -> None:
        global _running
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        self._stop.set()
        if self._task is not None:
            await self._task
        self.release_lock()
        _running = None

    def release_lock(self) -> None:
        """Unlock explicitly: the pool would keep the connection, and the lock, alive.
        (A process that dies drops its connection, and with it the lock.)"""
        if self._lock is not None:
            self._lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            self._lock.close()
            self._lock = None
