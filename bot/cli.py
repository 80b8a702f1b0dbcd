"""The `tutorbot` command line."""

from __future__ import annotations

import getpass
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar, cast

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from bot.app import App, build_app, build_search, configure_logging, course_folders
from bot.campaign_cli import campaign_app
from bot.cli_help import install as install_plain_help
from bot.startup import startup_problem
from bot.web.cli import web_app
from content import Severity, load_course
from retrieval import SearchMode, SyncReport
from tutor import Settings, StorageError
from tutor.content_report import content_feedback
from tutor.drafting import draft_questions
from tutor.learner.clusters import MIN_LEARNERS
from tutor.library import import_documents_into, import_folders
from tutor.reports import at_risk, class_groups, unanswered_questions
from tutor.storage.database import Database

__all__ = ["app", "main"]

install_plain_help()

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="tutorbot: bite-sized lessons, quizzes and answers in chat.")
content_app = typer.Typer(no_args_is_help=True, help="Write and check courses.")
app.add_typer(content_app, name="content")
index_app = typer.Typer(no_args_is_help=True, help="The search index over course text.")
app.add_typer(index_app, name="index")
report_app = typer.Typer(no_args_is_help=True, help="Reports for teachers.")
app.add_typer(report_app, name="report")
model_app = typer.Typer(no_args_is_help=True, help="The learner model.")
app.add_typer(model_app, name="model")
app.add_typer(campaign_app, name="campaign")
app.add_typer(web_app, name="web")
console = Console()
errors = Console(stderr=True)


def clock() -> datetime:
    """The moment the reports and the refit take as now (tests put a fixed one here)."""
    return datetime.now(UTC)
OnlyCourse = Annotated[str | None, typer.Option(metavar="COURSE", help="Only this course id.")]
TheCourse = Annotated[str, typer.Option(metavar="COURSE", help="The course id.")]
Folders = Annotated[list[Path], typer.Argument(metavar="FOLDER...", help="Course folders.")]


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper()
            said = str(err["msg"]).removeprefix("Value error, ")
            errors.print(f"[red]Configuration error: {name}: {said}[/red]")
        errors.print("See .env.example for every setting and its allowed values.")
        raise typer.Exit(2) from exc


def _database(settings: Settings) -> Database:
    try:
        return Database(settings.resolved_database_url)
    except StorageError as exc:
        errors.print(f"[red]Cannot open the database: {exc}[/red]")
        raise typer.Exit(1) from exc


T = TypeVar("T")


def _read(report: Callable[[Database], T]) -> T:
    """One report from the configured database, which is closed after."""
    database = _database(_settings())
    try:
        return report(database)
    finally:
        database.dispose()


def _library(settings: Settings) -> Database:
    """The database with the courses every start imports (bundled, COURSES_DIR): on a
    fresh machine, indexing and searching then see them, not an empty database."""
    database = _database(settings)
    for folder, problems in import_folders(database, course_folders(settings)).rejected.items():
        errors.print(f"[yellow]Skipped the course in {folder}: {problems[0].message}[/yellow]",
                     soft_wrap=True, highlight=False)
    return database


