"""The campaign form: the audience builder (every audience the YAML format has, ticked ones
combined: a learner must fit them all), the schedule in learners' local time, up to three
variants and the control share; read into the same `CampaignSpec` a YAML file makes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from nudges.campaign import DAYS_OF_WEEK, CampaignSpec
from tutor.dashboard.views import audience_choices
from tutor.learner.clusters import NAMES
from tutor.storage.database import Database

__all__ = ["AUDIENCE_KINDS", "VARIANTS", "Choices", "read"]

VARIANTS = 3
# Form checkbox -> the audience's kind, with the fields it reads.
AUDIENCE_KINDS = ("not_started", "inactive", "reviews_due", "mastery_below", "risk_above",
                  "streak_at_risk", "group", "cluster")


@dataclass(frozen=True)
class Choices:
    skills: list[str]
    groups: list[tuple[str, str]]
    clusters: tuple[str, ...]

    @classmethod
    def of(cls, database: Database, course: str) -> Choices:
        found = audience_choices(database, course)
        return cls(found.skills, found.groups, NAMES)


def read(values: Mapping[str, str], course: str) -> tuple[CampaignSpec | None, list[str]]:
    """The spec the form describes, or the problems with it, each naming its field."""
    errors: list[str] = []
    audiences = []
    for kind in AUDIENCE_KINDS:
        if values.get(f"aud_{kind}"):
            try:
                audiences.append(_audience(kind, values))
            except ValueError as problem:
                errors.append(f"Audience: {problem}")
    try:
        schedule = _schedule(values)
    except ValueError as problem:
        errors.append(f"Schedule: {problem}")
        schedule = None
    variants = [{"text": values.get(f"text_{i}", "").strip(),
                 "button": values.get(f"button_{i}", "lesson")}
                for i in range(1, VARIANTS + 1) if values.get(f"text_{i}", "").strip()]
    if not variants:
        errors.append("Message: write at least one.")
    if errors:
        return None, errors
    audience: dict[str, Any] = audiences[0] if audiences else {"kind": "enrolled"}
    if len(audiences) > 1:
        audience = {**audience, "also": audiences[1:]}
    try:
        return CampaignSpec.model_validate({
            "name": values.get("name", "").strip() or variants[0]["text"][:40],
            "course": course, "audience": audience, "schedule": schedule,
            "variants": variants, "control_share": _number(values, "control", 10) / 100,
        }), []
    except ValidationError as problem:
        return None, [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                      for e in problem.errors()]
    except ValueError as problem:
        return None, [str(problem)]


def _number(values: Mapping[str, str], name: str, default: float) -> float:
    text = values.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name}: {text[:20]!r} is not a number") from None


def _audience(kind: str, values: Mapping[str, str]) -> dict[str, Any]:
    if kind == "inactive":
        return {"kind": kind, "days": int(_number(values, "inactive_days", 3))}
    if kind == "reviews_due":
        return {"kind": kind, "reviews": int(_number(values, "reviews", 1))}
    if kind == "mastery_below":
        if not values.get("skill"):
            raise ValueError("pick the skill for 'mastery below'")
        return {"kind": kind, "skill": values["skill"],
                "below": _number(values, "below", 60) / 100}
    if kind == "risk_above":
        return {"kind": kind, "above": _number(values, "above", 70) / 100}
    if kind == "group":
        platform, _, group = values.get("group", "").partition("|")
        if not group:
            raise ValueError("pick the study group")
        return {"kind": kind, "platform": platform, "group": group}
    if kind == "cluster":
        if values.get("cluster") not in NAMES:
            raise ValueError(f"pick a learner group ({', '.join(NAMES)})")
        return {"kind": kind, "cluster": values["cluster"]}
    return {"kind": kind}


def _schedule(values: Mapping[str, str]) -> dict[str, Any]:
    kind = values.get("schedule", "daily")
    if kind in DAYS_OF_WEEK:
        hour, _, minute = values.get("time", "18:00").partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise ValueError(f"{values.get('time', '')[:10]!r} is not a time like 18:00")
        return {"kind": "cron", "cron": f"{int(minute)} {int(hour)} * * {DAYS_OF_WEEK[kind]}"}
    if kind == "once":
        try:
            return {"kind": "once", "at": datetime.fromisoformat(values.get("at", ""))}
        except ValueError:
            raise ValueError("give the date and time it goes out") from None
    if kind == "after":
        return {"kind": "after_inactivity", "days": int(_number(values, "after_days", 3)),
                "hour": int(_number(values, "after_hour", 18))}
    if kind == "cron":
        return {"kind": "cron", "cron": values.get("cron", "").strip()}
    raise ValueError(f"unknown schedule {kind[:20]!r}")
