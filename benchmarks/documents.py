"""The same text imported from PDF and from Markdown: does the PDF import find as well?

Each article of the SQuAD 2.0 course (`--data DIR/squad2`) is written twice, as a Markdown
document (`# title`, then its paragraphs) and as a PDF (fpdf2, the title set large, the
paragraphs as body text, about 2 pages an article), imported with
`tutorbot content import-docs`' own code into two courses, indexed and searched (hybrid,
as the bot searches) with the answerable questions. A card counts as a question's gold
when it holds part of the question's paragraph (any run of SHINGLE words of it), so the
two imports are scored the same way whatever their card boundaries. Also timed: reading
the PDFs, in pages per second.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from fpdf import FPDF

from benchmarks.common import Squad
from content.reference import import_documents
from retrieval import SearchIndex, SentenceTransformerEmbedder
from tutor.knowledge import CourseSearch
from tutor.library import import_folders
from tutor.storage.database import Database

__all__ = ["SHINGLE", "DocumentsResult", "compare"]

SHINGLE = 12  # words: long enough to be one paragraph's, short enough to survive a card cut
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"  # full Unicode


@dataclass(frozen=True)
class DocumentsResult:
    questions: int
    recall_at_5: dict[str, float]  # "Markdown", "PDF"
    chunks: dict[str, int]
    pages: int
    pdf_seconds: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.pdf_seconds


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}


def _write(folder: Path, data: Squad) -> None:
    articles: dict[str, list[str]] = {}
    for _, title, text in data.paragraphs:
        articles.setdefault(title, []).append(text)
    for title, paragraphs in articles.items():
        name = title.lower().replace(" ", "_")
        heading = title.replace("_", " ")
        (folder / "md").mkdir(exist_ok=True)
        (folder / "md" / f"{name}.md").write_text(
            f"# {heading}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        pdf = FPDF()
        pdf.add_font("body", "", str(FONT))
        pdf.add_page()
        pdf.set_font("body", "", 20)
        pdf.cell(0, 12, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("body", "", 11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(3)
        (folder / "pdf").mkdir(exist_ok=True)
        pdf.output(str(folder / "pdf" / f"{name}.pdf"))


def _course(folder: Path, course: str, docs: Path) -> tuple[Path, float, int]:
    target = folder / course
    target.mkdir()
    (target / "course.yaml").write_text(f"id: {course}\ntitle: {course}\ndescription: d\n",
                                        encoding="utf-8")
    started = time.perf_counter()
    report = import_documents([docs], target)
    assert not report.failed, report.failed
    return target, time.perf_counter() - started, report.pages


def compare(data: Squad, workdir: Path, embedder: SentenceTransformerEmbedder,
            questions: int | None = None) -> DocumentsResult:
    _write(workdir, data)
    shingles = {pid: _shingles(text) for pid, _, text in data.paragraphs}
    queries = data.answerable[:questions] if questions else data.answerable
    recall: dict[str, float] = {}
    chunks: dict[str, int] = {}
    pages, pdf_seconds = 0, 0.0
    for name, docs in (("Markdown", workdir / "md"), ("PDF", workdir / "pdf")):
        folder, seconds, read_pages = _course(workdir, f"course-{name.lower()}", docs)
        if name == "PDF":
            pages, pdf_seconds = read_pages, seconds
        database = Database(f"sqlite:///{workdir / f'{name}.db'}")
        report = import_folders(database, [folder])
        assert not report.rejected, report.rejected
        search = CourseSearch(database, SearchIndex(workdir / f"{name}-index", embedder,
                                                    kind="flat"))
        search.sync(progress=True)
        listed = search.chunks()
        chunks[name] = len(listed)
        holds = {c.id: {pid for pid, s in shingles.items() if s & _shingles(c.text)}
                 for c in listed}
        found = 0
        for query in queries:
            hits = search.index.search(query.text, k=5)
            found += any(query.gold in holds.get(h.chunk.id, ()) for h in hits)
        recall[name] = found / len(queries)
        database.dispose()
    return DocumentsResult(len(queries), recall, chunks, pages, pdf_seconds)


def rows(result: DocumentsResult) -> list[list[str]]:
    return [[name, str(result.chunks[name]), f"{result.recall_at_5[name]:.3f}",
             f"{result.recall_at_5[name] - result.recall_at_5['Markdown']:+.3f}"]
            for name in ("Markdown", "PDF")]
