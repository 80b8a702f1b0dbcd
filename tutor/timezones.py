"""Time zones as learners type them, and as they read them back.

Stored as an IANA name ("Europe/Berlin") or a fixed offset written "UTC+05:30": half- and
quarter-hour offsets exist (India, Nepal, Newfoundland), and the Etc/GMT zones, which count
the other way round ("Etc/GMT-2" is two hours *ahead*), only have whole hours.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = ["describe_zone", "parse_timezone", "zone"]

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:(?::|h)?(\d{2}))?$")
_STORED_OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
_ETC = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")

# Cities people name that are not the city of an IANA zone (the zone's city works as is).
_CITIES = {
    "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata",
    "chennai": "Asia/Kolkata", "hyderabad": "Asia/Kolkata", "kolkata": "Asia/Kolkata",
    "beijing": "Asia/Shanghai", "shenzhen": "Asia/Shanghai", "guangzhou": "Asia/Shanghai",
    "chengdu": "Asia/Shanghai", "wuhan": "Asia/Shanghai", "hangzhou": "Asia/Shanghai",
    "nanjing": "Asia/Shanghai", "xi'an": "Asia/Shanghai", "osaka": "Asia/Tokyo",
    "kyoto": "Asia/Tokyo", "hanoi": "Asia/Ho_Chi_Minh", "saigon": "Asia/Ho_Chi_Minh",
    "abu dhabi": "Asia/Dubai", "islamabad": "Asia/Karachi", "lahore": "Asia/Karachi",
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "san diego": "America/Los_Angeles", "washington": "America/New_York",
    "boston": "America/New_York", "miami": "America/New_York", "atlanta": "America/New_York",
    "philadelphia": "America/New_York", "houston": "America/Chicago",
    "dallas": "America/Chicago", "austin": "America/Chicago", "montreal": "America/Toronto",
    "rio de janeiro": "America/Sao_Paulo", "rio": "America/Sao_Paulo",
    "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin", "hamburg": "Europe/Berlin",
    "barcelona": "Europe/Madrid", "milan": "Europe/Rome", "geneva": "Europe/Zurich",
    "st petersburg": "Europe/Moscow", "saint petersburg": "Europe/Moscow",
    "cape town": "Africa/Johannesburg", "melbourne": "Australia/Melbourne",
}


def zone(name: str) -> tzinfo:
    """The stored zone; UTC for anything unreadable (an old or hand-edited record)."""
    fixed = _STORED_OFFSET.match(name)
    if fixed:
        sign, hours, minutes = fixed.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(offset if sign == "+" else -offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@cache
def _zones_by_city() -> dict[str, str]:
    names: dict[str, str] = {}
    for key in sorted(available_timezones()):
        names.setdefault(key.lower(), key)
        if "/" in key and not key.startswith("Etc/"):
            names.setdefault(key.rsplit("/", 1)[1].replace("_", " ").lower(), key)
    return {**names, **_CITIES}


def parse_timezone(text: str) -> str | None:
    """An IANA name, a city ("paris", "new york", "delhi"), or a UTC offset ("+2",
    "+5:30", "UTC-03:00"), as it is stored; None when it is none of these."""
    cleaned = " ".join(text.strip().split()).lower()
    if cleaned in ("utc", "gmt", "z"):
        return "UTC"
    match = _OFFSET.match(cleaned)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes not in (0, 15, 30, 45) or (hours == 14 and minutes):
            return None
        return "UTC" if hours == minutes == 0 else f"UTC{sign}{hours:02d}:{minutes:02d}"
    return _zones_by_city().get(cleaned) or _zones_by_city().get(cleaned.replace(" ", "_"))


def describe_zone(name: str) -> str:
    """How a stored zone reads: "UTC+02:00" for an offset (old Etc/GMT-2 records too),
    "Berlin (Europe/Berlin)" for a named one."""
    etc = _ETC.match(name)
    if etc:  # Etc/ counts the other way round
        sign, hours = etc.groups()
        return "UTC" if int(hours) == 0 else f"UTC{'+' if sign == '-' else '-'}{int(hours):02d}:00"
    if name == "UTC" or _STORED_OFFSET.match(name):
        return name
    city = name.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} ({name})" if "/" in name else name
