"""Quizzes: asking, grading with feedback, hints, skipping, and the score at the end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from content import CLOZE_BLANK
from tutor import i18n
from tutor.actions import (
    Choose,
    Hint,
    OpenLesson,
    Screen,
    Skip,
    StartQuiz,
    Submit,
    Tick,
    decode,
    encode,
)
from tutor.flows import feedback
from tutor.grading import (
    AnswerShapeError,
    Grade,
    correct_indices,
    display_options,
    expected_answer,
    grade,
)
from tutor.i18n import _, ngettext
from tutor.learner.adaptive import Item, Standing, aim, choose, level, standing
from tutor.learner.fitting import course_model
from tutor.learner.mastery import KnowledgeModel
from tutor.learner.reviews import due_questions, record_review
from tutor.messages import Button, Inbound, QuestionReply, Reply, Text
from tutor.storage.kept import kept
from tutor.storage.models import Attempt, CourseRow, LessonRow, QuestionRow
from tutor.turn import Turn, as_utc

__all__ = ["QUIZ_LENGTH", "answer", "ask", "correct_indices", "delivery_key", "event_key",
           "group_answer", "hint", "learner_model", "leave_quiz", "note_screen", "render_question",
           "set_aside", "shown_in", "skip", "start_quiz", "start_session", "submit", "toggle"]

QUIZ_LENGTH = 5
REVIEW_POOL = 10  # due reviews that may join a lesson quiz


def start_quiz(turn: Turn, lesson: LessonRow) -> list[Reply]:
    """A lesson quiz, each question chosen adaptively when the one before is answered.

    Candidates: the lesson's questions not yet answered right, and the course's due
    reviews; questions already mastered come back only when those run short.
    """
    questions = list(turn.session.scalars(select(QuestionRow).where(
        QuestionRow.lesson_id == lesson.id, QuestionRow.retired.is_(False))
        .order_by(QuestionRow.position)))
    if not questions:
        return [Text(_("*{lesson}* has no quiz questions.", lesson=lesson.title))]
    mastered = set(turn.session.scalars(select(Attempt.question_id).where(
        Attempt.learner_id == turn.learner.id, Attempt.correct.is_(True),
        Attempt.question_id.in_([q.id for q in questions]))))
    pool = [q.id for q in questions if q.id not in mastered]
    pool += [q.id for q in due_questions(turn.session, turn.learner.id, lesson.course_id,
                                         turn.now, REVIEW_POOL) if q.id not in pool]
    if len(pool) < QUIZ_LENGTH:
        pool += [q.id for q in questions if q.id not in pool]
    turn.state.mode = "quiz"
    length = min(QUIZ_LENGTH, len(pool))
    turn.state.quiz = {"kind": "quiz", "retry": encode(StartQuiz(lesson.id)), "pool": pool,
                       "length": length, "questions": [], "index": 0, "correct": 0,
                       "score": 0.0}
    return [Text(_("📝 Quiz on **{lesson}**: {questions}.", lesson=lesson.title,
                   questions=_count(length))), *ask(turn)]


def start_session(turn: Turn, questions: list[QuestionRow], title: str, *, kind: str,
                  retry: str | None) -> list[Reply]:
    """A fixed run of questions, such as the reviews that are due, in the given order."""
    turn.state.mode = "quiz"
    turn.state.quiz = {"kind": kind, "retry": retry, "questions": [q.id for q in questions],
                       "length": len(questions), "index": 0, "correct": 0, "score": 0.0}
    return [Text(f"{title}: {_count(len(questions))}."), *ask(turn)]


def _count(n: int) -> str:
    return ngettext("{n} question", "{n} questions", n)


def _quiz(turn: Turn) -> dict[str, Any]:
    return dict(turn.state.quiz or {})


def ask(turn: Turn) -> list[Reply]:
    """Show the open question, opening the next one of the quiz when none is open."""
    quiz = _quiz(turn)
    if turn.state.question_id is None:
        if not quiz or quiz["index"] >= _length(quiz):
            return _summary(turn)
        if quiz["index"] >= len(quiz["questions"]):
            chosen = _choose(turn, quiz)
            if chosen is None:
                return _summary(turn)
            quiz["questions"] = [*quiz["questions"], chosen]
            turn.state.quiz = quiz
        turn.state.question_id = quiz["questions"][quiz["index"]]
        turn.state.question_shown_at = turn.now
        turn.state.hints_used = 0
        turn.state.selected = []
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None:
        turn.state.question_id = None
        return [Text(_("That question was removed from the course; moving on.")),
                *_advance(turn)]
    return [render_question(turn, question)]


def _length(quiz: dict[str, Any]) -> int:
    return int(quiz.get("length", len(quiz["questions"])))


def _choose(turn: Turn, quiz: dict[str, Any]) -> int | None:
    """The next question of an adaptive quiz: the remaining candidate nearest the aim."""
    if quiz.get("kind") == "placement":
        from tutor.flows import placement  # the check chooses its own questions

        return placement.choose(turn, quiz)
    asked = set(quiz["questions"])
    wanted = [qid for qid in quiz.get("pool", []) if qid not in asked]
    with turn.session.no_autoflush:  # the course's questions: nothing this turn changed
        found = {q.id: q for q in turn.session.scalars(select(QuestionRow).where(
            QuestionRow.id.in_(wanted), QuestionRow.retired.is_(False)))} if wanted else {}
    remaining = [found[qid] for qid in wanted if qid in found]  # in the pool's order
    if not remaining:
        return None
    course = turn.session.get(CourseRow, remaining[0].course_id)
    assert course is not None  # a question belongs to its course (cascade)
    model, where = learner_model(turn, course)
    goal = aim(course.target_success, turn.enrollment(course).challenge)
    return choose(model, where, remaining, goal).id


def learner_model(turn: Turn, course: CourseRow) -> tuple[KnowledgeModel, Standing]:
    """The course's model and where the learner stands in it, worked out once a turn."""
    key = f"standing:{course.id}"
    if key not in turn.memo:
        model = course_model(turn.session, course)
        turn.session.flush()  # the answer just recorded counts
        turn.memo[key] = (model, standing(turn.session, turn.learner.id, course.id, model))
    found: tuple[KnowledgeModel, Standing] = turn.memo[key]
    return found


