"""A campaign as a teacher writes it (YAML), checked for shape and meaning.

    name: Come back for your reviews
    course: python-basics
    audience: {kind: reviews_due, reviews: 3}
    schedule: {kind: cron, cron: "0 18 * * mon-fri"}   # 18:00 in each learner's own time
    variants:
      - text: "Hi {name}, {due} questions of {course} are waiting for you."
        button: review
      - text: "{name}, five minutes of {course} today? Next up: {next_lesson}."
    control_share: 0.1

Audiences: enrolled, not_started, inactive (days), reviews_due (reviews), mastery_below
(skill, below), risk_above (above), streak_at_risk, group (platform, group), and cluster
(cluster: a typical learner group's name from `tutorbot report groups`, e.g. fading);
any of them may add `also: [...]`, further audiences a learner must fit as well.
"""

from __future__ import annotations

import string
from datetime import datetime
from pathlib import Path
from typing import Literal

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tutor.i18n import _, ngettext
from tutor.learner.clusters import NAMES

__all__ = ["AUDIENCES", "DAYS_OF_WEEK", "PLACEHOLDERS", "Audience", "CampaignError",
           "CampaignSpec", "Schedule", "Variant", "describe_audience", "describe_schedule",
           "load_spec", "parse_schedule"]

PLACEHOLDERS = ("name", "course", "due", "streak", "next_lesson")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Audience(_Strict):
    kind: Literal["enrolled", "not_started", "inactive", "reviews_due", "mastery_below",
                  "risk_above", "streak_at_risk", "group", "cluster"] = "enrolled"
    days: int = Field(default=3, ge=1, le=365)  # inactive
    reviews: int = Field(default=1, ge=1, le=1000)  # reviews_due
    skill: str | None = None  # mastery_below
    below: float = Field(default=0.6, gt=0, lt=1)
    above: float = Field(default=0.7, gt=0, lt=1)  # risk_above
    platform: str | None = None  # group: learners seen in this group
    group: str | None = None
    cluster: str | None = None  # cluster: a typical learner group's name, e.g. "fading"
    # Further conditions a learner must also meet: `{kind: inactive, days: 7, also: [{kind:
    # mastery_below, skill: loops}]}` is the inactive learners weak at loops.
    also: tuple[Audience, ...] = Field(default=(), max_length=8)

    def model_post_init(self, _context: object) -> None:
        if self.kind == "cluster" and not self.cluster:
            raise ValueError("a 'cluster' audience needs 'cluster', a learner group's name "
                             f"as `tutorbot report groups` shows it ({', '.join(NAMES)})")


class Schedule(_Strict):
    kind: Literal["once", "cron", "after_inactivity"]
    at: datetime | None = None  # once: a local date and time, e.g. 2026-12-01 18:00
    cron: str | None = None  # cron: five fields, in each learner's local time
    days: int = Field(default=3, ge=1, le=365)  # after_inactivity
    hour: int = Field(default=18, ge=0, le=23)  # after_inactivity: local hour to send

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                CronTrigger.from_crontab(value)
            except ValueError as exc:
                raise ValueError(f"not a cron expression ({exc}); e.g. '0 18 * * mon-fri'"
                                 ) from exc
        return value

    def model_post_init(self, _context: object) -> None:
        if self.kind == "once" and self.at is None:
            raise ValueError("a 'once' schedule needs 'at' (local date and time)")
        if self.kind == "cron" and self.cron is None:
            raise ValueError("a 'cron' schedule needs 'cron', e.g. '0 18 * * mon-fri'")


class Variant(_Strict):
    text: str = Field(min_length=1, max_length=1000)
    button: Literal["lesson", "review", "none"] = "lesson"

    @field_validator("text")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        for _text, field, _spec, _conversion in string.Formatter().parse(value):
            if field is not None and field not in PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {{{field}}}; use "
                                 + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
        return value


class CampaignSpec(_Strict):
    name: str = Field(min_length=1, max_length=120)
    course: str = Field(min_length=1)
    audience: Audience = Audience()
    schedule: Schedule
    variants: list[Variant] = Field(min_length=1, max_length=5)
    control_share: float = Field(default=0.1, ge=0.0, le=0.5)