def _app(settings: Settings, *, quiet: bool = False) -> App:
    # In the chat, log lines would land between the learner's messages: warnings only.
    level = settings.log_level
    if quiet and level != "DEBUG":
        level = max(level, "WARNING", key=logging.getLevelName)
    configure_logging(level, errors, json_lines=settings.log_format == "json")
    try:
        return build_app(settings, console)
    except StorageError as exc:
        errors.print(f"[red]Cannot start: {exc}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def run(telegram: Annotated[bool, typer.Option("--telegram", help="Run on Telegram.")] = False,
        discord: Annotated[bool, typer.Option("--discord", help="Run on Discord.")] = False,
        ) -> None:
    """Run the bot on the chat platforms until stopped (Ctrl-C or SIGTERM).

    Without flags, every platform whose token is set runs, in one process.
    """
    import asyncio

    from bot.serve import serve

    settings = _settings()
    tokens = {"telegram": settings.telegram_bot_token, "discord": settings.discord_bot_token}
    wanted = {name for name, on in (("telegram", telegram), ("discord", discord)) if on} or \
        {name for name, token in tokens.items() if token is not None}
    if not wanted:
        errors.print("No platform to run: set TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN "
                     "(see .env.example). For the terminal chat: `tutorbot chat`.")
        raise typer.Exit(2)
    missing = [name for name in sorted(wanted) if tokens[name] is None]
    if missing:
        errors.print(f"[red]{' and '.join(n.upper() + '_BOT_TOKEN' for n in missing)} "
                     "not set.[/red] See the README for how to get one.")
        raise typer.Exit(2)
    tutor_app = _app(settings)
    try:
        asyncio.run(serve(settings, tutor_app.tutor, tutor_app.database,
                          telegram="telegram" in wanted, discord="discord" in wanted,
                          on_import=tutor_app.reindex,
                          index_problem=tutor_app.index_problem,
                          index_size=tutor_app.index_size))
    except Exception as exc:
        problem = startup_problem(exc, settings)
        if problem is None:
            raise
        errors.print(f"[red]{problem}[/red]")
        raise typer.Exit(1) from exc
    finally:
        tutor_app.close()


@app.command()
def chat(learner: Annotated[str, typer.Option(
        metavar="NAME", help="Who is learning (each name has its own progress).")] = "",
         lang: Annotated[str, typer.Option(
             "--lang", metavar="CODE",
             help="The bot's language: en, zh or es (default: the terminal's, from "
                  "LANGUAGE, LC_ALL, LC_MESSAGES or LANG).")] = "") -> None:
    """Chat with the tutor in this terminal."""
    from bot.terminal import TerminalChat, environment_language
    from tutor.i18n import negotiate

    language = lang.strip() or environment_language(os.environ)
    if lang.strip() and negotiate(language) is None:
        console.print(f"[red]--lang {lang!r}: I speak en, zh and es.[/red]")
        raise typer.Exit(2)

    settings = _settings()
    tutor_app = _app(settings, quiet=True)
    name = learner.strip() or getpass.getuser() or "learner"
    try:
        TerminalChat(tutor_app.tutor, console, name, language=language).run()
    finally:
        tutor_app.close()


@content_app.command("validate")
def validate(paths: Folders) -> None:
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
def import_(paths: Folders,
            replace: Annotated[bool, typer.Option(
                "--replace", help="These folders now hold their courses, even where another "
                "folder's course has the same id.")] = False) -> None:
    """Validate and import courses; re-importing keeps every learner's progress."""
    settings = _settings()
    database = _database(settings)
    report = import_folders(database, paths, replace=replace)
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
    if report.imported:
        _print_sync(build_search(settings, database).sync(progress=True))
    database.dispose()
    raise typer.Exit(1 if report.rejected else 0)


