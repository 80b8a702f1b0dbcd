"""Teachers' own documents as text in sections: PDF, DOCX, PPTX, HTML, Markdown, plain text.

Each reader keeps the document's own structure: its headings where it has them (PDF
headings are lines set larger than the page's body text), else its pages (PDF) or slides
(PPTX), and says where each section is (`p. 3`, `slide 2`) so an answer can cite it. A
section never spans two pages: a heading whose text runs over a page break continues as
"<heading> (cont.)" on the next.

Libraries, chosen on real files (tests/test_documents.py writes them): pdfminer.six for
PDF (its layout analysis reads a two-column page column by column, where a plain content
stream read interleaves the lines), python-docx, python-pptx, and Beautiful Soup for HTML.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from content.loader import front_matter, split_front_matter

__all__ = ["READERS", "Document", "DocumentError", "Section", "read_document"]


@dataclass(frozen=True)
class Section:
    heading: str
    text: str
    where: str = ""  # "p. 3", "slide 2"; "" where the document has no pages


@dataclass(frozen=True)
class Document:
    path: Path
    title: str
    sections: tuple[Section, ...]
    pages: int  # pages or slides; 1 for documents without pages
    sha256: str


class DocumentError(Exception):
    """A document that cannot be imported; the message says why, in a sentence."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path, self.reason = path, reason


