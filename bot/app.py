"""Wiring in one place: settings -> database -> courses -> tutor."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from content import bundled_course_paths
from nudges.desk import Desk
from retrieval import SearchIndex, SentenceTransformerEmbedder
from tutor import Database, Settings, Tutor
from tutor.dashboard.access import Access
from tutor.flows.dashboard import DashboardLinks
from tutor.flows.documents import DocumentShelf
from tutor.knowledge import CourseSearch
from tutor.library import LibraryReport, import_folders
from tutor.qa.answerer import Answerer

if TYPE_CHECKING:
    from tutor.qa.llm import LLMEngine

__all__ = ["App", "build_app", "build_llm", "build_search", "configure_logging",
           "course_folders"]


@dataclass
class App:
    settings: Settings
    database: Database
    search: CourseSearch
    tutor: Tutor

    def reindex(self) -> None:
        """Catch the search index up with the courses (after a re-import), in the
        background."""
        self.search.sync_in_background()

    def index_problem(self) -> str | None:
        """Why answers cannot be searched yet (for /readyz); None when the index is loaded."""
        index = self.search.index
        if index.load_problem is not None:
            return f"the search index is being built ({index.load_problem})"
        return None if index.chunk_ids else "the search index is empty (being built)"

    def index_size(self) -> int:
        return len(self.search.index.chunk_ids)

    def close(self) -> None:
        # A background index sync still embedding at exit would be killed inside torch
        # (an abort); letting it finish also keeps what it computed.
        self.search.wait()
        self.database.dispose()


class JsonLines(logging.Formatter):
    """LOG_FORMAT=json: one object a line (time, level, logger, message, and the error)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, console: Console | None = None, *,
                      json_lines: bool = False) -> None:
    from rich.logging import RichHandler

    handler: logging.Handler
    if json_lines:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
    else:
        handler = RichHandler(console=console or Console(stderr=True), show_path=False)
    logging.basicConfig(level=level, format="%(name)s: %(message)s", datefmt="[%X]",
                        handlers=[handler], force=True)
    # Library chatter (migrations, model loading, index building) is for whoever debugs.
    # httpx says every request's URL at INFO, and a Bot API URL holds the bot's token.
    quiet = max(logging.getLevelName(level), logging.WARNING)
    for name in ("alembic", "bm25s", "sentence_transformers", "transformers", "faiss",
                 "httpx", "httpcore"):
        logging.getLogger(name).setLevel(quiet)


def course_folders(settings: Settings) -> list[Path]:
    folders = bundled_course_paths() if settings.import_bundled_courses else []
    extra = settings.courses_dir
    if extra is not None:
        folders += sorted(p.parent for p in extra.glob("*/course.yaml"))
        if (extra / "course.yaml").is_file():
            folders.append(extra)
    return folders


def build_search(settings: Settings, database: Database) -> CourseSearch:
    """The search index; the embedding model loads only when something needs embedding."""
    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    index = SearchIndex(settings.resolved_index_dir, embedder, kind=settings.search_index)
    return CourseSearch(database, index, dense_languages=settings.dense_languages)


def build_llm(settings: Settings) -> LLMEngine | None:
    """LLM mode when a model is configured; None keeps the tutor fully offline."""
    from tutor.qa.llm import LLMEngine, configured_chat_model

    model = configured_chat_model(settings)
    return LLMEngine(model, stream=settings.llm_stream) if model is not None else None


def build_app(settings: Settings, console: Console) -> App:
    """Open (and migrate) the database, import the courses, build the tutor.

    The search index catches up in the background: nobody waits for embeddings to start.
    """
    with console.status("Opening the database…"):
        database = Database(settings.resolved_database_url)
    report = _import_with_progress(database, course_folders(settings), console)
    for folder, problems in report.rejected.items():
        detail = problems[0].message if len(problems) == 1 else \
            f"{len(problems)} error(s). Run `tutorbot content validate {folder}` for the list"
        console.print(f"[yellow]Skipped the course in {folder}: {detail}.[/yellow]",
                      soft_wrap=True, highlight=False)
    search = build_search(settings, database)
    search.sync_in_background()
    tutor = Tutor(database, answerer=Answerer(search, llm=build_llm(settings)),
                  llm_daily_quota=settings.llm_daily_quota,
                  max_message_chars=settings.max_message_chars,
                  charts_dir=settings.data_dir / "charts",
                  group_quiz_seconds=settings.group_quiz_seconds,
                  desk=Desk(settings.nudge_daily_cap), teachers=settings.teachers,
                  links=_links(settings, database),
                  documents=DocumentShelf(settings.data_dir / "documents",
                                          settings.document_max_mb * 1024 * 1024),
                  on_content_change=search.sync_in_background)
    return App(settings=settings, database=database, search=search, tutor=tutor)


def _links(settings: Settings, database: Database) -> DashboardLinks | None:
    """`/dashboard` hands out links where a dashboard runs: served by this process
    (WEB_PORT) or by a `tutorbot web` of its own (WEB_BASE_URL)."""
    if settings.web_port is None and settings.web_base_url is None:
        return None
    return DashboardLinks(Access(database, settings.teachers), settings.resolved_web_base_url)


def _import_with_progress(database: Database, folders: list[Path],
                          console: Console) -> LibraryReport:
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), console=console, transient=True) as progress:
        task = progress.add_task("Loading courses", total=len(folders))

        def advance(folder: Path) -> None:
            progress.update(task, description=f"Loading {folder.name}")
            progress.advance(task)

        return import_folders(database, folders, on_course=advance)