def _level_change(turn: Turn, question: QuestionRow) -> list[Reply]:
    """One friendly line when the learner's level in the course moves."""
    course = turn.session.get(CourseRow, question.course_id)
    if course is None:
        return []
    enrollment = turn.enrollment(course)
    model, where = learner_model(turn, course)
    new = level(model, where, _items(turn, course), course.target_success, enrollment.level)
    if new == enrollment.level:
        return []
    up, enrollment.level = new > enrollment.level, new
    if up:
        return [Text(_("📈 These are getting easy for you: moving up to **level {level}**.",
                       level=new))]
    return [Text(_("🪜 Let's take it a step slower: **level {level}** for now. You've got this.",
                   level=new))]


def _items(turn: Turn, course: CourseRow) -> list[Item]:
    """The course's questions as the learner model sees them: read once per content."""
    return kept(turn.session, ("items", course.id), course.content_hash, lambda: [
        Item(list(skills), key, difficulty) for skills, key, difficulty in turn.session.execute(
            select(QuestionRow.skills, QuestionRow.key, QuestionRow.difficulty).where(
                QuestionRow.course_id == course.id, QuestionRow.retired.is_(False)))])


def render_question(turn: Turn, question: QuestionRow) -> QuestionReply:
    quiz = _quiz(turn)
    header = ""
    if quiz.get("kind") == "placement":  # it stops as soon as it is sure: no "of N"
        header = _("Placement check · question {number}", number=quiz["index"] + 1)
    elif quiz:
        header = _("Question {number} of {count}", number=quiz["index"] + 1,
                   count=_length(quiz))
    options = display_options(question)
    selected = tuple(int(s) for s in turn.state.selected)
    rows: list[tuple[Button, ...]] = []
    if question.kind == "multiple":
        rows += [(Button(f"{'☑' if i in selected else '☐'} {i + 1}", Tick(question.id, i)),)
                 for i in range(len(options))]
        rows.append((Button(_("Submit"), Submit(question.id)),))
    elif options:
        rows += [(Button(f"{i + 1}. {o}"[:60], Choose(question.id, i)),)
                 for i, o in enumerate(options)]
    extras = [Button(_("💡 Hint"), Hint(question.id))] if question.hints else []
    rows.append((*extras, Button(_("Skip"), Skip(question.id))))
    prompt = question.prompt if question.kind != "cloze" else _blanked(question.prompt)
    if question.kind == "multiple":
        prompt += "\n\n_" + _("Select all that apply.") + "_"
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
    # "Was the card clear?" only about a card read: not in a placement check.
    missed = feedback.about_question(turn, question) \
        if not result.correct and _quiz(turn).get("kind") != "placement" else []
    return [_feedback(question, result), *missed, *_level_change(turn, question),
            *_advance(turn, result)]


