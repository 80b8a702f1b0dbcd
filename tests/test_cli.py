from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import MINI_COURSE

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return {**os.environ, "DATA_DIR": str(tmp_path / "data"), "COLUMNS": "120"}


def test_validate_a_good_course() -> None:
    result = runner.invoke(app, ["content", "validate", str(MINI_COURSE)])
    assert result.exit_code == 0, result.output
    assert "✓ mini: 2 lessons, 5 cards, 6 questions, 3 skills; 0 warning(s)" in result.output


def test_validate_lists_every_problem_and_fails(tmp_path: Path) -> None:
    course = tmp_path / "mini"
    shutil.copytree(MINI_COURSE, course)
    lesson = course / "02-colours.md"
    lesson.write_text(lesson.read_text().replace("skills: [shapes]", "skills: [shape]")
                      .replace("difficulty: 1\nanswer: true", "difficulty: 9\nanswer: true"))
    result = runner.invoke(app, ["content", "validate", str(course)])
    assert result.exit_code == 1
    assert f"{lesson}:21: error: difficulty: Input should be less than or equal to 5" \
        in result.output
    assert f"{lesson}:40: error: unknown skill 'shape'" in result.output
    assert "2 error(s)" in result.output


def test_import_reports_changes_then_nothing_to_do(env: dict[str, str]) -> None:
    first = runner.invoke(app, ["content", "import", str(MINI_COURSE)])
    assert first.exit_code == 0, first.output
    assert "lessons 2 added" in first.output and "questions 6 added" in first.output
    second = runner.invoke(app, ["content", "import", str(MINI_COURSE)])
    assert "already up to date" in second.output


def test_a_wrong_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://localhost/x")
    result = runner.invoke(app, ["content", "import", str(MINI_COURSE)])
    assert result.exit_code == 2
    assert "DATABASE_URL" in result.output
    assert "sqlite://, postgresql:// or postgres://" in " ".join(result.output.split())


def _tutorbot() -> list[str]:
    script = Path(sys.executable).with_name("tutorbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def _chat(env: dict[str, str], keys: str) -> str:
    done = subprocess.run([*_tutorbot(), "chat", "--learner", "ann"], input=keys, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_chat_runs_on_a_fresh_machine_and_resumes_after_quitting(env: dict[str, str]) -> None:
    first = _chat(env, "2\nn\n\nq\n")
    assert "Which course would you like?" in first
    assert "Lesson 1 · Values and variables — card 3 of 5" in first
    assert Path(env["DATA_DIR"], "tutorbot.db").exists()
    second = _chat(env, "/quiz\n1\nq\n")
    assert "Welcome back, ann" in second
    assert "card 3 of 5" in second
    assert "Question 1 of 5" in second and "Question 2 of 5" in second
    third = _chat(env, "q\n")
    assert "Question 2 of 5" in third


def test_chat_with_a_broken_extra_course_still_starts(env: dict[str, str],
                                                      tmp_path: Path) -> None:
    broken = tmp_path / "courses" / "broken"
    broken.mkdir(parents=True)
    (broken / "course.yaml").write_text("id: [oops\n")
    output = _chat({**env, "COURSES_DIR": str(tmp_path / "courses")}, "q\n")
    assert "Skipped the course in" in output and "tutorbot content validate" in output
    assert "Which course would you like?" in output


def test_report_unanswered_groups_repeated_questions(env: dict[str, str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from bot import cli
    from tutor import Database, Settings
    from tutor.storage.models import AskedQuestion, CourseRow, Learner

    runner.invoke(app, ["content", "import", str(MINI_COURSE)])
    database = Database(Settings().resolved_database_url)
    with database.session() as session:
        course = session.query(CourseRow).one()
        learners = [Learner(display_name=n, preferences={}) for n in ("a", "b")]
        session.add_all(learners)
        session.flush()
        for learner, text in [(learners[0], "What is a hexagon?"),
                              (learners[1], "what is a HEXAGON"),
                              (learners[1], "How do I count to ten?")]:
            session.add(AskedQuestion(learner_id=learner.id, course_id=course.id, text=text,
                                      answer="", answered=False, confidence=0.1,
                                      engine="declined", closest="Lesson 2 · Colours",
                                      asked_at=datetime(2026, 11, 2, tzinfo=UTC)))
        session.add(AskedQuestion(learner_id=learners[0].id, course_id=course.id,
                                  text="How many sides has a triangle?", answer="Three.",
                                  answered=True, confidence=0.9, engine="offline"))
        session.commit()
    database.dispose()
    monkeypatch.setattr(cli.console, "width", 200)  # one table row per line, whatever the tty
    result = runner.invoke(app, ["report", "unanswered", "--course", "mini"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "hexagon" in line.lower()]
    assert len(lines) == 1 and "│ 2 " in lines[0]
    assert "count to ten" in result.output and "triangle" not in result.output
    other = runner.invoke(app, ["report", "unanswered", "--course", "nothing"])
    assert "No unanswered questions for nothing." in other.output


def test_run_says_which_token_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    nothing = runner.invoke(app, ["run"])
    assert nothing.exit_code == 2 and "No platform to run" in nothing.output
    discord = runner.invoke(app, ["run", "--discord"])
    assert discord.exit_code == 2 and "DISCORD_BOT_TOKEN" in discord.output


def test_run_without_network_says_what_failed_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:  # a port on this machine where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:" + "A" * 35)
    monkeypatch.setenv("TELEGRAM_BASE_URL", f"http://127.0.0.1:{closed}/bot")
    monkeypatch.setenv("NUDGES", "false")
    result = CliRunner().invoke(app, ["run", "--telegram"])
    assert result.exit_code == 1
    assert "Could not reach Telegram at http://127.0.0.1" in " ".join(result.output.split())
    assert "Traceback" not in result.output and 'File "' not in result.output


@pytest.mark.parametrize(("variable", "value"), [
    ("TELEGRAM_BOT_TOKEN", "x"), ("TELEGRAM_BOT_TOKEN", "123456:short"),
    ("DISCORD_BOT_TOKEN", "x"), ("DISCORD_BOT_TOKEN", "not.a token.at all")])
def test_a_token_of_the_wrong_shape_is_refused_before_connecting(
        variable: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["run"])
    said = " ".join(result.output.split())
    assert result.exit_code == 2
    assert f"{variable}: {variable} does not look like a bot token" in said


def test_platform_refusals_read_as_sentences() -> None:
    import discord
    from telegram.error import InvalidToken

    from bot.startup import startup_problem
    from tutor import Settings

    settings = Settings()
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in str(startup_problem(InvalidToken(),
                                                                        settings))
    assert "Discord refused DISCORD_BOT_TOKEN" in str(startup_problem(
        discord.LoginFailure("Improper token has been passed."), settings))
    assert startup_problem(KeyError("a bug"), settings) is None  # bugs keep their traceback


def test_index_build_on_a_fresh_machine_indexes_the_bundled_courses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["index", "build"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "0 chunks added" not in said and "chunks added" in said


def _commands(command: object, path: list[str]) -> list[list[str]]:
    """Every command and group below `command` (Typer brings its own click: duck-typed)."""
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, [*path, name])
    return found


def test_every_help_page_reads_like_a_command_line_not_python() -> None:
    pages = _commands(typer.main.get_command(app), [])
    assert len(pages) > 15
    for path in pages:
        shown = CliRunner().invoke(app, [*path, "--help"], terminal_width=100)
        assert shown.exit_code == 0, path
        for python in ("<bool>", "<str>", "<int", "<list", "<Path>", "list[", "{"):
            assert python not in shown.output, (path, python, shown.output)
