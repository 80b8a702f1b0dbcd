"""Quizzes: asking, grading with feedback, hints, skipping, and the score at the end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from content import CLOZE_BLANK
from tutor.grading import (
    AnswerShapeError,
    Grade,
    correct_indices,
    display_options,
    expected_answer,
    grade,
)
from tutor.learner.reviews import record_review
from tutor.messages import Button, QuestionReply, Reply, Text
from tutor.storage.models import Attempt, LessonRow, QuestionRow
from tutor.turn import Turn, as_utc

__all__ = ["QUIZ_LENGTH", "answer", "ask", "correct_indices", "hint", "leave_quiz",
           "render_question", "skip", "start_quiz", "start_session", "submit", "toggle"]

QUIZ_LENGTH = 5


def start_quiz(turn: Turn, lesson: LessonRow) -> list[Reply]:
    questions = list(turn.session.scalars(select(QuestionRow).where(
        QuestionRow.lesson_id == lesson.id, QuestionRow.retired.is_(False))
        .order_by(QuestionRow.position)))
    if not questions:
        return [Text(f"*{lesson.title}* has no quiz questions.")]
    mastered = set(turn.session.scalars(select(Attempt.question_id).where(
        Attempt.learner_id == turn.learner.id, Attempt.correct.is_(True),
        Attempt.question_id.in_([q.id for q in questions]))))
    # Questions not yet answered correctly first, in the author's order.
    ordered = [q for q in questions if q.id not in mastered] + \
              [q for q in questions if q.id in mastered]
    return start_session(turn, ordered[:QUIZ_LENGTH], f"📝 Quiz on **{lesson.title}**",
                         kind="quiz", retry=f"quiz:{lesson.id}")


def start_session(turn: Turn, questions: list[QuestionRow], title: str, *, kind: str,
                  retry: str | None) -> list[Reply]:
    """A run of questions: a lesson quiz, or the reviews that are due."""
    turn.state.mode = "quiz"
    turn.state.quiz = {"kind": kind, "retry": retry, "questions": [q.id for q in questions],
                       "index": 0, "correct": 0, "score": 0.0}
    count = f"{len(questions)} question{'s' if len(questions) != 1 else ''}"
    return [Text(f"{title}: {count}."), *ask(turn)]


def _quiz(turn: Turn) -> dict[str, Any]:
    return dict(turn.state.quiz or {})


def ask(turn: Turn) -> list[Reply]:
    """Show the open question, opening the next one of the quiz when none is open."""
    quiz = _quiz(turn)
    if turn.state.question_id is None:
        if not quiz or quiz["index"] >= len(quiz["questions"]):
            return _summary(turn)
        turn.state.question_id = quiz["questions"][quiz["index"]]
        turn.state.question_shown_at = turn.now
        turn.state.hints_used = 0
        turn.state.selected = []
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None:
        turn.state.question_id = None
        return [Text("That question was removed from the course; moving on."), *_advance(turn)]
    return [render_question(turn, question)]


def render_question(turn: Turn, question: QuestionRow) -> QuestionReply:
    quiz = _quiz(turn)
    header = ""
    if quiz:
        header = f"Question {quiz['index'] + 1} of {len(quiz['questions'])}"
    options = display_options(question)
    selected = tuple(int(s) for s in turn.state.selected)
    rows: list[tuple[Button, ...]] = []
    if question.kind == "multiple":
        rows += [(Button(f"{'☑' if i in selected else '☐'} {i + 1}", f"tog:{question.id}:{i}"),)
                 for i in range(len(options))]
        rows.append((Button("Submit", f"sub:{question.id}"),))
    elif options:
        rows += [(Button(f"{i + 1}. {o}"[:60], f"ans:{question.id}:{i}"),)
                 for i, o in enumerate(options)]
    extras = [Button("💡 Hint", f"hint:{question.id}")] if question.hints else []
    rows.append((*extras, Button("Skip", f"skip:{question.id}")))
    prompt = question.prompt if question.kind != "cloze" else _blanked(question.prompt)
    if question.kind == "multiple":
        prompt += "\n\n_Select all that apply._"
    return QuestionReply(question_id=question.id, kind=question.kind, prompt=prompt,
                         options=options, correct=correct_indices(question),
                         explanation=question.explanation, header=header, selected=selected,
                         buttons=tuple(rows))


def _blanked(prompt: str) -> str:
    return CLOZE_BLANK.sub("_____", prompt)


def answer(turn: Turn, response: str | tuple[int, ...]) -> list[Reply]:
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None:
        turn.state.question_id = None
        return ask(turn)
    try:
        result = grade(question, response)
    except AnswerShapeError as problem:
        return [Text(str(problem))]
    _record(turn, question, response, result)
    return [_feedback(question, result), *_advance(turn, result)]


def _record(turn: Turn, question: QuestionRow, response: str | tuple[int, ...],
            result: Grade) -> None:
    shown = turn.state.question_shown_at
    elapsed = max(int((turn.now - as_utc(shown)).total_seconds() * 1000), 0) if shown else None
    text = response if isinstance(response, str) else ",".join(str(i + 1) for i in response)
    turn.session.add(Attempt(
        learner_id=turn.learner.id, question_id=question.id, course_id=question.course_id,
        answered_at=turn.now, response=text[:1000], correct=result.correct, score=result.score,
        response_ms=elapsed,
        hints_used=turn.state.hints_used, context=_quiz(turn).get("kind", "practice")))
    record_review(turn.session, turn.learner.id, question, result.correct,
                  turn.state.hints_used, elapsed,
                  turn.now)


def _feedback(question: QuestionRow, result: Grade) -> Text:
    if result.correct:
        head = "✅ **Correct!**"
    elif result.score > 0:
        head = f"🟡 **Partly right** ({result.score:.0%}). The full answer: **{result.expected}**"
    else:
        head = f"❌ **Not quite.** The answer is **{result.expected}**."
    return Text(f"{head}\n\n{question.explanation}")


def _advance(turn: Turn, result: Grade | None = None) -> list[Reply]:
    quiz = _quiz(turn)
    turn.state.question_id = None
    turn.state.selected = []
    if not quiz:
        return []
    quiz["index"] += 1
    if result is not None:
        quiz["correct"] += int(result.correct)
        quiz["score"] += result.score
    turn.state.quiz = quiz
    return ask(turn)


def _summary(turn: Turn) -> list[Reply]:
    quiz = _quiz(turn)
    total = len(quiz.get("questions", []))
    correct = quiz.get("correct", 0)
    retry = quiz.get("retry")
    turn.state.quiz = {}
    turn.state.mode = "menu"
    verdict = "Excellent!" if correct == total else "Well done." if correct * 2 >= total else \
        "Worth another look at the lesson."
    what = "Review" if quiz.get("kind") == "review" else "Quiz"
    buttons = ((Button("Try again", retry),) if retry else ()) + (Button("Menu", "menu"),)
    return [Text(f"🏁 {what} finished: **{correct} of {total}** correct. {verdict}",
                 buttons=(buttons,))]


def hint(turn: Turn) -> list[Reply]:
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None:
        return [Text("There is no open question to give a hint for. Try /quiz.")]
    if turn.state.hints_used >= len(question.hints):
        if not question.hints:
            return [Text("This question has no hint. Have another look at the lesson, or /skip.")]
        return [Text("That was the last hint. Give it a try, or /skip.")]
    turn.state.hints_used += 1
    return [Text(f"💡 {question.hints[turn.state.hints_used - 1]}")]


def skip(turn: Turn) -> list[Reply]:
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None:
        return [Text("There is no open question to skip.")]
    result = Grade(correct=False, score=0.0, expected=expected_answer(question))
    _record(turn, question, "(skipped)", result)
    return [Text(f"⏭ Skipped. The answer is **{result.expected}**.\n\n{question.explanation}"),
            *_advance(turn, result)]


def toggle(turn: Turn, option: int) -> list[Reply]:
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None or question.kind != "multiple" or not 0 <= option < len(question.options):
        return [Text("That button does not fit the open question.")]
    selected = {int(s) for s in turn.state.selected} ^ {option}
    turn.state.selected = [str(i) for i in sorted(selected)]
    return [render_question(turn, question)]


def submit(turn: Turn) -> list[Reply]:
    if not turn.state.selected:
        return [Text("Select at least one option, then press Submit.")]
    return answer(turn, tuple(int(s) for s in turn.state.selected))


def leave_quiz(turn: Turn) -> list[Reply]:
    """Leaving a quiz for something else: say what is left unfinished."""
    quiz = _quiz(turn)
    if not quiz:
        return []
    turn.state.quiz = {}
    turn.state.question_id = None
    turn.state.selected = []
    return [Text(f"(You left the quiz after {quiz['index']} of {len(quiz['questions'])} "
                 "questions.)")]
