"""The question-answering chain: retriever -> evidence -> answer (LLM or offline) or decline."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from retrieval import SearchIndex
from tutor.i18n import N_, _
from tutor.metrics import LLM_CALLS
from tutor.qa.evidence import LEXICAL, Evidence, EvidenceModel, Passage, SentenceVectors, gather
from tutor.qa.offline import Draft, as_sentence, compose
from tutor.qa.own_work import Work, read_work

if TYPE_CHECKING:
    from langchain_core.documents import Document

    from retrieval.langchain import IndexRetriever
    from tutor.qa.llm import LLMEngine

__all__ = ["Answer", "Answerer", "PassageSource", "Source"]

log = logging.getLogger(__name__)
RETRIEVE = 4  # passages the evidence is gathered from
CLOSEST = 3  # lessons suggested with a decline


NOTHING_NEW = N_("That is all the course says about it, as far as I can find: the answer above "
                 "is the whole of it. The lesson it cites tells it in context.")


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
    course_title: str = ""

    @classmethod
    def of(cls, passage: Passage) -> Source:
        meta = passage.metadata
        return cls(*(str(meta.get(k, "")) for k in ("course", "lesson", "card", "lesson_number",
                                                    "lesson_title", "card_title",
                                                    "course_title")))

    @property
    def lesson_label(self) -> str:
        """"Lesson 3", or a reference document's title (references have no number)."""
        return _("Lesson {number}", number=self.lesson_number) if self.lesson_number \
            else self.lesson_title

    @property
    def label(self) -> str:
        card = f" – {self.card_title}" if self.card_title != self.lesson_title else ""
        if not self.lesson_number:
            return f"{self.lesson_title}{card}"
        return _("Lesson {number} · {lesson}", number=self.lesson_number,
                 lesson=self.lesson_title) + card


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    sources: tuple[Source, ...]
    covered: bool  # the course's words are given as the answer
    # "offline", "llm", "declined"; "own_work" when nothing fits their work; "elsewhere"
    # when another course covers it
    engine: str
    confidence: float
    closest: tuple[Source, ...] = ()
    own_work: bool = False  # about the learner's own program, which the tutor cannot see
    error: str | None = None  # the error type the learner pasted or named
    elsewhere: Source | None = None  # declined here, but another course covers it there


class Answerer:
    """Answers from the course, in LLM mode when one is configured and allowed."""

    def __init__(self, search: PassageSource, *, llm: LLMEngine | None = None,
                 model: EvidenceModel | None = None, recognise_work: bool = True,
                 lexical_model: EvidenceModel | None = None) -> None:
        """`recognise_work=False` treats every message as a question about the course (the
        tutor before issue 13, kept as the benchmarks' baseline)."""
        self.source = search
        self.llm = llm
        self._recognise_work = recognise_work
        self._model = model or EvidenceModel()
        # The gate for courses searched by their words alone (a language the embedding
        # model does not read): fitted on those signals only.
        self._lexical_model = lexical_model or LEXICAL
        self._sentence_vectors = SentenceVectors(search.index)

    @property
    def model(self) -> EvidenceModel:
        return self._model

    @property
    def lexical_model(self) -> EvidenceModel:
        return self._lexical_model

    @property
    def recognises_work(self) -> bool:
        return self._recognise_work

    def answer(self, question: str, *, course: str | None = None,
               history: Sequence[tuple[str, str]] = (), use_llm: bool = True,
               already_said: str = "") -> Answer:
        """`already_said`: the answer a follow-up follows; its sentences are not quoted
        again, so "and why?" adds what the course says beyond it."""
        # Imported on first use: LangChain costs the chat's start-up almost a second.
        from langchain_core.runnables import RunnableLambda

        work = self.work(question)
        # Their program is out of sight: what the course says about the concept is looked up.
        asked = work.concept if work.own or work.error else question
        work = replace(work, error=work.error if asked != question else None)
        retriever = self.source.retriever(course=course, k=RETRIEVE)
        model = self._model_for(retriever.mode)
        chain = retriever | RunnableLambda(lambda docs: self._evidence(asked, docs, model)) | \
            RunnableLambda(lambda evidence: self._respond(evidence, model, history, use_llm,
                                                          already_said))
        result: Answer = chain.invoke(asked)
        result = replace(result, question=question, own_work=work.own, error=work.error)
        if work.own and not result.covered:
            result = replace(result, engine="own_work")
        elif course is not None and not result.covered:
            elsewhere = self._elsewhere(asked, course)
            if elsewhere is not None:
                result = replace(result, engine="elsewhere", elsewhere=elsewhere)
        return result

    def _elsewhere(self, question: str, course: str) -> Source | None:
        """The card of another course that covers what this course does not, if any: the
        same gate, over every course."""
        found = self._best_source(self.evidence(question))
        if found is None or found.course == course:
            return None
        # The card is the one that course's own search answers from, as for its learners.
        return self._best_source(self.evidence(question, course=found.course))

    @staticmethod
    def _best_source(evidence: Evidence) -> Source | None:
        if not evidence.covered or not evidence.sentences:
            return None
        return Source.of(evidence.passages[evidence.sentences[0].passage])

    def work(self, question: str) -> Work:
        """What the message says about the learner's own work (names the course never
        uses belong to their program)."""
        index = self.source.index
        if not self._recognise_work:
            return Work(False, None, question)
        return read_work(question, lambda name: all(t in index.vocabulary
                                                    for t in index.terms(name)))

    def evidence(self, question: str, *, course: str | None = None) -> Evidence:
        retriever = self.source.retriever(course=course, k=RETRIEVE)
        return self._evidence(question, retriever.invoke(question),
                              self._model_for(retriever.mode))

    def _model_for(self, mode: str) -> EvidenceModel:
        return self._lexical_model if mode == "lexical" else self._model

    def _evidence(self, question: str, documents: list[Document], model: EvidenceModel
                  ) -> Evidence:
        return gather(self.source.index, question, documents, model, self._sentence_vectors)

    def _respond(self, evidence: Evidence, model: EvidenceModel,
                 history: Sequence[tuple[str, str]], use_llm: bool, already_said: str = ""
                 ) -> Answer:
        if not evidence.covered:
            return self._declined(evidence)
        draft, engine = None, "offline"
        if use_llm and self.llm is not None:
            draft, engine = self.llm.answer(evidence, history), "llm"
            LLM_CALLS.labels("fallback" if draft is None else
                             "declined" if not draft.cited else "answered").inc()
            if draft is not None and not draft.cited:
                return self._declined(evidence)  # the model read them and found no answer
        if draft is None:
            fresh = replace(evidence, sentences=tuple(
                s for s in evidence.sentences if as_sentence(s.text) not in already_said))
            if not fresh.sentences:
                return Answer(evidence.question, _(NOTHING_NEW), (), True, "offline",
                              evidence.confidence)
            draft, engine = compose(fresh, keep_ratio=model.keep_ratio,
                                    max_passages=model.max_passages), "offline"
        return self._answer(evidence, draft, engine)

    @staticmethod
    def _declined(evidence: Evidence) -> Answer:
        closest = tuple(dict.fromkeys(Source.of(p) for p in evidence.passages))
        lessons = tuple({(s.course, s.lesson): s for s in closest}.values())[:CLOSEST]
        return Answer(evidence.question, "", (), False, "declined", evidence.confidence,
                      lessons)

    def _answer(self, evidence: Evidence, draft: Draft, engine: str) -> Answer:
        sources = tuple(dict.fromkeys(Source.of(evidence.passages[i]) for i in draft.cited))
        return Answer(evidence.question, draft.text, sources, True, engine,
                      evidence.confidence)
