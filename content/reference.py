"""A teacher's documents as the course's reading section: one reference lesson per document.

`tutorbot content import-docs` reads each document (`content.documents`) and writes it as
a lesson file in the course folder's `reference/` folder: front matter naming the source
file and its SHA-256, one card per section, titled with where it is in the document
("Forces (p. 3)"), so the search index cites the document and the page or slide. The
files are ordinary course content: the validator checks them, the importer stores and
retires them like any lesson, and a teacher may edit or delete them.

Writing is idempotent: a document whose bytes are unchanged leaves its file untouched.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from content.documents import Document, DocumentError, documents_in, read_document
from content.loader import REFERENCE_DIR, front_matter

__all__ = ["REFERENCE_DIR", "REFERENCE_ORDER", "DocsReport", "import_documents",
           "reference_lesson"]

REFERENCE_ORDER = 1000  # after every authored lesson
CARD_CHARS = 850  # under the loader's one-screen warning (900), with room for the escapes

# What would turn a line of a document's text into Markdown structure (a heading, a
# card break, a question fence, a quote, raw HTML, an indented code block): escaped.
_BLOCK_START = re.compile(r"^(\s*)([#>`~<|=+]|[-*_](?:\s*[-*_]){2,}\s*$)")


@dataclass
class DocsReport:
    written: list[Path] = field(default_factory=list)  # new or changed documents
    unchanged: list[Path] = field(default_factory=list)
    retired: list[Path] = field(default_factory=list)  # reference files of removed documents
    failed: list[DocumentError] = field(default_factory=list)
    pages: int = 0


def _escape(text: str) -> str:
    return "\n".join(_BLOCK_START.sub(lambda m: "\\" + m.group(2), line.lstrip())
                     for line in text.splitlines())


def _cards(text: str) -> list[str]:
    """The section's text in pieces of at most CARD_CHARS, split between paragraphs (or,
    for one long paragraph, between sentences)."""
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        parts = [paragraph] if len(paragraph) <= CARD_CHARS else \
            re.split(r"(?<=[.!?])\s+", paragraph)
        for part in parts:
            while len(part) > CARD_CHARS:  # one sentence longer than a card: cut at a space
                cut = part.rfind(" ", 0, CARD_CHARS)
                cut = cut if cut > 0 else CARD_CHARS
                pieces.append(part[:cut])
                part = part[cut:].strip()
            if pieces and len(pieces[-1]) + len(part) + 2 <= CARD_CHARS:
                pieces[-1] += ("\n\n" if part is paragraph else " ") + part
            else:
                pieces.append(part)
    return [p for p in pieces if p.strip()]


def reference_lesson(document: Document, lesson_id: str, source: str) -> str:
    """The lesson file's text for `document`."""
    front = {"id": lesson_id, "title": f"Reference: {document.title}"[:120],
             "order": REFERENCE_ORDER, "reference": True, "source": source,
             "source_sha256": document.sha256}
    out = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip(), "---", ""]
    for section in document.sections:
        heading = f"{section.heading} ({section.where})" if section.where else section.heading
        out.append(f"# {_escape(' '.join(heading.split()))}"[:200])
        out.append("")
        for number, card in enumerate(_cards(_escape(section.text))):
            if number:
                out += ["---", ""]
            out += [card, ""]
    return "\n".join(out)


def _lesson_slug(name: str) -> str:
    """A lesson id from a file name: ASCII, as lesson ids are; a name in another script
    ("物理笔记.pdf") keeps a short hash of itself, so two such documents never share one."""
    letters = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30]
    if name.isascii():
        return letters or "document"
    return f"{letters or 'document'}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None  # reading it again says why, as a DocumentError


def import_documents(paths: list[Path], course_folder: Path, *,
                     read: Callable[[Path], Document] = read_document) -> DocsReport:
    """Write each document under `paths` as a reference lesson of the course in
    `course_folder`. A reference file whose document was in a folder named here and is no
    longer there is removed (the next import retires its lesson); a document that cannot
    be read is reported and its earlier reference file, if any, kept."""
    report = DocsReport()
    target = course_folder / REFERENCE_DIR
    existing: dict[str, tuple[Path, object]] = {}  # source -> its file and its SHA-256
    for file in sorted(target.glob("*.md")):
        data = front_matter(file.read_text(encoding="utf-8"))
        if data.get("source"):
            existing[str(data["source"])] = (file, data.get("source_sha256"))
    taken = {file.stem for file, _ in existing.values()}
    seen: set[str] = set()
    for path in documents_in(paths):
        source = str(path.resolve())
        seen.add(source)
        known = existing.get(source)
        # The same bytes as last time: unchanged, without reading (a PDF takes seconds).
        if known is not None and known[1] is not None and known[1] == _sha256(path):
            report.unchanged.append(path)
            continue
        try:
            document = read(path)
        except DocumentError as exc:
            report.failed.append(exc)
            continue
        report.pages += document.pages
        if known is not None:
            file = known[0]
        else:
            stem = base = "ref-" + _lesson_slug(path.stem)
            number = 1
            while stem in taken:
                number += 1
                stem = f"{base}-{number}"
            taken.add(stem)
            file = target / f"{stem}.md"
        target.mkdir(parents=True, exist_ok=True)
        file.write_text(reference_lesson(document, file.stem, source), encoding="utf-8")
        report.written.append(path)
    folders = [p.resolve() for p in paths if p.is_dir()]
    for source, (file, _) in existing.items():
        if source not in seen and any(Path(source).is_relative_to(f) for f in folders) \
                and not Path(source).exists():
            file.unlink()
            report.retired.append(Path(source))
    return report
