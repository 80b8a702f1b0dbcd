"""The question-answering chain: retriever -> evidence -> answer (LLM or offline) or decline."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from retrieval import SearchIndex
from tutor.qa.evidence import Evidence, EvidenceModel, Passage, SentenceVectors, gather
from tutor.qa.offline import Draft, as_sentence, compose

if TYPE_CHECKING:
    from langchain_core.documents import Document

    from retrieval.langchain import IndexRetriever
    from tutor.qa.llm import LLMEngine

__all__ = ["Answer", "Answerer", "PassageSource", "Source"]

log = logging.getLogger(__name__)
RETRIEVE = 4  # passages the evidence is gathered from
CLOSEST = 3  # lessons suggested with a decline


NOTHING_NEW = ("That is all the course says about it, as far as I can find: the answer above is "
               "the whole of it. The lesson it cites tells it in context.")


class PassageSource(Protocol):
    """Where answers come from: `tutor.knowledge.CourseSearch`, or any index with sources."""

    @property
    def index(self) -> SearchIndex: ...

    def retriever(self, *, course: str | None = None, k: int = 5) -> IndexRetriever: ...

    @property
    def preparing(self) -> bool:
        """The index is still being built or brought up to date."""
        ...


@dataclass(frozen=True)
class Source:
    course: str
    lesson: str
    card: str
    lesson_number: str
    lesson_title: str
    card_title: str

    @classmethod
    def of(cls, passage: Passage) -> Source:
        meta = passage.metadata
        return cls(*(str(meta.get(k, "")) for k in ("course", "lesson", "card", "lesson_number",
                                                    "lesson_title", "card_title")))

    @property
    def label(self) -> str:
        card = f" – {self.card_title}" if self.card_title != self.lesson_title else ""
        return f"Lesson {self.lesson_number} · {self.lesson_title}{card}"


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    sources: tuple[Source, ...]
    covered: bool
    engine: str  # "offline", "llm" or "declined"
    confidence: float
    closest: tuple[Source, ...] = ()


class Answerer:
    """Answers from the course, in LLM mode when one is configured and allowed."""

    def __init__(self, search: PassageSource, *, llm: LLMEngine | None = None,
                 model: EvidenceModel | None = None) -> None:
        self.source = search
        self.llm = llm
        self._model = model or EvidenceModel()
        self._sentence_vectors = SentenceVectors(search.index)

    def answer(self, question: str, *, course: str | None = None,
               history: Sequence[tuple[str, str]] = (), use_llm: bool = True,
               already_said: str = "") -> Answer:
        """`already_said`: the answer a follow-up follows; its sentences are not quoted
        again, so "and why?" adds what the course says beyond it."""
        # Imported on first use: LangChain costs the chat's start-up almost a second.
        from langchain_core.runnables import RunnableLambda

        retriever = self.source.retriever(course=course, k=RETRIEVE)
        chain = retriever | RunnableLambda(lambda docs: self._evidence(question, docs)) | \
            RunnableLambda(lambda evidence: self._respond(evidence, history, use_llm,
                                                          already_said))
        result: Answer = chain.invoke(question)
        return result

    def evidence(self, question: str, *, course: str | None = None) -> Evidence:
        documents = self.source.retriever(course=course, k=RETRIEVE).invoke(question)
        return self._evidence(question, documents)

    def _evidence(self, question: str, documents: list[Document]) -> Evidence:
        return gather(self.source.index, question, documents, self._model,
                      self._sentence_vectors)

    def _respond(self, evidence: Evidence, history: Sequence[tuple[str, str]],
                 use_llm: bool, already_said: str = "") -> Answer:
        if not evidence.covered:
            closest = tuple(dict.fromkeys(Source.of(p) for p in evidence.passages))
            lessons = tuple({(s.course, s.lesson): s for s in closest}.values())[:CLOSEST]
            return Answer(evidence.question, "", (), False, "declined", evidence.confidence,
                          lessons)
        draft, engine = None, "offline"
        if use_llm and self.llm is not None:
            draft, engine = self.llm.answer(evidence, history), "llm"
        if draft is None:
            fresh = replace(evidence, sentences=tuple(
                s for s in evidence.sentences if as_sentence(s.text) not in already_said))
            if not fresh.sentences:
                return Answer(evidence.question, NOTHING_NEW, (), True, "offline",
                              evidence.confidence)
            draft, engine = compose(fresh, keep_ratio=self._model.keep_ratio,
                                    max_passages=self._model.max_passages), "offline"
        return self._answer(evidence, draft, engine)

    def _answer(self, evidence: Evidence, draft: Draft, engine: str) -> Answer:
        sources = tuple(Source.of(evidence.passages[i]) for i in draft.cited)
        return Answer(evidence.question, draft.text, sources, True, engine,
                      evidence.confidence)
