"""Draft questions from a course's reference documents into its `drafts/` folder.

Offline: cloze drafts (content.drafts). With a chat model: multiple-choice and short-answer
drafts, each written from one passage and kept only when the passage's own text supports
it (tutor.qa.drafting); the rest are dropped and counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from content import load_course
from content.drafts import DRAFTS_DIR, Draft, Passage, cloze_drafts, draft_file, passages
from tutor.storage.database import Database
from tutor.storage.models import CourseRow

__all__ = ["DraftsReport", "draft_questions"]

Writer = Callable[[Sequence[Passage]], tuple[list[Draft], int]]  # drafts, dropped


@dataclass
class DraftsReport:
    files: list[Path] = field(default_factory=list)
    drafts: dict[str, int] = field(default_factory=dict)  # kind -> count
    dropped: int = 0  # LLM drafts their passage does not support


def draft_questions(database: Database, course: str, *, source: str | None = None,
                    skill: str | None = None, writer: Writer | None = None) -> DraftsReport:
    """Write draft questions for `course` (only the document `source`, if given); raises
    ValueError with a sentence for the teacher when that cannot be done."""
    with database.session() as session:
        folder = session.scalar(select(CourseRow.source_path).where(CourseRow.slug == course))
    if folder is None:
        raise ValueError(f"no course {course!r}: import it first")
    loaded = load_course(folder)
    if loaded.course is None or loaded.errors:
        raise ValueError(f"the course folder {folder} has errors: run tutorbot content "
                         "validate on it")
    skills = list(loaded.course.skills)
    if skill is None:
        if len(skills) != 1:
            raise ValueError("name the skill the questions practise with --skill "
                             f"({', '.join(skills)})" if skills else
                             "drafts need a skill: declare one in course.yaml (skills: "
                             "{name: what it is}), then draft again")
        skill = skills[0]
    elif skill not in skills:
        raise ValueError(f"unknown skill {skill!r}; course.yaml declares: "
                         f"{', '.join(skills) or 'none'}")
    found = passages(loaded.course, source)
    if not found:
        raise ValueError(f"no reference document {source!r} in {course}" if source else
                         f"{course} has no reference documents: import some with tutorbot "
                         "content import-docs")
    report = DraftsReport()
    drafts, report.dropped = writer(found) if writer is not None else (cloze_drafts(found), 0)
    target = Path(folder) / DRAFTS_DIR
    for lesson in dict.fromkeys(p.lesson for p in found):
        mine = [d for d in drafts if d.document == lesson.id]
        if not mine:
            continue
        target.mkdir(exist_ok=True)
        file = target / f"{lesson.id.removeprefix('ref-')}.md"
        file.write_text(draft_file(lesson, mine, skill), encoding="utf-8")
        report.files.append(file)
        for draft in mine:
            report.drafts[draft.kind] = report.drafts.get(draft.kind, 0) + 1
    return report
