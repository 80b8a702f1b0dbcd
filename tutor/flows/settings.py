"""/settings: the learner's time zone, the difficulty they want, and their weekly goal."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tutor.flows import menu
from tutor.learner.progress import weekly_goal, zone
from tutor.messages import Button, Reply, Text
from tutor.turn import Turn

__all__ = ["apply", "parse_timezone", "settings"]

CHALLENGES = {-1: "easier", 0: "as the course aims", 1: "harder"}
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?00)?$")


@cache
def _zones_by_city() -> dict[str, str]:
    names: dict[str, str] = {}
    for key in sorted(available_timezones()):
        names.setdefault(key.lower(), key)
        if "/" in key and not key.startswith("Etc/"):
            names.setdefault(key.rsplit("/", 1)[1].replace("_", " ").lower(), key)
    return names


def parse_timezone(text: str) -> str | None:
    """An IANA name, a city in one ("paris", "new york"), or a whole-hour UTC offset."""
    cleaned = " ".join(text.strip().split()).lower()
    if cleaned in ("utc", "gmt", "z"):
        return "UTC"
    match = _OFFSET.match(cleaned)
    if match:
        sign, hours = match.group(1), int(match.group(2))
        if hours > 14:
            return None
        # The Etc/ zones count the other way round: Etc/GMT-2 is two hours ahead of UTC.
        return "UTC" if hours == 0 else f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    found = _zones_by_city().get(cleaned) or _zones_by_city().get(cleaned.replace(" ", "_"))
    if found is None:
        return None
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return found


def settings(turn: Turn) -> list[Reply]:
    """Show the settings, or change one: `/settings timezone Paris`, `/settings goal 5`."""
    words = turn.event.text.split(maxsplit=1)
    if words:
        return _typed(turn, words[0].lower(), words[1] if len(words) > 1 else "")
    return [_overview(turn)]


def _overview(turn: Turn) -> Text:
    course = turn.course()
    local = turn.now.astimezone(zone(turn.learner.timezone))
    lines = ["⚙️ **Settings**",
             f"Time zone: **{turn.learner.timezone}** (your time now: "
             f"{local:%H:%M}). Change it with `/settings timezone Europe/Paris`, a city, "
             "or an offset like `+2`.",
             f"Weekly goal: **{weekly_goal(turn.learner)} active days** a week."]
    rows: list[tuple[Button, ...]] = []
    if course is not None:
        challenge = turn.enrollment(course).challenge
        lines.append(f"Questions in {course.title}: **{CHALLENGES[challenge]}**.")
        rows.append(tuple(Button(("✓ " if c == challenge else "") + label.capitalize()[:20],
                                 f"set:challenge:{c}") for c, label in CHALLENGES.items()))
    rows.append(tuple(Button(f"{'✓ ' if g == weekly_goal(turn.learner) else ''}{g} days/week",
                             f"set:goal:{g}") for g in (2, 3, 4, 5, 7)))
    rows.append((Button("Menu", "menu"),))
    return Text("\n\n".join(lines), buttons=tuple(rows))


def _typed(turn: Turn, what: str, value: str) -> list[Reply]:
    if what in ("timezone", "tz", "zone", "time"):
        found = parse_timezone(value)
        if found is None:
            return [Text(f"I don't know the time zone {value.strip()[:60]!r}. Try a city "
                         "(`Paris`, `New York`), a name like `Europe/Paris`, or an offset "
                         "like `+2`.")]
        turn.learner.timezone = found
        return [Text(f"🕰 Time zone set to **{found}**: your days now start at midnight "
                     f"there."), _overview(turn)]
    if what == "goal":
        return apply(turn, "goal", value.strip())
    if what in ("difficulty", "questions"):
        wanted = {"easier": "-1", "easy": "-1", "normal": "0", "harder": "1", "hard": "1"}
        return apply(turn, "challenge", wanted.get(value.strip().lower(), "?"))
    return [Text("I can set `timezone`, `goal` (active days a week, 1-7) and `difficulty` "
                 "(easier, normal, harder). For example: `/settings goal 5`."), _overview(turn)]


def apply(turn: Turn, name: str, value: str) -> list[Reply]:
    """A settings button or typed value; anything out of range is refused, not guessed."""
    number = int(value) if re.fullmatch(r"-?\d", value) else None
    if name == "goal" and number is not None and 1 <= number <= 7:
        turn.learner.preferences = {**turn.learner.preferences, "weekly_goal": number}
        return [Text(f"🎯 Weekly goal: **{number} active day{'s' if number != 1 else ''}** a "
                     "week."), _overview(turn)]
    if name == "challenge" and number in CHALLENGES:
        course = turn.course()
        if course is None:
            return menu.choose_course(turn)
        turn.enrollment(course).challenge = number
        return [Text(f"👍 From your next question, questions will be **{CHALLENGES[number]}**."),
                _overview(turn)]
    if name == "goal":
        return [Text("A weekly goal is a number of days from 1 to 7, e.g. `/settings goal 4`.")]
    return [Text("That setting is not available any more."), _overview(turn)]
