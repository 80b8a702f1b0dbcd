"""The course format: Markdown lessons with YAML front matter and question blocks.

See `content/README.md` for the format; `load_course` reads and validates a folder.
"""

from __future__ import annotations

from pathlib import Path

from content.loader import MAX_CARD_CHARS, LoadResult, load_course
from content.model import CLOZE_BLANK, POLL_LIMITS, Card, Course, Lesson, Question, QuestionKind
from content.problems import CourseFormatError, Problem, Severity

__all__ = [
    "BUNDLED_COURSES",
    "CLOZE_BLANK",
    "MAX_CARD_CHARS",
    "POLL_LIMITS",
    "Card",
    "Course",
    "CourseFormatError",
    "Lesson",
    "LoadResult",
    "Problem",
    "Question",
    "QuestionKind",
    "Severity",
    "bundled_course_paths",
    "load_course",
]

BUNDLED_COURSES = Path(__file__).parent / "courses"


def bundled_course_paths() -> list[Path]:
    """The course folders shipped with tutorbot."""
    return sorted(p.parent for p in BUNDLED_COURSES.glob("*/course.yaml"))