@content_app.command("import-docs")
def import_docs(
        paths: Annotated[list[Path], typer.Argument(
            metavar="PATH...", help="Documents (PDF, DOCX, PPTX, HTML, Markdown, text) or "
            "folders of them.")],
        course: Annotated[str, typer.Option(
            metavar="COURSE", help="The course they belong to; a new id makes a new course "
            "of them.")],
        title: Annotated[str | None, typer.Option(
            metavar="TITLE", help="A new course's title.")] = None) -> None:
    """Teachers' documents as the course's reading section, searchable by /ask."""
    settings = _settings()
    database = _database(settings)
    missing = [p for p in paths if not p.exists()]
    if missing:
        console.print(f"[red]✗ no such file or folder: {', '.join(map(str, missing))}[/red]",
                      soft_wrap=True)
        raise typer.Exit(2)
    started = time.perf_counter()
    try:
        done = import_documents_into(database, course, paths,
                                     settings.data_dir / "courses", title)
    except ValueError as exc:
        console.print(f"[red]✗ {exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    seconds = time.perf_counter() - started
    docs = done.documents
    for path in docs.written:
        console.print(f"[green]✓ {path.name}[/green]", highlight=False)
    for path in docs.unchanged:
        console.print(f"✓ {path.name}: unchanged", highlight=False)
    for path in docs.retired:
        console.print(f"[yellow]- {path.name}: no longer in its folder; its reference "
                      "lesson is retired[/yellow]", highlight=False)
    for error in docs.failed:
        console.print(f"[red]✗ {error}[/red]", highlight=False, soft_wrap=True)
    rejected = done.library.rejected.get(done.folder)
    for problem in rejected or ():
        console.print(f"[red]{problem}[/red]", highlight=False, soft_wrap=True)
    console.print(f"{len(docs.written)} document(s) imported, {len(docs.unchanged)} unchanged, "
                  f"{len(docs.failed)} failed; {docs.pages} page(s) in {seconds:.1f} s "
                  f"({docs.pages / max(seconds, 1e-9):.1f} pages/s) into {done.folder}",
                  highlight=False, soft_wrap=True)
    if done.library.imported:
        _print_sync(build_search(settings, database).sync(progress=True))
    database.dispose()
    raise typer.Exit(1 if docs.failed or rejected else 0)


@content_app.command("draft-questions")
def draft_questions_(
        course: TheCourse,
        source: Annotated[str | None, typer.Option(
            "--from", metavar="DOCUMENT", help="Only this document (its file name).")] = None,
        skill: Annotated[str | None, typer.Option(
            metavar="SKILL", help="The skill the questions practise (needed when the course "
            "declares several).")] = None) -> None:
    """Draft questions from the course's documents into its drafts/ folder, for review."""
    settings = _settings()
    database = _database(settings)
    from tutor.qa.drafting import llm_writer

    try:
        report = draft_questions(database, course, source=source, skill=skill,
                                 writer=llm_writer(settings))
    except ValueError as exc:
        console.print(f"[red]✗ {exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    finally:
        database.dispose()
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(report.drafts.items())) or "none"
    console.print(f"Drafts: {kinds}" + (f"; {report.dropped} dropped (their passage does not "
                                        "support the answer)" if report.dropped else ""),
                  highlight=False)
    for file in report.files:
        console.print(f"  {file}", highlight=False, soft_wrap=True)
    console.print("Nothing reaches learners until you move questions from drafts/ into a "
                  "lesson.", highlight=False)


def _print_sync(report: SyncReport) -> None:
    why = f" ({report.reason})" if report.rebuilt else ""
    console.print(f"Search index{why}: {report.added} chunks added, {report.removed} removed, "
                  f"{report.kept} kept; {report.embedded} embedded in {report.seconds:.1f} s",
                  soft_wrap=True)


@index_app.command("build")
def index_build(course: OnlyCourse = None
                ) -> None:
    """Bring the search index up to date; only changed text is embedded again."""
    settings = _settings()
    configure_logging(settings.log_level, errors, json_lines=settings.log_format == "json")
    database = _library(settings)
    _print_sync(build_search(settings, database).sync(course, progress=True))
    database.dispose()


@app.command()
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for.")],
    course: OnlyCourse = None,
    k: Annotated[int, typer.Option("--k", metavar="N", min=1, max=100, help="How many hits.")] = 5,
    mode: Annotated[str, typer.Option(
        metavar="MODE", help="hybrid, dense or lexical (default: as the chat searches the "
                             "course: lexical for a language the model does not read).")] = "",
) -> None:
    """Search the course text and print the best passages with their scores and sources."""
    if mode not in ("", "hybrid", "dense", "lexical"):
        errors.print(f"[red]--mode must be hybrid, dense or lexical (got {mode!r})[/red]")
        raise typer.Exit(2)
    settings = _settings()
    configure_logging(settings.log_level, errors, json_lines=settings.log_format == "json")
    database = _library(settings)
    finder = build_search(settings, database)
    if not finder.is_current():
        _print_sync(finder.sync(progress=True))
    hits = finder.search(query, course=course, k=k, mode=cast(SearchMode, mode) or None)
    database.dispose()
    if not hits:
        console.print("No matching passages." if query.strip() else "Give a query to search.")
        return
    table = Table("#", "score", "source", "passage", show_lines=True)
    for rank, hit in enumerate(hits, 1):
        meta = hit.chunk.metadata
        number = f"Lesson {meta['lesson_number']} · " if meta.get("lesson_number") else ""
        source = (f"{meta.get('course_title', '')}\n{number}"
                  f"{meta.get('lesson_title', '')}\n{meta.get('card_title', '')}")
        text = hit.chunk.text if len(hit.chunk.text) < 300 else hit.chunk.text[:297] + "…"
        table.add_row(str(rank), f"{hit.score:.3f}", source, text)
    console.print(table)