class CampaignError(Exception):
    """Every problem of a campaign file, one per line, each with where it is."""


def load_spec(path: Path) -> CampaignSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CampaignError(f"{path}: cannot read it ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise CampaignError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"
                            ) from exc
    if not isinstance(data, dict):
        raise CampaignError(f"{path}: expected a mapping with name, course, schedule, variants")
    try:
        return CampaignSpec.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(str(p) for p in error['loc']) or 'campaign'}: "
                 f"{error['msg']}" for error in exc.errors()]
        raise CampaignError("\n".join(lines)) from exc


AUDIENCES = {
    "everyone": Audience(kind="enrolled"),
    "not started": Audience(kind="not_started"),
    "inactive 3+ days": Audience(kind="inactive", days=3),
    "reviews due": Audience(kind="reviews_due", reviews=1),
    "streak at risk": Audience(kind="streak_at_risk"),
    "at risk of dropping out": Audience(kind="risk_above", above=0.7),
}
DAYS_OF_WEEK = {"daily": "*", "weekdays": "mon-fri", "weekends": "sat,sun"}  # cron's field


def parse_schedule(text: str) -> Schedule:
    """Teachers' shorthand in a chat: `daily 18:00`, `weekdays 8:30`, `weekends 10:00`,
    `once 2026-12-01 18:00`, `after 3 days` (at 18:00), or a five-field cron line."""
    words = text.strip().lower().split()
    try:
        if len(words) == 2 and words[0] in DAYS_OF_WEEK:
            hour, minute = (int(p) for p in words[1].split(":"))
            return Schedule(kind="cron", cron=f"{minute} {hour} * * {DAYS_OF_WEEK[words[0]]}")
        if len(words) == 3 and words[0] == "once":
            return Schedule(kind="once", at=datetime.fromisoformat(f"{words[1]} {words[2]}"))
        if len(words) in (2, 3) and words[0] == "after" and words[1].isdigit():
            return Schedule(kind="after_inactivity", days=int(words[1]))
        if len(words) == 5:
            return Schedule(kind="cron", cron=" ".join(words))
    except (ValueError, ValidationError) as exc:
        raise ValueError(f"I could not read {text.strip()[:60]!r}: {exc}") from exc
    raise ValueError("Say `daily 18:00`, `weekdays 8:30`, `once 2026-12-01 18:00` or "
                     "`after 3 days` (times are each learner's own).")


def describe_audience(audience: Audience) -> str:
    """The audience in words, as a teacher would say it."""
    words = _describe_one(audience)
    for further in audience.also:
        words += " and " + _describe_one(further).removeprefix("learners ")
    return words


def _describe_one(audience: Audience) -> str:
    return {
        "enrolled": "everyone enrolled",
        "not_started": "learners who have not started yet",
        "inactive": f"learners inactive for {audience.days}+ days",
        "reviews_due": f"learners with {audience.reviews}+ reviews due",
        "mastery_below": f"learners below {audience.below:.0%} mastery of {audience.skill}",
        "risk_above": f"learners whose risk of dropping out is above {audience.above:.0%}",
        "streak_at_risk": "learners whose streak breaks today",
        "group": f"learners seen in the {audience.platform} group {audience.group}",
        "cluster": f"the learner group “{audience.cluster}”",
    }[audience.kind]


def describe_schedule(schedule: Schedule) -> str:
    """The schedule in words; times are each learner's own local time."""
    if schedule.kind == "once":
        assert schedule.at is not None
        return _("once, on {day} at {time} in each learner's own time",
                 day=f"{schedule.at:%Y-%m-%d}", time=f"{schedule.at:%H:%M}")
    if schedule.kind == "cron":
        return _("on the cron schedule `{cron}`, in each learner's own time",
                 cron=schedule.cron)
    return ngettext("{n} day after a learner's last activity, at {hour:02d}:00 their time",
                    "{n} days after a learner's last activity, at {hour:02d}:00 their time",
                    schedule.days or 0, hour=schedule.hour)