def read_document(path: Path | str) -> Document:
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(path, f"unsupported file type {path.suffix or '(none)'!r}; "
                                  f"tutorbot reads {', '.join(sorted(READERS))}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, f"cannot read the file: {exc.strerror}") from exc
    if not data.strip():
        raise DocumentError(path, "the file is empty")
    title, sections, pages = reader(path)
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise DocumentError(path, "no text found in the document")
    return Document(path, _clean(title) or _title_from_name(path), tuple(sections), pages,
                    hashlib.sha256(data).hexdigest())


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name


def _clean(text: str) -> str:
    return " ".join(text.split())


class _Sections:
    """Collects text under the current heading, one section per heading and page."""

    def __init__(self, first_heading: str) -> None:
        self.heading, self.where = first_heading, ""
        self.lines: list[str] = []
        self.found: list[Section] = []
        self.started = False  # the current heading has text on an earlier page

    def page(self, where: str) -> None:
        if self.lines:
            self._close()
            self.started = True
        self.where = where

    def start(self, heading: str) -> None:
        self._close()
        self.heading, self.started = heading, False

    def add(self, text: str) -> None:
        if text.strip():
            self.lines.append(text.strip())

    def _close(self) -> None:
        if self.lines:
            heading = f"{self.heading} (cont.)" if self.started else self.heading
            self.found.append(Section(heading, "\n\n".join(self.lines), self.where))
        self.lines = []

    def done(self) -> list[Section]:
        self._close()
        return self.found


# --- PDF -------------------------------------------------------------------------------

HEADING_SCALE = 1.15  # a line set this much larger than the body text is a heading
HEADING_MAX_CHARS = 120


def _read_pdf(path: Path) -> tuple[str, list[Section], int]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    try:
        pages = [[(line.get_text(), _line_size(line)) for box in page
                  if isinstance(box, LTTextContainer) for line in box
                  if isinstance(line, LTTextLine)]
                 for page in extract_pages(str(path), laparams=LAParams())]
    except (PDFSyntaxError, PSException) as exc:
        raise DocumentError(path, f"not a readable PDF ({exc})") from exc
    except Exception as exc:  # pdfminer raises many kinds for damaged files
        raise DocumentError(path, f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise DocumentError(path, "the PDF has no pages")
    if not any(text.strip() for page in pages for text, _ in page):
        raise DocumentError(path, f"no text layer: its {len(pages)} page(s) are images only "
                                  "(a scan?); run OCR on it first (for example ocrmypdf) and "
                                  "import the result")
    sizes = [size for page in pages for text, size in page if text.strip()]
    body = statistics.median(sizes)
    title = ""
    sections = _Sections(_title_from_name(path))
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            sections.add(_join_lines([_clean(line) for line in paragraph]))
            paragraph.clear()

    for number, page in enumerate(pages, start=1):
        flush()
        sections.page(f"p. {number}")
        for text, size in page:
            line = text.strip()
            if not line:
                flush()
                continue
            if size >= body * HEADING_SCALE and len(line) <= HEADING_MAX_CHARS:
                flush()
                if not title and number == 1:
                    title = line
                sections.start(line)
            else:
                paragraph.append(line)
            if text.endswith("\n\n"):
                flush()
        flush()
    found = sections.done()
    if not any(size >= body * HEADING_SCALE for size in sizes):
        # No headings: each page is a section of its own.
        found = [Section(title or _title_from_name(path), s.text, s.where) for s in found]
    return title, found, len(pages)


def _line_size(line: object) -> float:
    from pdfminer.layout import LTChar

    sizes = [c.size for c in line if isinstance(c, LTChar)]  # type: ignore[attr-defined]
    return statistics.median(sizes) if sizes else 0.0


def _join_lines(lines: list[str]) -> str:
    """A paragraph's lines as one, mending words hyphenated at a line's end."""
    out = ""
    for line in lines:
        if out.endswith("-") and line[:1].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}" if out else line
    return out


# --- DOCX and PPTX: zip files of XML ---------------------------------------------------

MAX_UNPACKED = 300 * 1024 * 1024  # a zip that unpacks to more is refused (a "zip bomb")


def _check_zip(path: Path, kind: str) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocumentError(path, f"not a readable {kind}") from exc
    if unpacked > MAX_UNPACKED:
        raise DocumentError(path, f"it unpacks to {unpacked / 2**20:,.0f} MB, more than the "
                                  f"{MAX_UNPACKED // 2**20} MB a document may hold")


def _read_docx(path: Path) -> tuple[str, list[Section], int]:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_zip(path, "Word document (.docx)")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(path, "not a readable Word document (.docx); old .doc files must "
                                  "be saved as .docx first") from exc
    title = document.core_properties.title or ""
    sections = _Sections(_title_from_name(path))
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            text = paragraph.text.strip()
            if not text:
                continue
            if style == "Title":
                title = title or text
            elif style.startswith("Heading"):
                sections.start(text)
            else:
                sections.add(text)
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                sections.add(" | ".join(_clean(cell.text) for cell in row.cells))
    return title, sections.done(), 1


# --- PPTX ------------------------------------------------------------------------------

def _read_pptx(path: Path) -> tuple[str, list[Section], int]:
    import zipfile

    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    _check_zip(path, "PowerPoint file (.pptx)")
    try:
        deck = Presentation(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(path, "not a readable PowerPoint file (.pptx); old .ppt files "
                                  "must be saved as .pptx first") from exc
    title = deck.core_properties.title or ""
    found: list[Section] = []
    for number, slide in enumerate(deck.slides, start=1):
        heading = ""
        texts: list[str] = []
        for shape in slide.shapes:
            if shape == slide.shapes.title and shape.has_text_frame:
                heading = _clean(shape.text_frame.text)
            elif shape.has_text_frame:
                texts.extend(p for p in _paragraphs(shape.text_frame.text))
            elif getattr(shape, "has_table", False) and shape.has_table:
                texts.extend(" | ".join(_clean(c.text) for c in row.cells)
                             for row in shape.table.rows)
        if slide.has_notes_slide:
            texts.extend(_paragraphs(slide.notes_slide.notes_text_frame.text))
        if number == 1 and heading:
            title = title or heading
        found.append(Section(heading or f"Slide {number}", "\n\n".join(texts),
                             f"slide {number}"))
    return title, found, len(deck.slides)


def _paragraphs(text: str) -> Iterator[str]:
    return (line.strip() for line in text.splitlines() if line.strip())


# --- HTML ------------------------------------------------------------------------------

_HTML_HEADINGS = ("h1", "h2", "h3")
_HTML_BLOCKS = ("p", "li", "pre", "blockquote", "tr", "dt", "dd", "figcaption")


def _read_html(path: Path) -> tuple[str, list[Section], int]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(path), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "noscript",
                     "form", "template"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    sections = _Sections(_title_from_name(path))
    for tag in soup.find_all([*_HTML_HEADINGS, *_HTML_BLOCKS]):
        if tag.find_parent(_HTML_BLOCKS):
            continue  # its text is in its block's
        text = tag.get_text(" ", strip=True) if tag.name != "pre" else tag.get_text()
        if tag.name in _HTML_HEADINGS:
            title = title or text
            sections.start(_clean(text))
        elif tag.name == "tr":
            sections.add(" | ".join(_clean(c.get_text(" ")) for c in tag.find_all(["td", "th"])))
        else:
            sections.add(text if tag.name == "pre" else _clean(text))
    return title, sections.done(), 1


# --- Markdown and plain text -----------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
PARAGRAPHS_PER_SECTION = 4  # plain text has no headings: a section of this many paragraphs


def _read_markdown(path: Path) -> tuple[str, list[Section], int]:
    text = _decode(path)
    parts = split_front_matter(text)
    if parts is None:
        return _markdown_sections(text, "", path)
    title = front_matter(text).get("title")  # a lesson's: keep its title, read the rest
    return _markdown_sections(parts[1], str(title) if title else "", path)


def _markdown_sections(text: str, title: str, path: Path) -> tuple[str, list[Section], int]:
    sections = _Sections(_title_from_name(path))
    fenced = False
    block: list[str] = []

    def flush() -> None:
        if block:
            sections.add("\n".join(block))
            block.clear()

    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        heading = None if fenced else _MD_HEADING.match(line)
        if heading:
            flush()
            title = title or (heading.group(2) if len(heading.group(1)) == 1 else "")
            sections.start(heading.group(2))
        elif not line.strip() and not fenced:
            flush()
        else:
            block.append(line)
    flush()
    return title, sections.done(), 1


def _read_text(path: Path) -> tuple[str, list[Section], int]:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", _decode(path)) if p.strip()]
    name = _title_from_name(path)
    found = [Section(f"{name} ({n // PARAGRAPHS_PER_SECTION + 1})",
                     "\n\n".join(paragraphs[n:n + PARAGRAPHS_PER_SECTION]))
             for n in range(0, len(paragraphs), PARAGRAPHS_PER_SECTION)]
    return "", found, 1


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


READERS = {
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".pptx": _read_pptx,
    ".html": _read_html,
    ".htm": _read_html,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".txt": _read_text,
}


def documents_in(paths: Iterable[Path]) -> list[Path]:
    """The files to import: each file named, and each readable file inside a folder."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in READERS
                                and not p.name.startswith(".")))
        else:
            found.append(path)
    return found
