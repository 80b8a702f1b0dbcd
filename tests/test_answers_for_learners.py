"""Answers real learners can use (issue 13), through `Tutor.handle`, with real questions:
beginners' wording, symbols, their own work, pasted errors, and how an answer reads."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import Chat
from tutor import Database, Tutor
from tutor.knowledge import CourseSearch
from tutor.qa.answerer import Answerer
from tutor.reports import own_work_questions, unanswered_questions
from tutor.storage.models import AskedQuestion


def _chat(db: Database, search: CourseSearch, user: str = "learner") -> Chat:
    return Chat(Tutor(db, answerer=Answerer(search)), user=user)


@pytest.mark.xfail(strict=True, reason="issue 13, open: the gate fitted on dev data gives "
                   "0.39 here against its threshold 0.40 (the learner's words still count)")
def test_a_learners_own_words_do_not_hide_a_covered_question(
        bundled_db: Database, course_search: CourseSearch) -> None:
    chat = _chat(bundled_db, course_search)
    chat.say("/ask why is 0.1 + 0.2 not 0.3 is my computer broken")
    assert "binary fractions" in chat.text() or "0.30000000000000004" in chat.text()
    assert "Floats are approximations" in chat.text()


def test_an_operator_is_matched_as_a_term(bundled_db: Database,
                                          course_search: CourseSearch) -> None:
    chat = _chat(bundled_db, course_search)
    chat.say("/ask whats the % thing do in python")
    assert "remainder" in chat.text()


def test_the_direction_of_a_conversion_matters(bundled_db: Database,
                                               course_search: CourseSearch) -> None:
    chat = _chat(bundled_db, course_search)
    chat.say("/ask how do I convert text to a number?")
    answer = chat.text().split("\n\n")[0]
    assert answer.startswith('`int("42")`'), answer


def test_own_work_is_told_apart_and_kept_out_of_the_gaps(
        bundled_db: Database, course_search: CourseSearch) -> None:
    chat = _chat(bundled_db, course_search)
    chat.say("/ask Why does Hubo not proceed after line 11 in task 2?")
    assert "can't see your code" in chat.text()
    assert "does not cover" not in chat.text()
    chat.say("/ask How do I write a cover letter?")
    assert "does not cover" in chat.text()
    gaps = [q.text for q in unanswered_questions(bundled_db)]
    assert gaps == ["How do I write a cover letter?"]
    assert own_work_questions(bundled_db) == 1


def test_a_question_about_their_code_still_gets_what_the_course_says(
        bundled_db: Database, course_search: CourseSearch) -> None:
    chat = _chat(bundled_db, course_search)
    chat.say("/ask my while loop in task 3 never stops, why?")
    text = chat.text()
    assert text.startswith("🔍 I can't see your code")
    assert "Repeating with while" in text
    with bundled_db.session() as session:
        [row] = session.scalars(select(AskedQuestion)).all()
        assert row.answered and row.engine == "offline"


def test_a_pasted_error_is_answered_from_the_card_that_explains_it(
        bundled_db: Database, course_search: CourseSearch) -> None:
    chat = _chat(bundled_db, course_search)
    chat.say('/ask TypeError: can only concatenate str (not "int") to str')
    text = chat.text()
    assert "That is a `TypeError`." in text
    assert "TypeError" in text.split("That is a `TypeError`.")[1]


def test_an_answer_reads_like_a_tutor_wrote_it(bundled_db: Database,
                                               course_search: CourseSearch) -> None:
    chat = _chat(bundled_db, course_search)
    chat.say("/ask why does 7 // 2 give 3 and not 3.5")
    text, _, source = chat.text().partition("\n\n📖 ")
    prose = text.split("```")[0]
    assert len(prose.split()) <= 90
    assert not re.match(r"(This|It|These|They)\b", prose)
    for mark in ("**", "`"):
        assert prose.count(mark) % 2 == 0, prose
    labels = source.split("Source: ")[1].rstrip("*").split("; ")
    assert len(labels) == len(set(labels))