def _record(turn: Turn, question: QuestionRow, response: str | tuple[int, ...],
            result: Grade) -> None:
    shown = turn.state.question_shown_at
    elapsed = max(int((turn.now - as_utc(shown)).total_seconds() * 1000), 0) if shown else None
    _store_attempt(turn, question, response, result, context=_quiz(turn).get("kind", "practice"),
                   hints=turn.state.hints_used, elapsed=elapsed,
                   key=event_key(turn, question.id, shown))


def _store_attempt(turn: Turn, question: QuestionRow, response: str | tuple[int, ...],
                   result: Grade, *, context: str, hints: int, elapsed: int | None,
                   key: str | None) -> None:
    """The attempt, and the question's spaced-review card updated from it."""
    text = response if isinstance(response, str) else ",".join(str(i + 1) for i in response)
    turn.memo.clear()
    turn.session.add(Attempt(
        learner_id=turn.learner.id, question_id=question.id, course_id=question.course_id,
        answered_at=turn.now, response=text[:1000], correct=result.correct, score=result.score,
        response_ms=elapsed, hints_used=hints, context=context, event_key=key))
    record_review(turn.session, turn.learner.id, question, result.correct, hints, elapsed,
                  turn.now)


def delivery_key(event: Inbound) -> str | None:
    return f"{event.identity.platform}:{event.event_id}"[:96] if event.event_id else None


def event_key(turn: Turn, question_id: int, shown: datetime | None) -> str | None:
    """The platform's delivery id; without one, this showing of the question."""
    if (key := delivery_key(turn.event)) is not None:
        return key
    return f"q{question_id}@{as_utc(shown).isoformat()}" if shown else None


def _feedback(question: QuestionRow, result: Grade) -> Text:
    if result.correct:
        head = _("✅ **Correct!**")
    elif result.score > 0:
        head = _("🟡 **Partly right** ({score}). The full answer: **{answer}**",
                 score=i18n.percent(result.score), answer=result.expected)
    else:
        head = _("❌ **Not quite.** The answer is **{answer}**.", answer=result.expected)
    return Text(f"{head}\n\n{question.explanation}", role="feedback")


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
    if quiz.get("kind") == "placement":
        from tutor.flows import placement

        return placement.finish(turn, quiz)
    total = quiz.get("index", 0)
    correct = quiz.get("correct", 0)
    retry = quiz.get("retry")
    turn.state.quiz = {}
    turn.state.mode = "menu"
    verdict = _("Excellent!") if correct == total else _("Well done.") \
        if correct * 2 >= total else _("Worth another look at the lesson.")
    finished = _("🏁 Review finished: **{correct} of {total}** correct.") \
        if quiz.get("kind") == "review" else \
        _("🏁 Quiz finished: **{correct} of {total}** correct.")
    again = decode(retry) if isinstance(retry, str) else None
    buttons = ((Button(_("Try again"), again),) if again else ()) + \
        (Button(_("Menu"), Screen("menu")),)
    replies: list[Reply] = [Text(i18n.joined(finished.format(correct=correct, total=total),
                                             verdict),
                                 buttons=(buttons,))]
    return replies + _refresher(turn)


