"""The course format as pydantic models: what authors write, checked for shape.

Semantic checks that need the whole course (unknown skills, duplicate ids) live in
`content.loader`; these models check one file or one block at a time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CLOZE_BLANK",
    "POLL_LIMITS",
    "SLUG",
    "Card",
    "Course",
    "CourseMeta",
    "Lesson",
    "LessonMeta",
    "Question",
    "QuestionKind",
]

QuestionKind = Literal["single", "multiple", "true_false", "short", "cloze"]

# A cloze blank is written {{answer}} or {{answer|alternative}}.
CLOZE_BLANK = re.compile(r"\{\{([^{}]+)\}\}")

SLUG = r"^[a-z0-9][a-z0-9_-]{0,47}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PollLimits(_Strict):
    """Telegram's native quiz poll limits; beyond them a question falls back to buttons."""

    question: int = 300
    option: int = 100
    options: int = 10
    explanation: int = 200


POLL_LIMITS = PollLimits()


class CourseMeta(_Strict):
    """`course.yaml`."""

    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1)
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    version: str | int = 1
    # Empty only for a course made of reference documents alone (no lessons to practise).
    skills: dict[str, str] = Field(default_factory=dict)
    # Which skills build on which: `loops: [conditionals, variables]`. Learning paths use
    # it (a lesson's prerequisites, a refresher when a skill's foundation is weak).
    requires: dict[str, list[str]] = Field(default_factory=dict)
    target_success: float = Field(default=0.8, gt=0.5, lt=1.0)
    # Teachers are alerted when a learner's risk of dropping out crosses this (else the
    # deployment's RISK_ALERT_AT).
    alert_at: float | None = Field(default=None, gt=0.0, lt=1.0)


class LessonMeta(_Strict):
    """A lesson's YAML front matter."""

    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=120)
    order: int = Field(ge=0)
    skills: list[str] = Field(default_factory=list)
    # A reading section made from a teacher's document (`tutorbot content import-docs`):
    # read and searched, never a step of a learning path.
    reference: bool = False
    source: str | None = None  # the document it was made from
    source_sha256: str | None = None


class QuestionSpec(_Strict):
    """A ```question block as the author wrote it (shape only)."""

    id: str = Field(pattern=SLUG)
    type: QuestionKind
    prompt: str = Field(min_length=1)
    skills: list[str] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=5)
    explanation: str = Field(min_length=1)
    hints: list[str] = Field(default_factory=list)
    options: list[str] | None = None
    answer: bool | int | float | str | list[str | int | float] | None = None
    tolerance: float | None = Field(default=None, ge=0)


class Card(_Strict):
    key: str
    title: str
    body: str
    line: int


class Question(_Strict):
    """A validated question, ready to store and grade.

    `answers` holds, by kind: single/multiple, the correct option texts; true_false,
    "true" or "false"; short, the accepted answers; cloze, one `a|b` string per blank.
    """

    id: str
    kind: QuestionKind
    prompt: str
    skills: tuple[str, ...]
    difficulty: int
    explanation: str
    hints: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    answers: tuple[str, ...]
    tolerance: float | None = None
    line: int = 0


class Lesson(_Strict):
    id: str
    title: str
    order: int
    skills: tuple[str, ...]
    path: Path
    cards: tuple[Card, ...]
    questions: tuple[Question, ...]
    reference: bool = False
    source: str | None = None  # a reference lesson's document


class Course(_Strict):
    id: str
    title: str
    description: str
    language: str
    version: str
    skills: dict[str, str]
    target_success: float
    lessons: tuple[Lesson, ...]
    requires: dict[str, tuple[str, ...]] = {}
    path: Path
    alert_at: float | None = None
