"""Store a validated course. Idempotent; ids stay stable; what was removed is retired.

Retiring instead of deleting keeps every attempt pointing at the question it answered,
so editing a course never loses a learner's history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from content import Card, Course, Lesson, Question
from tutor.storage.models import Base, CardRow, CourseRow, LessonRow, QuestionRow, SkillRow, utcnow

__all__ = ["Changes", "ImportSummary", "import_course"]

Row = TypeVar("Row", bound=Base)


@dataclass
class Changes:
    added: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.retired} retired, "
                f"{self.unchanged} unchanged")


@dataclass
class ImportSummary:
    course: str
    unchanged: bool = False
    lessons: Changes = field(default_factory=Changes)
    cards: Changes = field(default_factory=Changes)
    questions: Changes = field(default_factory=Changes)


def course_hash(course: Course) -> str:
    data = course.model_dump(mode="json", exclude={"path": True,
                                                   "lessons": {"__all__": {"path"}}})
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def import_course(session: Session, course: Course) -> ImportSummary:
    """Insert or update `course`; the caller commits."""
    digest = course_hash(course)
    row = session.scalar(select(CourseRow).where(CourseRow.slug == course.id))
    summary = ImportSummary(course=course.id)
    if row is not None and row.content_hash == digest:
        summary.unchanged = True
        return summary
    if row is None:
        row = CourseRow(slug=course.id)
        session.add(row)
    _assign(row, title=course.title, description=course.description, language=course.language,
            version=course.version, target_success=course.target_success,
            alert_at=course.alert_at,
            source_path=str(course.path.resolve()), content_hash=digest, imported_at=utcnow())
    session.flush()
    _sync_skills(session, row.id, course.skills, course.requires)
    lesson_rows = _sync_lessons(session, row.id, course.lessons, summary.lessons)
    for lesson in course.lessons:
        _sync_cards(session, lesson_rows[lesson.id].id, lesson.cards, summary.cards)
    _sync_questions(session, row.id, course.lessons, lesson_rows, summary.questions)
    return summary


def _assign(row: Base, **values: Any) -> bool:
    """Set attributes; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name, None) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _upsert(session: Session, existing: dict[str, Row], natural_key: str, make: type[Row],
            changes: Changes, **values: Any) -> Row:
    row = existing.pop(natural_key, None)
    if row is None:
        row = make(**values)
        session.add(row)
        changes.added += 1
    elif _assign(row, retired=False, **values):
        changes.updated += 1
    else:
        changes.unchanged += 1
    return row


def _retire(rows: Iterable[Base], changes: Changes) -> None:
    for row in rows:
        if not getattr(row, "retired", True):
            row.retired = True  # type: ignore[attr-defined]
            changes.retired += 1


def _sync_skills(session: Session, course_id: int, skills: dict[str, str],
                 requires: Mapping[str, Sequence[str]]) -> None:
    existing = {s.slug: s for s in session.scalars(select(SkillRow).where(
        SkillRow.course_id == course_id))}
    for slug, description in skills.items():
        _upsert(session, existing, slug, SkillRow, Changes(), course_id=course_id, slug=slug,
                description=description, requires=list(requires.get(slug, ())))
    _retire(existing.values(), Changes())


def _sync_lessons(session: Session, course_id: int, lessons: tuple[Lesson, ...],
                  changes: Changes) -> dict[str, LessonRow]:
    existing = {r.slug: r for r in session.scalars(select(LessonRow).where(
        LessonRow.course_id == course_id))}
    rows = {}
    for position, lesson in enumerate(lessons):
        rows[lesson.id] = _upsert(session, existing, lesson.id, LessonRow, changes,
                                  course_id=course_id, slug=lesson.id, title=lesson.title,
                                  position=position, authored_order=lesson.order,
                                  skills=list(lesson.skills), reference=lesson.reference)
    _retire(existing.values(), changes)
    session.flush()
    return rows


def _sync_cards(session: Session, lesson_id: int, cards: tuple[Card, ...],
                changes: Changes) -> None:
    existing = {r.key: r for r in session.scalars(select(CardRow).where(
        CardRow.lesson_id == lesson_id))}
    for position, card in enumerate(cards):
        _upsert(session, existing, card.key, CardRow, changes, lesson_id=lesson_id, key=card.key,
                position=position, title=card.title, body=card.body)
    _retire(existing.values(), changes)


def _sync_questions(session: Session, course_id: int, lessons: tuple[Lesson, ...],
                    lesson_rows: dict[str, LessonRow], changes: Changes) -> None:
    existing = {r.key: r for r in session.scalars(select(QuestionRow).where(
        QuestionRow.course_id == course_id))}
    for lesson in lessons:
        for position, question in enumerate(lesson.questions):
            _upsert(session, existing, question.id, QuestionRow, changes,
                    **_question_values(course_id, lesson_rows[lesson.id].id, position, question))
    _retire(existing.values(), changes)
    session.flush()


def _question_values(course_id: int, lesson_id: int, position: int,
                     question: Question) -> dict[str, Any]:
    return {
        "course_id": course_id, "lesson_id": lesson_id, "key": question.id,
        "position": position, "kind": question.kind, "prompt": question.prompt,
        "options": list(question.options), "answers": list(question.answers),
        "tolerance": question.tolerance, "explanation": question.explanation,
        "hints": list(question.hints), "skills": list(question.skills),
        "difficulty": question.difficulty,
    }