def _refresher(turn: Turn) -> list[Reply]:
    """After a quiz that shows a struggle: the refresher on the weak skill it builds on."""
    from tutor.flows import path  # path reads the learner model through this module

    chosen = path.step(turn)
    if chosen is None or chosen.kind != "refresher" or chosen.lesson is None:
        return []
    return [Text(f"💡 {chosen.reason}", buttons=((
        Button(_("Refresher: {lesson}", lesson=chosen.lesson.title)[:60],
               OpenLesson(chosen.lesson.id)),),))]


def hint(turn: Turn) -> list[Reply]:
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None:
        return [Text(_("There is no open question to give a hint for. Try /quiz."))]
    if turn.state.hints_used >= len(question.hints):
        if not question.hints:
            return [Text(_("This question has no hint. Have another look at the lesson, or "
                           "/skip."))]
        return [Text(_("That was the last hint. Give it a try, or /skip."))]
    turn.state.hints_used += 1
    return [Text(f"💡 {question.hints[turn.state.hints_used - 1]}")]


def skip(turn: Turn) -> list[Reply]:
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None:
        return [Text(_("There is no open question to skip."))]
    result = Grade(correct=False, score=0.0, expected=expected_answer(question))
    _record(turn, question, "(skipped)", result)
    return [Text(_("⏭ Skipped. The answer is **{answer}**.", answer=result.expected)
                 + f"\n\n{question.explanation}"),
            *_level_change(turn, question), *_advance(turn, result)]


def toggle(turn: Turn, option: int) -> list[Reply]:
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None or question.kind != "multiple" or not 0 <= option < len(question.options):
        return [Text(_("That button does not fit the open question."))]
    selected = {int(s) for s in turn.state.selected} ^ {option}
    turn.state.selected = [str(i) for i in sorted(selected)]
    return [render_question(turn, question)]


def submit(turn: Turn) -> list[Reply]:
    if not turn.state.selected:
        return [Text(_("Select at least one option, then press Submit."))]
    return answer(turn, tuple(int(s) for s in turn.state.selected))


def shown_in(turn: Turn) -> str | None:
    """The chat where the open question was last shown (None before this was recorded)."""
    chat = _quiz(turn).get("chat")
    return chat if isinstance(chat, str) else None


def set_aside(turn: Turn) -> bool:
    """True when the learner moved on to something else (the menu, /settings, /help...)
    since the open question was shown: typed text is then not read as its answer."""
    return bool(_quiz(turn).get("aside"))


def note_screen(turn: Turn, replies: list[Reply], *, stays: bool) -> None:
    """After a turn: is the open question what the learner sees now, and in which chat?"""
    if turn.state.question_id is None:
        return
    quiz = _quiz(turn)
    if any(isinstance(r, QuestionReply) and r.question_id == turn.state.question_id
           for r in replies):
        quiz.update(chat=turn.event.chat_id, aside=False)
    elif not stays and replies:
        quiz["aside"] = True
    else:
        return
    turn.state.quiz = quiz


def leave_quiz(turn: Turn) -> list[Reply]:
    """Leaving a quiz for something else: say what is left unfinished."""
    quiz = _quiz(turn)
    if not quiz:
        return []
    turn.state.quiz = {}
    turn.state.question_id = None
    turn.state.selected = []
    return [Text(ngettext("(You left the quiz after {done} of {n} question.)",
                          "(You left the quiz after {done} of {n} questions.)", _length(quiz),
                          done=quiz["index"]))]


def group_answer(turn: Turn, question_id: int, response: tuple[int, ...]) -> list[Reply]:
    """An answer to a question put to a whole group: counted in the learner's own model,
    with no reply to them (the group sees the results when the question closes)."""
    question = turn.session.get(QuestionRow, question_id)
    if question is None or question.retired:
        return []
    try:
        result = grade(question, response)
    except AnswerShapeError:
        return []
    _store_attempt(turn, question, response, result, context="group", hints=0, elapsed=None,
                   key=delivery_key(turn.event) or
                   f"group:q{question.id}@{turn.now.isoformat()}")
    return []
