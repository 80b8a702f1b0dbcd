"""/settings: the learner's time zone, the difficulty they want, and their weekly goal."""

from __future__ import annotations

import re

from tutor.actions import Screen, SetPreference
from tutor.flows import menu
from tutor.messages import Button, Reply, Text
from tutor.preferences import (
    automatic_on,
    muted,
    onboarded,
    onboarding_step,
    quiet_hours,
    reminders_on,
    study_hour,
    update,
    weekly_goal,
)
from tutor.timezones import describe_zone, parse_timezone, zone
from tutor.turn import Turn

__all__ = [
    "apply",
    "mute",
    "onboarding_prompt",
    "parse_timezone",
    "set_timezone",
    "settings",
    "stop",
    "study_buttons",
]

STUDY_HOURS = (8, 12, 18, 20)
# The learner model's automatic nudges (nudges/planner.py), each switchable here.
AUTOMATIC_LABELS = {"review": "Review", "streak": "Streak", "missyou": "Miss you",
                    "atrisk": "Keep going"}

CHALLENGES = {-1: "easier", 0: "as the course aims", 1: "harder"}
def settings(turn: Turn) -> list[Reply]:
    """Show the settings, or change one: `/settings timezone Paris`, `/settings goal 5`."""
    words = turn.event.text.split(maxsplit=1)
    if words:
        return _typed(turn, words[0].lower(), words[1] if len(words) > 1 else "")
    return [_overview(turn)]


def _overview(turn: Turn) -> Text:
    learner = turn.learner
    course = turn.course()
    local = turn.now.astimezone(zone(learner.timezone))
    quiet = quiet_hours(learner)
    reminders = (f"**on**, daily at {study_hour(learner):02d}:00; quiet from {quiet[0]:02d}:00 "
                 f"to {quiet[1]:02d}:00" if reminders_on(learner) else "**off**")
    lines = ["⚙️ **Settings**",
             f"Time zone: **{describe_zone(learner.timezone)}** (your time now: "
             f"{local:%H:%M}). Change it "
             "with `/settings timezone Paris`: a city, `Europe/Paris`, or an offset like `+2`.",
             f"Reminders: {reminders}. `/settings study 19` sets the hour, "
             "`/settings quiet 22-7` the quiet hours.",
             f"Weekly goal: **{weekly_goal(learner)} active days** a week."]
    rows: list[tuple[Button, ...]] = []
    if course is not None:
        challenge = turn.enrollment(course).challenge
        lines.append(f"Questions in {course.title}: **{CHALLENGES[challenge]}**.")
        rows.append(tuple(Button(("✓ " if c == challenge else "") + label.capitalize()[:20],
                                 SetPreference("challenge", str(c)))
                          for c, label in CHALLENGES.items()))
    rows.append(tuple(Button(f"{'✓ ' if g == weekly_goal(learner) else ''}{g} days/week",
                             SetPreference("goal", str(g))) for g in (2, 3, 4, 5, 7)))
    if reminders_on(learner):
        rows.append(tuple(
            Button(f"{'✓' if automatic_on(learner, rule) else '✗'} {label}",
                   SetPreference(f"auto-{rule}", "0" if automatic_on(learner, rule) else "1"))
            for rule, label in AUTOMATIC_LABELS.items()))
    rows.append((Button("Reminders off", SetPreference("reminders", "0")) if reminders_on(learner)
                 else Button("Reminders on", SetPreference("reminders", "1")),
                 Button("Menu", Screen("menu"))))
    return Text("\n\n".join(lines), buttons=tuple(rows))


def study_buttons() -> tuple[tuple[Button, ...], ...]:
    return (tuple(Button(f"{h:02d}:00", SetPreference("study", str(h))) for h in STUDY_HOURS),
            (Button("No reminders", SetPreference("reminders", "0")),))


def set_timezone(turn: Turn, value: str) -> list[Reply]:
    found = parse_timezone(value)
    if found is None:
        return [Text(f"I don't know the time zone {value.strip()[:60]!r}. Try a city "
                     "(`Paris`, `New York`), a name like `Europe/Paris`, or an offset "
                     "like `+2`.")]
    turn.learner.timezone = found
    onboarding = onboarding_step(turn.learner) == "timezone"
    update(turn.learner, onboarding=None)
    done = Text(f"🕰 Time zone set to **{describe_zone(found)}**: your days now start at "
                "midnight there.")
    if onboarding:
        return [done, Text("⏰ When would you like your daily reminder?",
                           buttons=study_buttons())]
    return [done, _overview(turn)]


