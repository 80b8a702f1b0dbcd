"""The `tutorbot` command line."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from bot.app import App, build_app, configure_logging
from content import Severity, load_course
from tutor import Settings, StorageError
from tutor.library import import_folders
from tutor.storage.database import Database

__all__ = ["app", "main"]

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="tutorbot: bite-sized lessons, quizzes and answers in chat.")
content_app = typer.Typer(no_args_is_help=True, help="Write and check courses.")
app.add_typer(content_app, name="content")
console = Console()
errors = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper()
            errors.print(f"[red]Configuration error: {name}: {err['msg']}[/red]")
        errors.print("See .env.example for every setting and its allowed values.")
        raise typer.Exit(2) from exc


def _app(settings: Settings) -> App:
    configure_logging(settings.log_level, errors)
    try:
        return build_app(settings, console)
    except StorageError as exc:
        errors.print(f"[red]Cannot start: {exc}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def chat(learner: Annotated[str, typer.Option(help="Who is learning (each name has its own "
                                                   "progress).")] = "") -> None:
    """Chat with the tutor in this terminal."""
    from bot.terminal import TerminalChat

    settings = _settings()
    tutor_app = _app(settings)
    name = learner.strip() or getpass.getuser() or "learner"
    try:
        TerminalChat(tutor_app.tutor, console, name).run()
    finally:
        tutor_app.close()


@content_app.command("validate")
def validate(paths: Annotated[list[Path], typer.Argument(help="Course folders.")]) -> None:
    """Check course folders and list every problem with file and line."""
    failed = False
    for path in paths:
        result = load_course(path)
        for problem in result.problems:
            style = "red" if problem.severity is Severity.ERROR else "yellow"
            console.print(f"[{style}]{problem}[/{style}]", highlight=False, soft_wrap=True)
        if result.errors:
            failed = True
            console.print(f"[red]✗ {path}: {len(result.errors)} error(s), "
                          f"{len(result.warnings)} warning(s)[/red]", soft_wrap=True)
        else:
            course = result.unwrap()
            cards = sum(len(lesson.cards) for lesson in course.lessons)
            questions = sum(len(lesson.questions) for lesson in course.lessons)
            console.print(f"[green]✓ {course.id}: {len(course.lessons)} lessons, {cards} cards, "
                          f"{questions} questions, {len(course.skills)} skills; "
                          f"{len(result.warnings)} warning(s)[/green]", soft_wrap=True)
    raise typer.Exit(1 if failed else 0)


@content_app.command("import")
def import_(paths: Annotated[list[Path], typer.Argument(help="Course folders.")]) -> None:
    """Validate and import courses; re-importing keeps every learner's progress."""
    settings = _settings()
    try:
        database = Database(settings.resolved_database_url)
    except StorageError as exc:
        errors.print(f"[red]Cannot import: {exc}[/red]")
        raise typer.Exit(1) from exc
    report = import_folders(database, paths)
    for folder, problems in report.rejected.items():
        for problem in problems:
            console.print(f"[red]{problem}[/red]", highlight=False, soft_wrap=True)
        console.print(f"[red]✗ {folder}: not imported ({len(problems)} error(s))[/red]",
                      soft_wrap=True)
    for summary in report.imported:
        if summary.unchanged:
            console.print(f"[green]✓ {summary.course}: already up to date[/green]")
            continue
        console.print(f"[green]✓ {summary.course}[/green]: lessons {summary.lessons}; "
                      f"cards {summary.cards}; questions {summary.questions}", soft_wrap=True)
    database.dispose()
    raise typer.Exit(1 if report.rejected else 0)


def main() -> None:
    sys.exit(app())
if __name__ == "__main__":
    main()