@report_app.command("unanswered")
def report_unanswered(course: OnlyCourse
                      = None) -> None:
    """Questions learners asked that the course does not cover: where it has gaps."""
    settings = _settings()
    database = _database(settings)
    rows = unanswered_questions(database, course)
    database.dispose()
    if not rows:
        console.print("No unanswered questions" + (f" for {course}." if course else "."))
        return
    table = Table("asked", "learners", "course", "question", "closest lessons", "last asked")
    for row in rows:
        table.add_row(str(row.times), str(row.learners), row.course, row.text, row.closest,
                      f"{row.last_asked:%Y-%m-%d %H:%M}")
    console.print(table)


@report_app.command("campaigns")
def report_campaigns(course: OnlyCourse
                     = None) -> None:
    """Each campaign's nudges per variant against its control group: sent, failed, came
    back within 24 hours, completed something, and the lift with its 95% interval."""
    from nudges.book import CampaignBook

    rows = _read(lambda database: CampaignBook(database).report(course))
    if not rows:
        console.print("No campaigns yet: `tutorbot campaign create FILE.yaml`.")
        return
    table = Table("campaign", "variant", "planned", "sent", "failed", "back in 24 h",
                  "completed", "lift vs control")
    for row in rows:
        table.add_row(row.campaign, row.variant, str(row.planned), str(row.sent),
                      str(row.failed), str(row.returned), str(row.completed), row.lift)
    console.print(table)


@report_app.command("content")
def report_content(course: TheCourse) -> None:
    """The cards learners marked confusing, their comments, and the questions of the same
    lesson most missed, with share right and discrimination: which card to rewrite."""
    rows = _read(lambda database: content_feedback(database, course))
    if not rows:
        console.print(f"No card of {course!r} has been marked confusing yet.")
        return
    table = Table("lesson › card", "confusing", "clear", "comments", "most missed questions")
    for row in rows:
        missed = "\n".join(
            f"{m.key}: {m.share_right:.0%} right of {m.answered}" + (
                f", discrimination {m.discrimination:+.2f}" if m.discrimination is not None
                else "") for m in row.missed)
        table.add_row(f"{row.lesson} › {row.card}" if row.card else f"{row.lesson} (lesson)",
                      str(row.confusing), str(row.clear), "\n".join(row.comments) or "-",
                      missed or "-")
    console.print(table)


@report_app.command("interventions")
def report_interventions(course: OnlyCourse = None) -> None:
    """What helped learners at risk: each kind of intervention, came back within 72 hours,
    finished a lesson within 7 days, and the lift against the control group (no nudge)."""
    from nudges.book import CampaignBook

    rows = _read(lambda database: CampaignBook(database).interventions(course))
    if not rows:
        console.print("No interventions yet: at-risk nudges and teachers' answers to alerts "
                      "show here.")
        return
    table = Table("intervention", "learners", "back in 72 h", "a lesson in 7 days",
                  "lift vs control (95%)")
    for row in rows:
        table.add_row(row.kind, str(row.count), str(row.came_back), str(row.finished_lesson),
                      row.lift or "-")
    console.print(table)


