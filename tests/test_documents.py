"""Teachers' documents as course content, read from real files the tests write: PDFs (with
headings over several pages, two columns, no text layer, damaged, large), a Word document,
a slide deck, an HTML page, Markdown without front matter and plain text."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from typer.testing import CliRunner

from content import load_course
from content.documents import DocumentError, read_document
from content.reference import import_documents
from tests.conftest import Chat
from tutor import Database, Tutor
from tutor.library import import_documents_into

FORCES = ("An object at rest stays at rest, and an object in motion keeps its speed and "
          "direction, unless an unbalanced force acts on it. ")
SECOND = "The net force on a body equals its mass times its acceleration. "


def write_pdf(path: Path, sections: list[tuple[str, str]], title: str = "") -> Path:
    pdf = FPDF()
    pdf.set_auto_page_break(True, 15)
    pdf.add_page()
    if title:
        pdf.set_font("helvetica", "B", 20)
        pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    for heading, text in sections:
        pdf.set_font("helvetica", "B", 15)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 11)
        pdf.multi_cell(0, 6, text)
        pdf.ln(4)
    pdf.output(str(path))
    return path


def test_a_pdf_keeps_its_headings_and_says_the_page_of_each_section(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "forces.pdf", [("Newton's first law", FORCES * 3),
                                               ("Newton's second law", SECOND * 60)],
                     title="Forces and Motion")
    document = read_document(path)
    assert document.title == "Forces and Motion"
    assert document.pages == 2
    headings = [(s.heading, s.where) for s in document.sections]
    assert headings == [("Newton's first law", "p. 1"), ("Newton's second law", "p. 1"),
                        ("Newton's second law (cont.)", "p. 2")]
    assert document.sections[0].text.startswith("An object at rest stays at rest, and an")
    assert "  " not in document.sections[1].text


def test_a_two_column_pdf_is_read_column_by_column(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "", 10)
    left = " ".join(f"Volcano fact {i}: magma rises through the crust." for i in range(15))
    right = " ".join(f"Glacier fact {i}: ice flows downhill slowly." for i in range(15))
    pdf.set_xy(10, 20)
    pdf.multi_cell(90, 5, left)
    pdf.set_xy(110, 20)
    pdf.multi_cell(90, 5, right)
    pdf.output(str(tmp_path / "columns.pdf"))
    text = " ".join(s.text for s in read_document(tmp_path / "columns.pdf").sections)
    volcano = [text.index(f"Volcano fact {i}:") for i in range(15)]
    glacier = [text.index(f"Glacier fact {i}:") for i in range(15)]
    assert volcano == sorted(volcano) and glacier == sorted(glacier)
    assert max(volcano) < min(glacier)  # not interleaved line by line


def test_a_scanned_pdf_without_text_is_named_as_such(tmp_path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figure = plt.figure()
    plt.imshow(np.random.default_rng(1).random((40, 40)))
    plt.axis("off")
    figure.savefig(tmp_path / "scan.pdf")
    plt.close(figure)
    with pytest.raises(DocumentError, match="no text layer"):
        read_document(tmp_path / "scan.pdf")


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "not a readable PDF"),
    ("broken.docx", b"PK\x03\x04 not a zip", "not a readable Word document"),
    ("slides.pptx", b"plain text", "not a readable PowerPoint file"),
    ("empty.txt", b"  \n", "the file is empty"),
    ("sheet.xlsx", b"data", "unsupported file type '.xlsx'"),
])
def test_a_file_that_cannot_be_read_gets_one_clear_sentence(tmp_path: Path, name: str,
                                                            data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(DocumentError, match=reason) as caught:
        read_document(tmp_path / name)
    assert str(caught.value).startswith(f"{name}: ")


def test_a_word_document_keeps_headings_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Cell Biology", 0)
    document.add_heading("The nucleus", 1)
    document.add_paragraph("The nucleus holds the cell's DNA.")
    document.add_heading("Organelles", 1)
    document.add_paragraph("Mitochondria release energy from food.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Organelle", "Job"
    table.cell(1, 0).text, table.cell(1, 1).text = "Ribosome", "Makes proteins"
    document.save(str(tmp_path / "cells.docx"))
    read = read_document(tmp_path / "cells.docx")
    assert read.title == "Cell Biology"
    assert [s.heading for s in read.sections] == ["The nucleus", "Organelles"]
    assert "Ribosome | Makes proteins" in read.sections[1].text


def test_slides_are_sections_with_their_numbers_and_notes(tmp_path: Path) -> None:
    from pptx import Presentation

    deck = Presentation()
    for title, body, notes in [("The water cycle", "Evaporation, condensation, rain.", ""),
                               ("Evaporation", "The sun heats water into vapour.",
                                "Ask who has seen a puddle dry up.")]:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    deck.save(str(tmp_path / "water.pptx"))
    read = read_document(tmp_path / "water.pptx")
    assert read.title == "The water cycle" and read.pages == 2
    assert [(s.heading, s.where) for s in read.sections] == [
        ("The water cycle", "slide 1"), ("Evaporation", "slide 2")]
    assert "puddle" in read.sections[1].text


def test_an_html_page_keeps_its_text_and_drops_scripts_and_menus(tmp_path: Path) -> None:
    (tmp_path / "glaciers.html").write_text(
        "<html><head><title>Glaciers</title><script>var secret = 1;</script></head><body>"
        "<nav>Home | About</nav><h1>Glaciers</h1><p>A glacier is dense ice that moves.</p>"
        "<h2>Moraines</h2><p>Rock left by a glacier.</p><ul><li>Terminal</li></ul>"
        "</body></html>", encoding="utf-8")
    read = read_document(tmp_path / "glaciers.html")
    assert read.title == "Glaciers"
    assert [s.heading for s in read.sections] == ["Glaciers", "Moraines"]
    text = " ".join(s.text for s in read.sections)
    assert "secret" not in text and "About" not in text and "Terminal" in text


def test_markdown_without_front_matter_and_plain_text_are_read(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Tides\n\nThe moon pulls the sea.\n\n## Spring tides\n\n"
                                       "Sun and moon in line.\n", encoding="utf-8")
    (tmp_path / "plain.txt").write_text("\n\n".join(f"Paragraph {i}." for i in range(6)),
                                        encoding="utf-8")
    assert [s.heading for s in read_document(tmp_path / "notes.md").sections] == [
        "Tides", "Spring tides"]
    assert [s.text.count("Paragraph") for s in read_document(tmp_path / "plain.txt").sections] \
        == [4, 2]


def test_documents_become_valid_reference_lessons_and_reimport_is_idempotent(
        tmp_path: Path) -> None:
    course = tmp_path / "course"
    course.mkdir()
    (course / "course.yaml").write_text("id: physics\ntitle: Physics\ndescription: Forces.\n",
                                        encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    write_pdf(docs / "forces.pdf", [("Newton's first law", FORCES)], title="Forces")
    # Text that would be Markdown structure if copied as it is: a question fence, a
    # heading, a card break.
    (docs / "tricky.txt").write_text("```question\nid: x\n```\n\n# not a heading\n\n---\n\n"
                                     "<b>bold</b> stays text", encoding="utf-8")
    first = import_documents([docs], course)
    assert sorted(p.name for p in first.written) == ["forces.pdf", "tricky.txt"]
    loaded = load_course(course)
    assert not loaded.errors, loaded.errors
    lessons = {lesson.id: lesson for lesson in loaded.unwrap().lessons}
    assert set(lessons) == {"ref-forces", "ref-tricky"}
    assert all(lesson.reference and not lesson.questions for lesson in lessons.values())
    assert lessons["ref-forces"].title == "Reference: Forces"
    assert lessons["ref-forces"].cards[0].title == "Newton's first law (p. 1)"
    assert len(lessons["ref-tricky"].cards) == 1
    assert "not a heading" in lessons["ref-tricky"].cards[0].body
    written = {p: p.stat().st_mtime_ns for p in (course / "reference").iterdir()}
    def never(path: Path) -> object:
        raise AssertionError(f"{path.name} is unchanged: its bytes say so, no need to read it")

    again = import_documents([docs], course, read=never)  # type: ignore[arg-type]
    assert again.written == [] and len(again.unchanged) == 2
    assert {p: p.stat().st_mtime_ns for p in (course / "reference").iterdir()} == written


def test_a_removed_document_is_retired_and_a_broken_one_loses_nothing(
        sqlite_db: Database, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_pdf(docs / "forces.pdf", [("Newton's first law", FORCES)], title="Forces")
    (docs / "tides.md").write_text("# Tides\n\nThe moon pulls the sea.\n", encoding="utf-8")
    made = import_documents_into(sqlite_db, "physics", [docs], tmp_path / "courses", "Physics")
    assert len(made.library.imported) == 1 and not made.documents.failed
    (docs / "tides.md").unlink()
    (docs / "forces.pdf").write_bytes(b"%PDF-1.4 damaged")
    again = import_documents_into(sqlite_db, "physics", [docs], tmp_path / "courses")
    assert [e.path.name for e in again.documents.failed] == ["forces.pdf"]
    assert [p.name for p in again.documents.retired] == ["tides.md"]
    tutor = Tutor(sqlite_db)
    chat = Chat(tutor)
    chat.say("/course physics")
    chat.say("/lessons")
    assert "Reference: Forces" in chat.text()  # the last good import stays
    assert "Tides" not in chat.text()


def test_a_course_of_documents_is_read_cited_and_never_a_path_step(
        sqlite_db: Database, tmp_path: Path, embedder: object) -> None:
    from retrieval import SearchIndex
    from tutor.knowledge import CourseSearch
    from tutor.qa.answerer import Answerer

    docs = tmp_path / "docs"
    docs.mkdir()
    write_pdf(docs / "forces.pdf", [("Newton's first law", FORCES * 2),
                                    ("Newton's second law", SECOND * 60),
                                    ("Friction", "Friction is a force that opposes sliding "
                                                 "between two surfaces in contact. " * 3)],
              title="Forces and Motion")
    import_documents_into(sqlite_db, "physics", [docs], tmp_path / "courses", "Physics")
    search = CourseSearch(sqlite_db, SearchIndex(tmp_path / "index", embedder))  # type: ignore[arg-type]
    search.sync()
    chat = Chat(Tutor(sqlite_db, answerer=Answerer(search)))
    chat.say("/course physics")
    assert "**📄 Reference: Forces and Motion** — card 1 of" in chat.text()
    chat.say("/menu")
    assert "its documents are here to read" in chat.text()
    assert "Continue" not in chat.text()  # a reference is never the next step
    chat.say("/ask what opposes sliding between surfaces?")
    assert "Reference: Forces and Motion – Friction (p. 2)" in chat.text()
    assert "Lesson" not in chat.text().split("Source:")[-1]
    [open_card] = [a for a in chat.actions() if a.startswith("card:")]
    chat.press(open_card)
    assert "**📄 Reference: Forces and Motion** — card" in chat.text()


def command_line_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """DATA_DIR in tmp_path, lexical search (no model to load), and an empty docs folder."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEARCH_MODE", "lexical")
    docs = tmp_path / "docs"
    docs.mkdir()
    return docs


