from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from content import load_course
from tests.conftest import MINI_COURSE, Chat
from tutor import Database, Tutor
from tutor.importer import ImportSummary, import_course
from tutor.storage.models import Attempt, CardRow, CourseRow, LessonRow, QuestionRow


def _import(db: Database, path: Path) -> ImportSummary:
    with db.session() as session:
        summary = import_course(session, load_course(path).unwrap())
        session.commit()
    return summary


def _ids(db: Database, model: type[Any], key: str) -> dict[str, int]:
    with db.session() as session:
        return {getattr(r, key): r.id for r in session.scalars(select(model))}


def test_import_is_idempotent(database: Database) -> None:
    first = _import(database, MINI_COURSE)
    assert (first.lessons.added, first.cards.added, first.questions.added) == (2, 5, 6)
    ids = _ids(database, QuestionRow, "key")
    second = _import(database, MINI_COURSE)
    assert second.unchanged
    assert _ids(database, QuestionRow, "key") == ids
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(CourseRow)) == 1


def test_reimport_after_edit_keeps_ids_progress_and_history(database: Database,
                                                            tmp_path: Path) -> None:
    course = tmp_path / "mini"
    shutil.copytree(MINI_COURSE, course)
    _import(database, course)
    question_ids = _ids(database, QuestionRow, "key")
    card_ids = _ids(database, CardRow, "key")
    chat = Chat(Tutor(database))
    chat.say("/start")
    chat.press("course:mini")
    chat.say("/quiz 1")
    chat.say("2")  # count-next, correct
    chat.say("/skip")  # count-odd

    lesson = course / "01-counting.md"
    text = lesson.read_text()
    text = text.replace("Three is one more than two.", "Three is two plus one.")
    text = text[: text.index("```question\nid: count-odd")]  # remove two questions
    text += "```question\nid: count-new\ntype: true_false\nprompt: Two is even.\n" \
            "skills: [counting]\ndifficulty: 1\nanswer: true\nexplanation: 2 = 2 x 1.\n```\n"
    lesson.write_text(text)
    summary = _import(database, course)

    assert (summary.questions.added, summary.questions.retired) == (1, 2)
    assert summary.cards.updated == 1
    assert _ids(database, CardRow, "key") == card_ids
    after = _ids(database, QuestionRow, "key")
    assert {k: after[k] for k in question_ids} == question_ids
    with database.session() as session:
        retired = set(session.scalars(select(QuestionRow.key).where(QuestionRow.retired)))
        assert retired == {"count-odd", "count-sum"}
        attempts = session.scalars(select(Attempt).order_by(Attempt.id)).all()
        assert [a.question_id for a in attempts] == [question_ids["count-next"],
                                                     question_ids["count-odd"]]
    # The learner's place is kept, and a new quiz leaves the retired questions out.
    chat.say("/quiz 1")
    assert "Quiz on **Counting**: 2 questions" in chat.text()


def test_removed_lesson_is_retired_and_restored_on_return(sqlite_db: Database,
                                                          tmp_path: Path) -> None:
    course = tmp_path / "mini"
    shutil.copytree(MINI_COURSE, course)
    _import(sqlite_db, course)
    moved = tmp_path / "02-colours.md"
    (course / "02-colours.md").rename(moved)
    (course / "course.yaml").write_text((course / "course.yaml").read_text()
                                        .replace("  colours: Naming colours\n", "")
                                        .replace("  shapes: Naming shapes\n", ""))
    summary = _import(sqlite_db, course)
    assert summary.lessons.retired == 1
    assert summary.questions.retired == 3
    moved.rename(course / "02-colours.md")
    shutil.copy(MINI_COURSE / "course.yaml", course / "course.yaml")
    summary = _import(sqlite_db, course)
    assert summary.lessons.updated == 1
    with sqlite_db.session() as session:
        assert not session.scalars(select(LessonRow).where(LessonRow.retired)).all()


def test_a_copy_of_a_bundled_course_is_never_overwritten_in_silence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.app import build_app
    from bot.cli import app
    from content import bundled_course_paths
    from tutor import Settings

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    bundled = next(p for p in bundled_course_paths() if p.name == "python-basics")
    copy = tmp_path / "my-python"
    shutil.copytree(bundled, copy)
    lesson = copy / "01-values-and-variables.md"
    lesson.write_text(lesson.read_text() + "\n```question\nid: teachers-own\ntype: single\n"
                      "prompt: Is this the teacher's question?\nskills: [types]\n"
                      "difficulty: 1\noptions: [right, wrong]\nanswer: right\n"
                      "explanation: It is.\n```\n")
    runner = CliRunner()
    assert runner.invoke(app, ["content", "import", str(bundled)]).exit_code == 0
    refused = runner.invoke(app, ["content", "import", str(copy)])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 1
    assert str(copy) in said and str(bundled.resolve()) in said and "--replace" in said
    assert runner.invoke(app, ["content", "import", "--replace", str(copy)]).exit_code == 0
    # The next start imports the bundled courses again: the teacher's copy must stay.
    from rich.console import Console

    started = build_app(Settings(), Console(file=io.StringIO()))
    with started.database.session() as session:
        keys = set(session.scalars(select(QuestionRow.key).where(
            QuestionRow.retired.is_(False))))
    started.close()
    assert "teachers-own" in keys