@report_app.command("class")
def report_class(course: TheCourse,
                 out: Annotated[Path | None, typer.Option(
                     metavar="FILE", help="Where to save the PNG.")] = None) -> None:
    """The class overview image: mastery heatmap, active learners per day, at-risk list."""
    from tutor.overview import class_overview

    settings = _settings()
    database = _database(settings)
    path = out or settings.data_dir / "charts" / f"class-{course}.png"
    made = class_overview(database, course, clock(), path)
    database.dispose()
    if made is None:
        errors.print(f"[red]No course {course!r}.[/red]")
        raise typer.Exit(1)
    console.print(f"Saved the class overview to {made}")


@report_app.command("at-risk")
def report_at_risk(course: TheCourse,
                   top: Annotated[int, typer.Option(
                       metavar="N", min=1, help="How many learners.")] = 20
                   ) -> None:
    """Learners most likely to drop out of a course, from their recent activity."""
    rows = _read(lambda database: at_risk(database, course, clock()))
    if not rows:
        console.print(f"No learners enrolled in {course!r}.")
        return
    table = Table("learner", "risk", "why (against the course's typical learner)",
                  "days inactive", "active days (14)", "streak")
    for row in rows[:top]:
        table.add_row(row.learner, f"{row.risk:.0%}", "; ".join(row.reasons) or "-",
                      str(row.days_inactive), str(row.active_days_14), str(row.streak))
    console.print(table)


@report_app.command("groups")
def report_groups(course: TheCourse) -> None:
    """A course's typical learner groups (k-means on activity), with size and risk."""
    groups = _read(lambda database: class_groups(database, course, clock()))
    if not groups:
        console.print(f"No groups in {course!r}: it needs {MIN_LEARNERS} or more learners.")
        return
    table = Table("group", "learners", "mean risk", "its centre")
    for group in groups:
        table.add_row(group.name, str(group.size), f"{group.risk:.0%}", group.traits)
    console.print(table)
    console.print("A campaign reaches one with `audience: {kind: cluster, cluster: NAME}`.")


@model_app.command("fit")
def model_fit(course: OnlyCourse = None
              ) -> None:
    """Fit the mastery, dropout-risk and learners-like-you models on each course's own logs.

    Until a course has enough answers (mastery) or enough learner histories (risk), the
    shipped defaults stay in use.
    """
    from tutor.learner.refit import MIN_LEARNERS, refit

    database = _database(_settings())
    try:
        fits = refit(database, course, clock())
    finally:
        database.dispose()
    if not fits:
        errors.print(f"[red]No course {course!r}.[/red]" if course else "No courses.")
        raise typer.Exit(1)
    for fit in fits:
        result, risk = fit.mastery, fit.risk
        if result.fitted:
            console.print(f"[green]✓ {result.course}[/green]: fitted on {result.answers:,} "
                          "answers", soft_wrap=True)
        else:
            console.print(f"{result.course}: not fitted: {result.reason}", soft_wrap=True)
        if risk.fitted:
            console.print(f"[green]✓ {fit.course}[/green]: dropout risk fitted on "
                          f"{risk.examples:,} learner histories ({risk.dropped:,} dropped)",
                          soft_wrap=True)
        else:
            console.print(f"{fit.course}: dropout risk not fitted: {risk.reason}",
                          soft_wrap=True)
        if fit.paths:
            console.print(f"[green]✓ {fit.course}[/green]: learners like you fitted on "
                          f"{fit.paths:,} learners' paths", soft_wrap=True)
        else:
            console.print(f"{fit.course}: learners like you not fitted: fewer than "
                          f"{MIN_LEARNERS} learners have practised two skills", soft_wrap=True)


def main() -> None:
    sys.exit(app())
if __name__ == "__main__":
    main()