def test_the_command_line_imports_reports_and_exits_non_zero_on_a_failure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import app

    docs = command_line_home(tmp_path, monkeypatch)
    write_pdf(docs / "forces.pdf", [("Newton's first law", FORCES)], title="Forces")
    (docs / "scan.pdf").write_bytes(b"%PDF-1.4 damaged")
    result = CliRunner().invoke(app, ["content", "import-docs", str(docs),
                                      "--course", "physics", "--title", "Physics"])
    assert result.exit_code == 1, result.output
    assert "✓ forces.pdf" in result.output
    assert "✗ scan.pdf: not a readable PDF" in result.output
    assert "1 document(s) imported, 0 unchanged, 1 failed; 1 page(s)" in result.output
    assert (tmp_path / "data" / "courses" / "physics" / "reference" / "ref-forces.md").exists()
    bad = CliRunner().invoke(app, ["content", "import-docs", str(docs), "--course", "Bad Id!"])
    assert bad.exit_code == 2 and "cannot be a course id" in bad.output


def test_a_large_pdf_is_read_page_by_page(tmp_path: Path) -> None:
    sections = [(f"Chapter {n}", SECOND * 40) for n in range(1, 51)]
    document = read_document(write_pdf(tmp_path / "big.pdf", sections, title="Big"))
    assert document.pages >= 25
    assert {s.where for s in document.sections} == {f"p. {n}" for n in
                                                    range(1, document.pages + 1)}
    assert sum(s.heading.startswith("Chapter") and "(cont.)" not in s.heading
               for s in document.sections) == 50


