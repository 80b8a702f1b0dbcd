"""/adddoc: a teacher sends a document (PDF, Word, PowerPoint, HTML, Markdown, text) to the
bot, and it becomes a reference lesson of their course, as `tutorbot content import-docs`
makes one (content.reference), within this turn's transaction.

The sent file is kept in `uploads_dir/<course>/` (the reference lesson names it as its
source; sending a file of the same name again replaces it). A file that cannot be read is
not kept, and the reply says why.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from content import load_course
from content.documents import READERS, Document, DocumentError, read_document
from content.reference import import_documents
from tutor import i18n
from tutor.i18n import N_, _, ngettext
from tutor.importer import import_course
from tutor.markup import plain
from tutor.messages import Reply, Text, Upload
from tutor.storage.models import CourseRow
from tutor.turn import Turn

__all__ = ["DocumentShelf", "add_document", "read_upload"]

MEGABYTE = 1024 * 1024
TYPES = N_("PDF, Word (.docx), PowerPoint (.pptx), HTML, Markdown or text")


@dataclass(frozen=True)
class DocumentShelf:
    uploads_dir: Path
    max_bytes: int = 20 * MEGABYTE  # Telegram lets bots download at most 20 MB

    def accepts(self, size: int) -> bool:
        return 0 < size <= self.max_bytes

    @property
    def how(self) -> str:
        return _("Send the document ({types}, up to {size} MB) to me in a private chat with "
                 "/adddoc as its caption (Discord: as the message text); `/adddoc COURSE` picks "
                 "the course, else your current one.", types=_(TYPES),
                 size=self.max_bytes // MEGABYTE)


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("._")[:80] or "document"
    return stem + suffix


def read_upload(upload: Upload) -> Document | DocumentError | None:
    """The sent file read (the slow part: a long PDF takes seconds), before the turn opens
    its transaction, so no database lock is held meanwhile; None when it was not fetched
    or is of a kind that is not read."""
    name = _safe_name(upload.name)
    if upload.data is None or Path(name).suffix not in READERS:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(upload.data)
        try:
            return read_document(path)
        except DocumentError as exc:
            return exc


def add_document(turn: Turn, shelf: DocumentShelf) -> list[Reply]:
    upload = turn.event.upload
    if upload is None:
        return [Text(shelf.how)]
    if turn.event.is_group:
        return [Text(_("Documents are added in a private chat with me, not in a group."))]
    slug = turn.event.text.strip().split(maxsplit=1)[0] if turn.event.text.strip() else None
    course = turn.session.scalar(select(CourseRow).where(CourseRow.slug == slug)) if slug \
        else turn.course()
    if course is None:
        return [Text(_("No course “{course}”: see /courses.", course=plain(slug)) if slug else
                     _("Which course? Choose one with /courses first, or send the document "
                       "with `/adddoc COURSE` as its caption."))]
    name = _safe_name(upload.name)
    if Path(name).suffix not in READERS:
        return [Text(_("I cannot read {name}: send a {types} file.", name=plain(name),
                       types=_(TYPES)))]
    if not shelf.accepts(upload.size) or upload.data is None:
        return [Text(_("{name} is {size} MB; documents may be up to {most} MB. Split it, or "
                       "import it on the server with `tutorbot content import-docs`.",
                       name=plain(name), size=i18n.number(upload.size / MEGABYTE, decimals=1),
                       most=shelf.max_bytes // MEGABYTE))]
    folder = shelf.uploads_dir / course.slug
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / name
    earlier = file.read_bytes() if file.exists() else None
    file.write_bytes(upload.data)
    read = turn.memo.get("upload")  # read before the transaction (Tutor.handle)

    def ready(path: Path) -> Document:
        if isinstance(read, DocumentError):
            raise DocumentError(path, read.reason)
        return read if isinstance(read, Document) and path == file else read_document(path)

    report = import_documents([file], Path(course.source_path), read=ready)
    if report.failed:
        _restore(file, earlier)
        return [Text(_("I could not add {name}: {reason}. Nothing was changed.",
                       name=plain(name), reason=plain(report.failed[0].reason)))]
    loaded = load_course(course.source_path)
    if loaded.course is None or loaded.errors:
        first = loaded.errors[0] if loaded.errors else None
        return [Text(_("{name} was saved, but the course folder has an error, so the course "
                       "was not updated: {error}", name=plain(name), error=plain(str(first))))]
    import_course(turn.session, loaded.course)
    lesson = next((x for x in loaded.course.lessons
                   if x.reference and x.source == str(file.resolve())), None)
    title = lesson.title if lesson else name
    cards = len(lesson.cards) if lesson else 0
    said = ngettext("📄 **{title}** is unchanged in {course} ({n} card).",
                    "📄 **{title}** is unchanged in {course} ({n} cards).", cards,
                    title=plain(title), course=plain(course.title)) if report.unchanged else \
        ngettext("📄 **{title}** is now part of {course} ({n} card).",
                 "📄 **{title}** is now part of {course} ({n} cards).", cards,
                 title=plain(title), course=plain(course.title))
    return [Text(i18n.joined(said, _("Learners find it under /lessons, and /ask answers from "
                                     "it as soon as the search index has caught up (a minute "
                                     "or so).")))]


def _restore(file: Path, earlier: bytes | None) -> None:
    if earlier is None:
        file.unlink(missing_ok=True)
    else:
        file.write_bytes(earlier)
