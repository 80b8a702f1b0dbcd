"""Bring a set of course folders into the database: validate each, import the valid ones."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from content import Problem, load_course
from tutor.importer import ImportSummary, import_course
from tutor.storage.database import Database

__all__ = ["LibraryReport", "import_folders"]

log = logging.getLogger(__name__)


@dataclass
class LibraryReport:
    imported: list[ImportSummary] = field(default_factory=list)
    rejected: dict[Path, list[Problem]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def import_folders(database: Database, folders: Iterable[Path],
                   on_course: Callable[[Path], None] | None = None) -> LibraryReport:
    """Import every valid course; a broken one is reported and skipped, the rest go in.

    Each course is its own transaction, so one failure never undoes another course.
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
            summary = import_course(session, result.course)
            session.commit()
        report.imported.append(summary)
    return report
