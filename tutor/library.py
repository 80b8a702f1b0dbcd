"""Bring a set of course folders into the database: validate each, import the valid ones."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from content import Problem, Severity, load_course
from content.model import SLUG
from content.reference import DocsReport, import_documents
from tutor.importer import ImportSummary, import_course
from tutor.storage.database import Database
from tutor.storage.models import CourseRow

__all__ = ["DocumentsImport", "LibraryReport", "import_documents_into", "import_folders"]


def _id_clash(session: Session, course_id: str, folder: Path) -> Problem | None:
    """Another folder's course under the same id: never overwritten in silence."""
    held = session.scalar(select(CourseRow.source_path).where(CourseRow.slug == course_id))
    if not held or _same_folder(Path(held), folder):
        return None
    return Problem(folder / "course.yaml", 1, Severity.ERROR,
                   f"the course id {course_id!r} is already taken by the course imported from "
                   f"{held}. Give this copy its own `id:` in course.yaml, or, if this folder "
                   "now holds that course, import it with `tutorbot content import --replace`")


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b

log = logging.getLogger(__name__)


@dataclass
class LibraryReport:
    imported: list[ImportSummary] = field(default_factory=list)
    rejected: dict[Path, list[Problem]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def import_folders(database: Database, folders: Iterable[Path],
                   on_course: Callable[[Path], None] | None = None, *,
                   replace: bool = False) -> LibraryReport:
    """Import every valid course; a broken one is reported and skipped, the rest go in.

    Each course is its own transaction, so one failure never undoes another course. A
    course whose id is already taken by a course from another folder is refused, naming
    both folders, unless `replace` says this folder now holds that course.
    """
    report = LibraryReport()
    for folder in folders:
        if on_course is not None:
            on_course(folder)
        result = load_course(folder)
        report.warnings += result.warnings
        if result.course is None or result.errors:
            report.rejected[folder] = result.errors
            log.warning("course %s has %d error(s); not imported", folder, len(result.errors))
            continue
        with database.session() as session:
            # Workers starting together import the same courses: one at a time.
            database.exclusive(session, f"import course {result.course.id}")
            clash = None if replace else _id_clash(session, result.course.id, folder)
            if clash is not None:
                report.rejected[folder] = [clash]
                log.warning("%s", clash)
                continue
            summary = import_course(session, result.course)
            session.commit()
        report.imported.append(summary)
    return report


@dataclass
class DocumentsImport:
    documents: DocsReport
    library: LibraryReport
    folder: Path


def import_documents_into(database: Database, course: str, paths: list[Path],
                          courses_dir: Path, title: str | None = None) -> DocumentsImport:
    """Teachers' documents as reference lessons of `course` (content.reference), then the
    course imported again so they are read and searched. A course not imported yet is
    made, from the documents alone, in `courses_dir/<course>/`."""
    with database.session() as session:
        held = session.scalar(select(CourseRow.source_path).where(CourseRow.slug == course))
    folder = Path(held) if held else courses_dir / course
    if not held and not (folder / "course.yaml").exists():
        if not re.fullmatch(SLUG, course):
            raise ValueError(f"{course!r} cannot be a course id: use lower-case letters, "
                             "digits, - and _ (at most 48)")
        folder.mkdir(parents=True, exist_ok=True)
        name = title or course.replace("-", " ").capitalize()
        (folder / "course.yaml").write_text(yaml.safe_dump(
            {"id": course, "title": name, "description": f"Reference documents: {name}."},
            allow_unicode=True, sort_keys=False), encoding="utf-8")
    documents = import_documents(paths, folder)
    return DocumentsImport(documents, import_folders(database, [folder]), folder)