def test_a_teacher_adds_a_document_over_telegram_and_a_learner_cannot(
        sqlite_db: Database, tmp_path: Path) -> None:
    import asyncio

    from tests.telegram_harness import running
    from tutor.flows.documents import DocumentShelf

    teacher, learner = 4001, 4002
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "intro.md").write_text("# Physics\n\nThe study of matter and energy.\n",
                                   encoding="utf-8")
    import_documents_into(sqlite_db, "physics", [docs], tmp_path / "courses", "Physics")
    pdf = write_pdf(tmp_path / "forces.pdf", [("Friction", FORCES)], title="Forces").read_bytes()
    changed: list[bool] = []
    tutor = Tutor(sqlite_db, teachers=[f"telegram:{teacher}"],
                  documents=DocumentShelf(tmp_path / "uploads", 1024 * 1024),
                  on_content_change=lambda: changed.append(True))

    async def scenario() -> None:
        async with running(tutor, sqlite_db, telegram_rate_limits=False) as (fake, _):
            fake.document(learner, "/adddoc physics", "forces.pdf", pdf)
            [refused] = await fake.reply_to(learner, 0)
            assert "That is for teachers" in refused.text
            fake.document(teacher, "/adddoc physics", "huge.pdf", pdf, size=30 * 1024 * 1024)
            [big] = await fake.reply_to(teacher, 0)
            assert "huge.pdf is 30.0 MB; documents may be up to 1 MB" in big.text
            assert fake.downloads == []  # neither file was fetched
            fake.document(teacher, "/adddoc physics", "../../Forces Notes.pdf", pdf)
            [added] = await fake.reply_to(teacher, 1)
            assert "Reference: Forces" in added.text and "is now part of Physics" in added.text
            fake.document(teacher, "/adddoc physics", "scan.pdf", b"%PDF-1.4 damaged")
            [failed] = await fake.reply_to(teacher, 2)
            assert "I could not add scan.pdf: not a readable PDF" in failed.text
            assert "Nothing was changed" in failed.text
            assert len(fake.downloads) == 2

    asyncio.run(scenario())
    assert (tmp_path / "uploads" / "physics" / "Forces_Notes.pdf").exists()  # no ../ escape
    assert not (tmp_path / "uploads" / "physics" / "scan.pdf").exists()
    assert changed  # the search index was asked to catch up
    lessons = load_course(tmp_path / "courses" / "physics").unwrap().lessons
    assert sorted(x.title for x in lessons) == ["Reference: Forces", "Reference: Physics"]


