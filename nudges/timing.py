"""When a nudge goes out, in the learner's own time.

Occurrences are computed per learner in their time zone (zoneinfo, so 18:00 stays 18:00
across a daylight-saving change). The misfire rule, for downtime and for the planner's own
pace: an occurrence up to STALE_AFTER old is still sent, once, late; an older one is skipped.
A nudge that falls in the learner's quiet hours waits for them to end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from functools import lru_cache

from apscheduler.triggers.cron import CronTrigger

from nudges.campaign import Schedule
from tutor.timezones import zone

__all__ = ["STALE_AFTER", "after_quiet_hours", "latest_occurrence", "local_day",
           "next_occurrence", "on_local_day"]

STALE_AFTER = timedelta(hours=6)


def latest_occurrence(schedule: Schedule, timezone: str, now: datetime,
                      last_active: datetime | None = None) -> datetime | None:
    """The most recent occurrence at or before `now`, if not yet stale (UTC-aware)."""
    tz = zone(timezone)
    earliest = now - STALE_AFTER
    if schedule.kind == "once":
        assert schedule.at is not None
        at = schedule.at if schedule.at.tzinfo else schedule.at.replace(tzinfo=tz)
        return at if earliest <= at <= now else None
    if schedule.kind == "cron":
        assert schedule.cron is not None
        trigger = _trigger(schedule.cron, timezone)
        found = None
        moment = trigger.get_next_fire_time(None, earliest)
        while moment is not None and moment <= now:
            found = moment
            moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
        return found
    # after_inactivity: the chosen local hour, `days` days after the last activity
    if last_active is None:
        return None
    local_day_of_activity = last_active.astimezone(tz).date()
    target = datetime.combine(local_day_of_activity + timedelta(days=schedule.days),
                              time(schedule.hour), tzinfo=tz)
    return target if earliest <= target <= now else None


def next_occurrence(schedule: Schedule, timezone: str, now: datetime) -> datetime | None:
    """The next occurrence after `now` in this zone (UTC-aware); None for one that depends
    on each learner's own activity (after_inactivity) or lies in the past."""
    tz = zone(timezone)
    if schedule.kind == "once":
        assert schedule.at is not None
        at = schedule.at if schedule.at.tzinfo else schedule.at.replace(tzinfo=tz)
        return at if at > now else None
    if schedule.kind == "cron":
        assert schedule.cron is not None
        found: datetime | None = _trigger(schedule.cron, timezone).get_next_fire_time(None, now)
        return found
    return None


@lru_cache(maxsize=4096)
def _trigger(cron: str, timezone: str) -> CronTrigger:
    """Parsed once per expression and zone: planning asks for every learner each minute."""
    return CronTrigger.from_crontab(cron, timezone=zone(timezone))


def after_quiet_hours(moment: datetime, timezone: str, quiet: tuple[int, int]) -> datetime:
    """`moment`, or the end of the learner's quiet hours when it falls inside them."""
    tz = zone(timezone)
    local = moment.astimezone(tz)
    start, end = quiet
    if start == end:
        return moment
    hour = local.hour
    inside = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return moment
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=tz)


def local_day(moment: datetime, timezone: str) -> str:
    return moment.astimezone(zone(timezone)).date().isoformat()


def on_local_day(moments: Iterable[datetime], moment: datetime, timezone: str) -> int:
    """How many of `moments` fall on `moment`'s day in that zone (the daily cap's count)."""
    day = local_day(moment, timezone)
    return sum(local_day(m, timezone) == day for m in moments)
