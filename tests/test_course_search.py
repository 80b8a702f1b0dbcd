from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from retrieval import SearchIndex, SentenceTransformerEmbedder
from tests.conftest import MINI_COURSE, CountingEmbedder, import_path
from tutor import Database
from tutor.knowledge import CourseSearch

runner = CliRunner()


def _search(db: Database, folder: Path, embedder: SentenceTransformerEmbedder
            ) -> tuple[CourseSearch, CountingEmbedder]:
    counting = CountingEmbedder(embedder)
    return CourseSearch(db, SearchIndex(folder, counting)), counting


def test_every_active_card_is_a_section_with_its_source(bundled_db: Database,
                                                        tmp_path: Path,
                                                        embedder: SentenceTransformerEmbedder
                                                        ) -> None:
    search, _ = _search(bundled_db, tmp_path / "ix", embedder)
    sections = search.sections()
    assert len(sections) == 96  # 81 English cards and the Chinese course's 15
    core = next(s for s in sections if s.key == "earth-science/inside-the-earth/the-core")
    assert core.path == ("Inside the Earth", "The core")
    assert core.metadata["lesson_number"] == "1"
    assert core.metadata["course_title"] == "Earth and Space Science"
    assert len(search.sections("python-basics")) == 41


def test_search_by_course_after_a_background_sync(bundled_db: Database, tmp_path: Path,
                                                  embedder: SentenceTransformerEmbedder) -> None:
    search, counting = _search(bundled_db, tmp_path / "ix", embedder)
    assert search.sync_in_background() is not None
    search.wait()  # searches do not wait for it (test_ask); this one wants its result
    hits = search.search("why does the Moon change shape during the month", k=3)
    # Ranking quality is the benchmarks' business; here: the synced index finds the card.
    assert "earth-science/moon-and-planets/phases-of-the-moon" in \
        [h.chunk.section for h in hits]
    python_only = search.search("why does the Moon change shape", course="python-basics")
    assert all(h.chunk.metadata["course"] == "python-basics" for h in python_only)
    again, fresh = _search(bundled_db, tmp_path / "ix", embedder)
    assert again.sync_in_background() is None  # nothing changed: no thread, no model
    assert fresh.embedded == []
    assert len(counting.embedded) == 96 + 2  # every card once, then the two queries
    assert counting.embedded[-1] == "why does the Moon change shape"


def test_reimporting_an_edited_lesson_re_embeds_only_its_cards(sqlite_db: Database,
                                                               tmp_path: Path,
                                                               embedder:
                                                               SentenceTransformerEmbedder
                                                               ) -> None:
    course = tmp_path / "mini"
    shutil.copytree(MINI_COURSE, course)
    import_path(sqlite_db, course)
    search, counting = _search(sqlite_db, tmp_path / "ix", embedder)
    search.sync()
    lesson = course / "02-colours.md"
    lesson.write_text(lesson.read_text().replace("Grass is green.", "Grass is green in spring."))
    import_path(sqlite_db, course)
    counting.embedded.clear()
    report = search.sync()
    assert (report.added, report.removed, report.kept) == (1, 1, 4)
    assert counting.embedded == ["Colours and shapes > Colours: The sky on a clear day is blue. "
                                 "Grass is green in spring."]


def test_cli_import_updates_the_index_and_search_prints_sources(tmp_path: Path,
                                                                monkeypatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    first = runner.invoke(app, ["content", "import", str(MINI_COURSE)])
    assert "Search index (no index yet): 5 chunks added" in first.output
    found = runner.invoke(app, ["search", "how many sides does a triangle have", "--k", "1"])
    assert found.exit_code == 0, found.output
    assert "Lesson 2 · Colours and shapes" in found.output
    assert "A triangle has three sides." in found.output
    assert "No matching passages." in runner.invoke(app, ["search", "🙂"]).output
    wrong = runner.invoke(app, ["search", "x", "--mode", "fuzzy"])
    assert wrong.exit_code == 2 and "--mode must be hybrid, dense or lexical" in wrong.output
    rebuilt = runner.invoke(app, ["index", "build", "--course", "mini"])
    assert "0 chunks added, 0 removed, 5 kept; 0 embedded" in rebuilt.output
