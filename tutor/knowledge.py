"""The courses' text in the search index: cards become sections, kept in step with storage."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from content import formulas
from retrieval import Chunk, Hit, SearchIndex, SearchMode, Section, SyncReport, chunk_sections
from retrieval.embeddings import ENGLISH, Languages, reads
from tutor.storage.database import Database
from tutor.storage.models import CardRow, CourseRow, LessonRow

if TYPE_CHECKING:
    from retrieval.langchain import IndexRetriever

__all__ = ["CourseSearch"]

log = logging.getLogger(__name__)


class CourseSearch:
    """`dense_languages`: the languages the index's embedding model reads. A course in any
    other language is searched by its words alone (BM25, with Chinese segmented into words):
    vectors of a model that cannot read it rank by noise, and the answer-or-decline gate is
    calibrated for that mode (tutor.qa.evidence.LEXICAL)."""

    def __init__(self, database: Database, index: SearchIndex, *,
                 dense_languages: Languages = ENGLISH) -> None:
        self._db = database
        self.index = index
        self.dense_languages = dense_languages
        self._languages: dict[str, str] = {}  # course slug -> its language, read once
        self._lock = threading.Lock()
        self._background: threading.Thread | None = None

    def mode(self, course: str | None) -> SearchMode:
        """How a course is searched: by meaning and words, or (a language the embedding
        model does not read) by words alone. Every course at once: by meaning and words."""
        if course is None or self.dense_languages is None:
            return "hybrid"
        language = self._languages.get(course)
        if language is None:
            with self._db.session() as session:
                language = session.scalar(select(CourseRow.language).where(
                    CourseRow.slug == course)) or "en"
            self._languages[course] = language
        return "hybrid" if reads(self.dense_languages, language) else "lexical"

    def sections(self, course: str | None = None) -> list[Section]:
        """One section per active card, with the source a citation needs."""
        query = (select(CardRow, LessonRow, CourseRow)
                 .join(LessonRow, CardRow.lesson_id == LessonRow.id)
                 .join(CourseRow, LessonRow.course_id == CourseRow.id)
                 .where(CardRow.retired.is_(False), LessonRow.retired.is_(False))
                 .order_by(CourseRow.slug, LessonRow.position, CardRow.position))
        if course is not None:
            query = query.where(CourseRow.slug == course)
        with self._db.session() as session:
            rows = session.execute(query).all()
        sections = []
        for card, lesson, course_row in rows:
            sections.append(Section(
                key=f"{course_row.slug}/{lesson.slug}/{card.key}",
                path=(lesson.title, card.title) if card.title != lesson.title else (lesson.title,),
                text=formulas.with_text(card.body),  # searched, and quoted, as read
                metadata={"course": course_row.slug, "course_title": course_row.title,
                          "lesson": lesson.slug, "lesson_title": lesson.title,
                          # A reference (a teacher's document) is cited by its title alone.
                          "lesson_number": "" if lesson.reference
                          else str(lesson.position + 1),
                          "card": card.key,
                          "card_title": card.title,
                          # Course reading order, sortable as text.
                          "order": f"{lesson.position:04d}.{card.position:04d}"}))
        return sections

    def chunks(self, course: str | None = None) -> list[Chunk]:
        return chunk_sections(self.sections(course))

    def is_current(self) -> bool:
        return self.index.is_current(self.chunks())

    def sync(self, course: str | None = None, *, progress: bool = False) -> SyncReport:
        """Re-embed what changed (all courses, or one)."""
        self._languages.clear()  # a course imported again may say another language
        chunks = self.chunks(course)
        with self._lock:
            return self.index.sync(chunks, scope={"course": course} if course else None,
                                   progress=progress)

    def sync_in_background(self) -> threading.Thread | None:
        """Bring the index up to date without holding up the caller; None if already current."""
        if self.is_current():
            return None
        thread = threading.Thread(target=self._sync_logged, name="index-sync", daemon=True)
        self._background = thread
        thread.start()
        return thread

    def _sync_logged(self) -> None:
        try:
            report = self.sync()
            log.info("search index updated: %d added, %d removed in %.1f s", report.added,
                     report.removed, report.seconds)
        except Exception:
            log.exception("updating the search index failed; search uses the old index")

    def wait(self) -> None:
        thread = self._background
        if thread is not None:
            thread.join()

    @property
    def preparing(self) -> bool:
        """A background sync is under way: searches use the index as it was until it ends."""
        thread = self._background
        return thread is not None and thread.is_alive()

    def search(self, query: str, *, course: str | None = None, k: int = 5,
               mode: SearchMode | None = None) -> Sequence[Hit]:
        # Never waits for a background sync: the chat answers from the index as it is.
        return self.index.search(query, k=k, where={"course": course} if course else None,
                                 mode=mode or self.mode(course))

    def retriever(self, *, course: str | None = None, k: int = 5) -> IndexRetriever:
        # Imported here: LangChain's import costs half a second the chat need not pay.
        from retrieval.langchain import IndexRetriever

        return IndexRetriever(index=self.index, k=k,
                              where={"course": course} if course else None,
                              mode=self.mode(course))