def onboarding_prompt(turn: Turn) -> list[Reply]:
    """Asked once, after the first course is chosen: the learner's clock, then study time."""
    if onboarded(turn.learner):
        return []
    update(turn.learner, onboarded=True, onboarding="timezone")
    return [Text("🌍 One thing first: which city are you in, or what's your UTC offset (like "
                 "`+2`)? Your streak and reminders follow your clock. (Skip it with /lesson; "
                 "/settings changes it any time.)")]


def _typed(turn: Turn, what: str, value: str) -> list[Reply]:
    if what in ("timezone", "tz", "zone", "time"):
        return set_timezone(turn, value)
    if what in ("goal", "study", "reminders", "alerts"):
        return apply(turn, what, value.strip())
    if what == "quiet":
        hours = re.fullmatch(r"\s*(\d{1,2})(?::00)?\s*-\s*(\d{1,2})(?::00)?\s*", value)
        if hours is None or not all(0 <= int(h) <= 23 for h in hours.groups()):
            return [Text("Quiet hours go like `/settings quiet 22-7` (from 22:00 to 07:00).")]
        update(turn.learner, quiet=[int(hours.group(1)), int(hours.group(2))])
        return [Text(f"🤫 Quiet from {int(hours.group(1)):02d}:00 to "
                     f"{int(hours.group(2)):02d}:00."), _overview(turn)]
    if what in ("difficulty", "questions"):
        wanted = {"easier": "-1", "easy": "-1", "normal": "0", "harder": "1", "hard": "1"}
        return apply(turn, "challenge", wanted.get(value.strip().lower(), "?"))
    return [Text("I can set `timezone`, `study` (reminder hour), `quiet` (hours), `reminders` "
                 "(on/off), `goal` (active days a week, 1-7) and `difficulty` (easier, normal, "
                 "harder); teachers `alerts` (each or digest). For example: `/settings goal "
                 "5`."), _overview(turn)]


def apply(turn: Turn, name: str, value: str) -> list[Reply]:
    """A settings button or typed value; anything out of range is refused, not guessed."""
    value = {"on": "1", "off": "0"}.get(value.lower(), value)
    number = int(value) if re.fullmatch(r"-?\d{1,2}", value) else None
    if name == "goal" and number is not None and 1 <= number <= 7:
        update(turn.learner, weekly_goal=number)
        return [Text(f"🎯 Weekly goal: **{number} active day{'s' if number != 1 else ''}** a "
                     "week."), _overview(turn)]
    if name == "study" and number is not None and 0 <= number <= 23:
        update(turn.learner, study_hour=number, reminders=True)
        return [Text(f"⏰ Daily reminder at **{number:02d}:00** your time, when something is "
                     "due. /stop pauses reminders."), _overview(turn)]
    if name == "reminders" and number in (0, 1):
        update(turn.learner, reminders=bool(number))
        said = "on" if number else "off: I won't message you first. /settings turns them on"
        return [Text(f"🔔 Reminders {said}."), _overview(turn)]
    if name.startswith("auto-") and name[5:] in AUTOMATIC_LABELS and number in (0, 1):
        update(turn.learner, **{f"auto_{name[5:]}": bool(number)})
        label = AUTOMATIC_LABELS[name[5:]].lower()
        return [Text(f"🔔 {'On' if number else 'Off'}: {label} reminders."), _overview(turn)]
    if name == "alerts" and value.lower() in ("digest", "each"):
        update(turn.learner, alerts=value.lower())
        return [Text("🚨 At-risk alerts: " + (
            "once a day, in the evening digest." if value.lower() == "digest"
            else "one by one as learners cross the line (a few a day; the rest in the "
                 "evening digest)."))]
    if name == "challenge" and number in CHALLENGES:
        course = turn.course()
        if course is None:
            return menu.choose_course(turn)
        turn.enrollment(course).challenge = number
        return [Text(f"👍 From your next question, questions will be **{CHALLENGES[number]}**."),
                _overview(turn)]
    if name == "goal":
        return [Text("A weekly goal is a number of days from 1 to 7, e.g. `/settings goal 4`.")]
    if name == "study":
        return [Text("A study time is an hour from 0 to 23, e.g. `/settings study 19`.")]
    return [Text("That setting is not available any more."), _overview(turn)]


def stop(turn: Turn) -> list[Reply]:
    update(turn.learner, reminders=False)
    return [Text("🔕 All reminders paused. I'll only answer when you write. "
                 "Turn them back on in /settings.")]


def mute(turn: Turn, what: str) -> list[Reply]:
    """A nudge's "stop these" button: no more of that campaign or reminder."""
    listed = muted(turn.learner)
    if what and what not in listed:
        update(turn.learner, muted=[*listed, what[:40]])
    return [Text("🔕 Done: you won't get these any more. /settings has your other reminders; "
                 "/stop pauses them all.")]
