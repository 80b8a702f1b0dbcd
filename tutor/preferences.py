"""A learner's preferences, stored as JSON on the learner: typed reads with defaults.

Unknown or out-of-range stored values read as the default, so a hand-edited or older
record never breaks a turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import ColumnElement

from tutor.i18n import DEFAULT, LANGUAGES, negotiate
from tutor.storage.models import Learner

__all__ = ["DEFAULT_QUIET", "DEFAULT_STUDY_HOUR", "DEFAULT_WEEKLY_GOAL", "automatic_on",
           "chosen_language", "language", "listed_on_leaderboards", "muted", "onboarded",
           "onboarding_step", "quiet_hours", "reminders_on", "study_hour", "update",
           "weekly_goal"]

DEFAULT_WEEKLY_GOAL = 4  # active days a week: regular without being a daily chore
DEFAULT_STUDY_HOUR = 18  # local hour of the daily reminder
DEFAULT_QUIET = (22, 8)  # local hours: from 22:00 until 08:00 nothing is sent


Who = Learner | Mapping[str, Any]  # a learner, or their preferences as read elsewhere


def _prefs(who: Who) -> Mapping[str, Any]:
    return who.preferences if isinstance(who, Learner) else who


def _int(who: Who, key: str, low: int, high: int, default: int) -> int:
    value = _prefs(who).get(key, default)
    return value if isinstance(value, int) and low <= value <= high else default


def weekly_goal(learner: Who) -> int:
    return _int(learner, "weekly_goal", 1, 7, DEFAULT_WEEKLY_GOAL)


def study_hour(learner: Who) -> int:
    return _int(learner, "study_hour", 0, 23, DEFAULT_STUDY_HOUR)


def reminders_on(learner: Who) -> bool:
    return _prefs(learner).get("reminders", True) is not False


def automatic_on(learner: Who, rule: str) -> bool:
    """An automatic reminder (`streak`, `reviews`...) not switched off in /settings."""
    return _prefs(learner).get(f"auto_{rule}", True) is not False


def muted(learner: Who) -> list[str]:
    """What "Stop these" was pressed for: `c<campaign id>` or a rule's name."""
    found = _prefs(learner).get("muted", [])
    return [m for m in found if isinstance(m, str)] if isinstance(found, list) else []


def listed_on_leaderboards(learner: Who) -> bool:
    return _prefs(learner).get("leaderboard", True) is not False


def onboarded(learner: Who) -> bool:
    return _prefs(learner).get("onboarded") is True


def onboarding_step(learner: Who) -> str | None:
    """The question of the first run that is waiting for an answer ("timezone"), if any."""
    step = _prefs(learner).get("onboarding")
    return step if isinstance(step, str) else None


def alerts_in_digest(learner: Who) -> bool:
    """A teacher who takes at-risk alerts once a day, in the digest (`/settings alerts
    digest`), rather than one by one."""
    return _prefs(learner).get("alerts") == "digest"


def teaches(learner: Who) -> bool:
    """A platform said so (a Discord server's teacher): at-risk alerts reach them too."""
    return _prefs(learner).get("teacher") is True


def teaching() -> ColumnElement[bool]:
    """`teaches` as a query condition, for finding the platforms' teachers in bulk."""
    condition: ColumnElement[bool] = Learner.preferences["teacher"].as_boolean().is_(True)
    return condition


def chosen_language(learner: Who) -> str | None:
    """The language picked in /settings (a key of `tutor.i18n.LANGUAGES`), if any."""
    value = _prefs(learner).get("language")
    return value if isinstance(value, str) and value in LANGUAGES else None


class Speaker(Protocol):
    """A learner as a row or as read for nudges: their preferences and reported language."""

    @property
    def preferences(self) -> Mapping[str, Any]: ...

    @property
    def language(self) -> str: ...


def language(learner: Speaker) -> str:
    """The language to speak to them in: their choice, else what their app last reported."""
    return chosen_language(learner.preferences) or negotiate(learner.language) or DEFAULT


def quiet_hours(learner: Who) -> tuple[int, int]:
    value = _prefs(learner).get("quiet")
    if isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int) and 0 <= v <= 23 for v in value):
        return value[0], value[1]
    return DEFAULT_QUIET


def update(learner: Learner, **values: Any) -> None:
    """Assign a new dict so SQLAlchemy sees the JSON column change."""
    learner.preferences = {**learner.preferences, **values}
