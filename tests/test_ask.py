"""The offline question-answering tutor, end to end through `Tutor.handle`."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from retrieval import SearchIndex, SentenceTransformerEmbedder
from retrieval.embeddings import Vectors
from tests.conftest import Chat, CountingEmbedder
from tutor import Database, QuestionReply, Tutor
from tutor.knowledge import CourseSearch
from tutor.qa.answerer import Answerer
from tutor.reports import unanswered_questions
from tutor.storage.models import AskedQuestion, QuestionRow


def _tutor(db: Database, search: CourseSearch) -> Tutor:
    return Tutor(db, answerer=Answerer(search))


def test_ask_answers_from_the_course_and_cites_the_card(bundled_db: Database,
                                                        course_search: CourseSearch) -> None:
    chat = Chat(_tutor(bundled_db, course_search))
    chat.say("/ask why is the inner core solid if it is so hot?")
    text = chat.text()
    assert "pressure" in text
    assert "📖 *Source: Lesson 1 · Inside the Earth – The core*" in text
    [open_card] = [a for a in chat.actions() if a.startswith("card:")]
    chat.press(open_card)
    assert "Lesson 1 · Inside the Earth** — card 4 of 5" in chat.text()
    assert "## The core" in chat.text()


def test_a_plain_message_that_reads_as_a_question_is_answered(bundled_db: Database,
                                                              course_search: CourseSearch
                                                              ) -> None:
    chat = Chat(_tutor(bundled_db, course_search))
    chat.say("/start")
    chat.press("course:python-basics")
    chat.say("How do I copy a list?")
    assert "a.copy()" in chat.text()
    assert "Lists and tuples – Two names, one list" in chat.text()
    chat.say("lists are fun")  # a remark, not a question
    assert "I didn't catch that" in chat.text()


def test_the_course_in_use_narrows_the_search(bundled_db: Database,
                                              course_search: CourseSearch) -> None:
    chat = Chat(_tutor(bundled_db, course_search))
    chat.say("/start")
    chat.press("course:earth-science")
    chat.say("/ask what does the % operator do?")
    assert "does not cover that" in chat.text()
    # ...but another course does: it is named, its card opens, and it is no gap.
    assert "Another course covers it: *Python Basics*" in chat.text()
    [card] = [a for a in chat.actions() if a.startswith("card:")]
    chat.press(card)
    assert "Lesson 2 · Numbers and arithmetic" in chat.text()
    assert unanswered_questions(bundled_db) == []
    chat.say("/course python-basics")
    chat.say("/ask what does the % operator do?")
    assert "remainder" in chat.text()


def test_out_of_scope_questions_are_declined_and_reported(bundled_db: Database,
                                                          course_search: CourseSearch) -> None:
    tutor = _tutor(bundled_db, course_search)
    ann, bob = Chat(tutor, "ann"), Chat(tutor, "bob", name="Bob")
    for chat in (ann, bob):
        chat.say("/start")
        chat.press("course:earth-science")
        chat.say("/ask How do I bake sourdough bread?")
        assert "This course does not cover that" in chat.text()
        assert "won't guess" in chat.text()
        assert any(a.startswith("card:") for a in chat.actions())
    ann.say("/ask how do I bake sourdough bread")
    [gap] = unanswered_questions(bundled_db, "earth-science")
    assert (gap.times, gap.learners, gap.course) == (3, 2, "earth-science")
    assert "Lesson" in gap.closest
    assert unanswered_questions(bundled_db, "python-basics") == []


def test_follow_ups_are_read_in_the_context_of_the_last_question(bundled_db: Database,
                                                                 course_search: CourseSearch
                                                                 ) -> None:
    tutor = _tutor(bundled_db, course_search)
    cold = Chat(tutor, "cold")
    cold.say("/ask and what causes that?")
    assert "does not cover" in cold.text()
    warm = Chat(tutor, "warm")
    warm.say("/ask Why does the Moon look different during the month?")
    assert "Phases of the Moon" in warm.text()
    warm.say("/ask and what causes that?")
    assert "does not cover" not in warm.text()
    assert "The Moon and the planets" in warm.text()


def test_asking_during_an_open_question_gives_hints_never_the_answer(
        bundled_db: Database, course_search: CourseSearch) -> None:
    chat = Chat(_tutor(bundled_db, course_search))
    chat.say("/start")
    chat.press("course:earth-science")
    chat.say("/quiz 1")
    with bundled_db.session() as session:
        target = session.scalars(select(QuestionRow).where(
            QuestionRow.key == "es-liquid-layer")).one()
    while (q := [r for r in chat.last if isinstance(r, QuestionReply)]) and \
            q[-1].question_id != target.id:
        chat.say("/skip")
    chat.say("/ask which layer is it?")
    assert "one of the two parts of the core" in chat.text()  # the author's hint first
    chat.say("Could you help me with this question please?")
    assert "can't give the answer away" in chat.text()
    assert "outer core" not in chat.text().lower()
    chat.say("is it the mantle?")  # short and answer-shaped: graded, not a question
    assert "Not quite" in chat.text() and "outer core" in chat.text()
    with bundled_db.session() as session:
        assert session.scalars(select(AskedQuestion)).all() == []


def test_without_search_the_tutor_says_so(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/ask what is a variable?")
    assert "not set up here" in chat.text()
    chat.say("/ask")
    assert "not set up here" in chat.text()


def test_empty_ask_explains_itself(bundled_db: Database, course_search: CourseSearch) -> None:
    chat = Chat(_tutor(bundled_db, course_search))
    chat.say("/ask   ")
    assert "Ask me anything about your course" in chat.text()
    chat.say("/ask 🙂🙂")
    assert "does not cover" in chat.text()


def test_a_real_question_inside_chatter_is_still_answered(bundled_db: Database,
                                                          course_search: CourseSearch) -> None:
    chat = Chat(_tutor(bundled_db, course_search))
    chat.say("/ask Hi there! I was reading about the planets yesterday. "
             "Which planet is the hottest?")
    assert "Venus" in chat.text()
    assert "The Moon and the planets – The solar system" in chat.text()


def test_a_new_why_question_is_not_read_as_a_follow_up(bundled_db: Database,
                                                       course_search: CourseSearch) -> None:
    chat = Chat(_tutor(bundled_db, course_search), "sky")
    chat.say("/ask Why does the Moon look different during the month?")
    first = chat.text()
    assert "Phases of the Moon" in first
    chat.say("/ask why is the sky blue?")
    assert chat.text() != first and "does not cover" in chat.text()


def test_a_follow_up_adds_to_the_answer_instead_of_repeating_it(
        bundled_db: Database, course_search: CourseSearch) -> None:
    chat = Chat(_tutor(bundled_db, course_search), "why")
    chat.say("/ask Why does the Moon look different during the month?")
    first = chat.text().split("📖")[0].strip()
    chat.say("/ask and why?")
    second = chat.text().split("📖")[0].strip()
    assert second and second != first
    assert not set(first.split(". ")) & set(second.split(". "))  # no sentence said twice


def test_follow_ups_are_told_apart_from_new_questions() -> None:
    from tutor.flows.ask import is_follow_up

    for follow_up in ("and why?", "what causes that?", "why does that happen?",
                      "what about Mars?", "how come it's liquid?"):
        assert is_follow_up(follow_up), follow_up
    for fresh in ("why is the sky blue?", "why is the inner core solid?",
                  "what is a variable?", "how do loops work in python?"):
        assert not is_follow_up(fresh), fresh


class _GatedEmbedder(CountingEmbedder):
    """The real model, but a sync's batch waits at a gate the test opens."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        super().__init__(inner)
        self.gate = threading.Event()

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> Vectors:
        if len(texts) > 1:
            assert self.gate.wait(60), "the test never opened the gate"
        return super().embed(texts, progress=progress)


def test_the_first_question_never_waits_for_the_index(
        bundled_db: Database, tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    gated = _GatedEmbedder(embedder)
    search = CourseSearch(bundled_db, SearchIndex(tmp_path / "index", gated))
    assert search.sync_in_background() is not None and search.preparing
    chat = Chat(_tutor(bundled_db, search), "early")
    asking = threading.Thread(target=chat.say, args=("/ask why is the inner core solid?",))
    asking.start()
    asking.join(30)
    try:
        assert not asking.is_alive(), "the question waited for the index sync"
        assert "still preparing the course search" in chat.text()
        assert unanswered_questions(bundled_db) == []  # not a gap in the course
    finally:
        gated.gate.set()
        search.wait()
    chat.say("/ask why is the inner core solid?")
    assert "Source:" in chat.text()