def test_a_sent_document_is_read_before_the_turn_holds_a_database_lock(
        sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a long PDF takes seconds: meanwhile other learners' turns must be able to
    write (SQLite has one writer at a time), so the read happens before the transaction."""
    from sqlalchemy import text

    import tutor.flows.documents as documents_flow
    from tutor.flows.documents import DocumentShelf
    from tutor.messages import Identity, Inbound, Upload

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "intro.md").write_text("# Physics\n\nMatter and energy.\n", encoding="utf-8")
    import_documents_into(sqlite_db, "physics", [docs], tmp_path / "courses", "Physics")
    reads: list[Path] = []

    def slow_read(path: Path) -> object:
        with sqlite_db.session() as other:  # another learner's turn, writing meanwhile
            other.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
            other.execute(text("INSERT INTO probe VALUES (1)"))
            other.commit()
        reads.append(path)
        return read_document(path)

    monkeypatch.setattr(documents_flow, "read_document", slow_read)
    tutor = Tutor(sqlite_db, teachers=["test:t1"],
                  documents=DocumentShelf(tmp_path / "uploads"))
    data = write_pdf(tmp_path / "forces.pdf", [("Friction", FORCES)], title="Forces").read_bytes()
    [reply] = tutor.handle(Inbound.from_text(Identity("test", "t1"), "chat", "/adddoc physics",
                                             upload=Upload("forces.pdf", len(data), data)))
    assert "Reference: Forces" in getattr(reply, "text", "")
    assert len(reads) == 1  # read once, outside the transaction, and not again inside


def test_a_zip_bomb_posing_as_a_word_document_is_refused_unread(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    from content import documents

    monkeypatch.setattr(documents, "MAX_UNPACKED", 1024 * 1024)  # 1 MB, for a small bomb
    with zipfile.ZipFile(tmp_path / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<a>" + b"0" * (4 * 1024 * 1024) + b"</a>")
    assert (tmp_path / "bomb.docx").stat().st_size < 50_000
    with pytest.raises(DocumentError, match="unpacks to 4 MB, more than the 1 MB"):
        read_document(tmp_path / "bomb.docx")
