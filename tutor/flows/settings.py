"""/settings: the learner's time zone, the difficulty they want, and their weekly goal."""

from __future__ import annotations

import re

from tutor import i18n
from tutor.actions import Screen, SetPreference
from tutor.flows import menu
from tutor.i18n import LANGUAGES, N_, _, ngettext
from tutor.messages import Button, Reply, Text
from tutor.preferences import (
    automatic_on,
    chosen_language,
    language,
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
AUTOMATIC_LABELS = {"review": N_("Review"), "streak": N_("Streak"), "missyou": N_("Miss you"),
                    "atrisk": N_("Keep going")}
_AUTOMATIC_ON = {"review": N_("🔔 On: review reminders."),
                 "streak": N_("🔔 On: streak reminders."),
                 "missyou": N_("🔔 On: miss-you reminders."),
                 "atrisk": N_("🔔 On: keep-going reminders.")}
_AUTOMATIC_OFF = {"review": N_("🔔 Off: review reminders."),
                  "streak": N_("🔔 Off: streak reminders."),
                  "missyou": N_("🔔 Off: miss-you reminders."),
                  "atrisk": N_("🔔 Off: keep-going reminders.")}

CHALLENGES = {-1: N_("easier"), 0: N_("as the course aims"), 1: N_("harder")}
# What a learner may type for a language besides its code: its own name and English one.
_LANGUAGE_NAMES = {"english": "en", "chinese": "zh_Hans", "中文": "zh_Hans", "简体中文": "zh_Hans",
                   "spanish": "es", "español": "es", "espanol": "es"}
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
    reminders = _("Reminders: **on**, daily at {hour:02d}:00; quiet from {start:02d}:00 to "
                  "{end:02d}:00.", hour=study_hour(learner), start=quiet[0], end=quiet[1]) \
        if reminders_on(learner) else _("Reminders: **off**.")
    chosen = chosen_language(learner)
    lines = [_("⚙️ **Settings**"),
             _("Time zone: **{zone}** (your time now: {time}). Change it with `/settings "
               "timezone Paris`: a city, `Europe/Paris`, or an offset like `+2`.",
               zone=describe_zone(learner.timezone), time=i18n.time_of_day(local)),
             i18n.joined(reminders, _("`/settings study 19` sets the hour, `/settings quiet "
                                      "22-7` the quiet hours.")),
             ngettext("Weekly goal: **{n} active day** a week.",
                      "Weekly goal: **{n} active days** a week.", weekly_goal(learner)),
             _("Language: **{language}** (`/settings language es`, `zh`, `en` or `auto`: "
               "the language of your app).",
               language=LANGUAGES[chosen] if chosen else
               _("{language}, as your app says", language=LANGUAGES[i18n.language()]))]
    rows: list[tuple[Button, ...]] = []
    if course is not None:
        challenge = turn.enrollment(course).challenge
        lines.append(_("Questions in {course}: **{level}**.", course=course.title,
                       level=_(CHALLENGES[challenge])))
        rows.append(tuple(Button(("✓ " if c == challenge else "") + _(label).capitalize()[:20],
                                 SetPreference("challenge", str(c)))
                          for c, label in CHALLENGES.items()))
    rows.append(tuple(Button(("✓ " if g == weekly_goal(learner) else "")
                             + _("{days} days/week", days=g),
                             SetPreference("goal", str(g))) for g in (2, 3, 4, 5, 7)))
    if reminders_on(learner):
        rows.append(tuple(
            Button(f"{'✓' if automatic_on(learner, rule) else '✗'} {_(label)}",
                   SetPreference(f"auto-{rule}", "0" if automatic_on(learner, rule) else "1"))
            for rule, label in AUTOMATIC_LABELS.items()))
    rows.append(tuple(Button(("✓ " if code == chosen else "") + name,
                             SetPreference("language", code)) for code, name in LANGUAGES.items()))
    rows.append((Button(_("Reminders off"), SetPreference("reminders", "0"))
                 if reminders_on(learner)
                 else Button(_("Reminders on"), SetPreference("reminders", "1")),
                 Button(_("Menu"), Screen("menu"))))
    return Text("\n\n".join(lines), buttons=tuple(rows))


def study_buttons() -> tuple[tuple[Button, ...], ...]:
    return (tuple(Button(f"{h:02d}:00", SetPreference("study", str(h))) for h in STUDY_HOURS),
            (Button(_("No reminders"), SetPreference("reminders", "0")),))


def set_timezone(turn: Turn, value: str) -> list[Reply]:
    found = parse_timezone(value)
    if found is None:
        return [Text(_("I don't know the time zone “{zone}”. Try a city (`Paris`, `New "
                       "York`), a name like `Europe/Paris`, or an offset like `+2`.",
                       zone=value.strip()[:60]))]
    turn.learner.timezone = found
    onboarding = onboarding_step(turn.learner) == "timezone"
    update(turn.learner, onboarding=None)
    done = Text(_("🕰 Time zone set to **{zone}**: your days now start at midnight there.",
                  zone=describe_zone(found)))
    if onboarding:
        return [done, Text(_("⏰ When would you like your daily reminder?"),
                           buttons=study_buttons())]
    return [done, _overview(turn)]


def onboarding_prompt(turn: Turn) -> list[Reply]:
    """Asked once, after the first course is chosen: the learner's clock, then study time."""
    if onboarded(turn.learner):
        return []
    update(turn.learner, onboarded=True, onboarding="timezone")
    return [Text(_("🌍 One thing first: which city are you in, or what's your UTC offset "
                   "(like `+2`)? Your streak and reminders follow your clock. (Skip it with "
                   "/lesson; /settings changes it any time.)"))]


def _typed(turn: Turn, what: str, value: str) -> list[Reply]:
    if what in ("timezone", "tz", "zone", "time"):
        return set_timezone(turn, value)
    if what in ("language", "lang"):
        typed = value.strip().lower()
        return apply(turn, "language", _LANGUAGE_NAMES.get(typed) or (
            "auto" if typed == "auto" else i18n.negotiate(typed) or "?"))
    if what in ("goal", "study", "reminders", "alerts"):
        return apply(turn, what, value.strip())
    if what == "quiet":
        hours = re.fullmatch(r"\s*(\d{1,2})(?::00)?\s*-\s*(\d{1,2})(?::00)?\s*", value)
        if hours is None or not all(0 <= int(h) <= 23 for h in hours.groups()):
            return [Text(_("Quiet hours go like `/settings quiet 22-7` (from 22:00 to "
                           "07:00)."))]
        update(turn.learner, quiet=[int(hours.group(1)), int(hours.group(2))])
        return [Text(_("🤫 Quiet from {start:02d}:00 to {end:02d}:00.",
                       start=int(hours.group(1)), end=int(hours.group(2)))), _overview(turn)]
    if what in ("difficulty", "questions"):
        wanted = {"easier": "-1", "easy": "-1", "normal": "0", "harder": "1", "hard": "1"}
        return apply(turn, "challenge", wanted.get(value.strip().lower(), "?"))
    return [Text(_("I can set `timezone`, `study` (reminder hour), `quiet` (hours), "
                   "`reminders` (on/off), `goal` (active days a week, 1-7), `difficulty` "
                   "(easier, normal, harder) and `language` (en, zh, es or auto); teachers "
                   "`alerts` (each or digest). For example: `/settings goal 5`.")),
            _overview(turn)]


def apply(turn: Turn, name: str, value: str) -> list[Reply]:
    """A settings button or typed value; anything out of range is refused, not guessed."""
    value = {"on": "1", "off": "0"}.get(value.lower(), value)
    number = int(value) if re.fullmatch(r"-?\d{1,2}", value) else None
    if name == "goal" and number is not None and 1 <= number <= 7:
        update(turn.learner, weekly_goal=number)
        return [Text(ngettext("🎯 Weekly goal: **{n} active day** a week.",
                              "🎯 Weekly goal: **{n} active days** a week.", number)),
                _overview(turn)]
    if name == "study" and number is not None and 0 <= number <= 23:
        update(turn.learner, study_hour=number, reminders=True)
        return [Text(_("⏰ Daily reminder at **{hour:02d}:00** your time, when something is "
                       "due. /stop pauses reminders.", hour=number)), _overview(turn)]
    if name == "reminders" and number in (0, 1):
        update(turn.learner, reminders=bool(number))
        said = _("🔔 Reminders on.") if number else \
            _("🔔 Reminders off: I won't message you first. /settings turns them on.")
        return [Text(said), _overview(turn)]
    if name.startswith("auto-") and name[5:] in AUTOMATIC_LABELS and number in (0, 1):
        update(turn.learner, **{f"auto_{name[5:]}": bool(number)})
        said = (_AUTOMATIC_ON if number else _AUTOMATIC_OFF)[name[5:]]
        return [Text(_(said)), _overview(turn)]
    if name == "alerts" and value.lower() in ("digest", "each"):
        update(turn.learner, alerts=value.lower())
        return [Text(_("🚨 At-risk alerts: once a day, in the evening digest.")
                     if value.lower() == "digest" else
                     _("🚨 At-risk alerts: one by one as learners cross the line (a few a day; "
                       "the rest in the evening digest)."))]
    if name == "language" and (value in LANGUAGES or value == "auto"):
        update(turn.learner, language=None if value == "auto" else value)
        with i18n.speaking(language(turn.learner)):  # the answer in the language just chosen
            return [Text(_("🌐 I'll speak **{language}** with you.",
                           language=LANGUAGES[i18n.language()])), _overview(turn)]
    if name == "language":
        return [Text(_("I speak {languages}: `/settings language es`, or `auto` for your "
                       "app's language.", languages=", ".join(LANGUAGES.values())))]
    if name == "challenge" and number in CHALLENGES:
        course = turn.course()
        if course is None:
            return menu.choose_course(turn)
        turn.enrollment(course).challenge = number
        return [Text(_("👍 From your next question, questions will be **{level}**.",
                       level=_(CHALLENGES[number]))),
                _overview(turn)]
    if name == "goal":
        return [Text(_("A weekly goal is a number of days from 1 to 7, e.g. `/settings goal "
                       "4`."))]
    if name == "study":
        return [Text(_("A study time is an hour from 0 to 23, e.g. `/settings study 19`."))]
    return [Text(_("That setting is not available any more.")), _overview(turn)]


def stop(turn: Turn) -> list[Reply]:
    update(turn.learner, reminders=False)
    return [Text(_("🔕 All reminders paused. I'll only answer when you write. Turn them back "
                   "on in /settings."))]


def mute(turn: Turn, what: str) -> list[Reply]:
    """A nudge's "stop these" button: no more of that campaign or reminder."""
    listed = muted(turn.learner)
    if what and what not in listed:
        update(turn.learner, muted=[*listed, what[:40]])
    return [Text(_("🔕 Done: you won't get these any more. /settings has your other "
                   "reminders; /stop pauses them all."))]
