"""The placement check in a conversation: offered when a learner starts a course, run as a
quiz of its own kind (questions chosen by tutor.learner.placement), and ended with the
skills found known stored on the enrollment, the lessons they make skippable, and the next
step. It is a check, not a gate: skipping it, or leaving it, changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tutor.actions import Screen
from tutor.flows import path
from tutor.i18n import _, ngettext
from tutor.learner import path as learning_path
from tutor.learner import placement
from tutor.messages import Button, Reply, Text
from tutor.storage.models import Attempt, CourseRow, QuestionRow
from tutor.turn import Turn

__all__ = ["KIND", "choose", "finish", "offer", "start"]

KIND = "placement"  # the quiz kind, and the answers' context


def offer(turn: Turn, course: CourseRow) -> list[Reply]:
    """The offer, to a learner new to the course (nothing answered, finished or checked)."""
    enrollment = turn.enrollment(course)
    if enrollment.placed_at is not None or enrollment.card_position:
        return []
    found = path.progress_of(turn, course)  # what they answered and finished, read once
    if found.answers or found.done or len(_order(turn, course)) < 3:
        return []
    return [Text(_("🧭 Know some of this already? A short check (up to {count} questions; "
                   "/skip what you don't know) marks the lessons you can skip. Or just read "
                   "on.", count=placement.MAX_QUESTIONS),
                 buttons=((Button(_("Take the check"), Screen("placement")),),))]


def _order(turn: Turn, course: CourseRow) -> list[str]:
    found = path.progress_of(turn, course)
    return placement.skill_order([x.skills for x in found.lessons], found.requires)


def start(turn: Turn) -> list[Reply]:
    from tutor.flows import menu, quizzes  # they offer the check: imported when it runs

    course = turn.course()
    if course is None:
        return menu.choose_course(turn)
    order = _order(turn, course)
    pool = turn.session.scalars(select(QuestionRow.id).where(
        QuestionRow.course_id == course.id, QuestionRow.retired.is_(False))
        .order_by(QuestionRow.lesson_id, QuestionRow.position)).all()
    if len(order) < 2 or not pool:
        return [Text(_("This course has nothing to check with yet: start with the first "
                       "lesson."))]
    left = quizzes.leave_quiz(turn)
    turn.state.mode = "quiz"
    turn.state.quiz = {"kind": KIND, "retry": None, "pool": list(pool), "order": order,
                       "length": placement.MAX_QUESTIONS, "questions": [], "index": 0,
                       "correct": 0, "score": 0.0}
    return [*left, Text(_("🧭 **Placement check** for {course}: a few questions, from the "
                          "basics up, until I know where you stand.", course=course.title)),
            *quizzes.ask(turn)]


def _belief(turn: Turn, quiz: dict[str, Any]) -> list[float]:
    order = quiz["order"]
    asked = quiz["questions"][:quiz["index"]]
    questions = {q.id: q for q in turn.session.scalars(select(QuestionRow).where(
        QuestionRow.id.in_(asked)))} if asked else {}
    last: dict[int, bool] = {}
    for question_id, correct in turn.session.execute(
            select(Attempt.question_id, Attempt.correct).where(
                Attempt.learner_id == turn.learner.id, Attempt.context == KIND,
                Attempt.question_id.in_(asked)).order_by(Attempt.id)) if asked else []:
        last[question_id] = bool(correct)
    answers = []
    for question_id, correct in last.items():
        question = questions.get(question_id)
        skill = placement.skill_of(question.skills, order) if question is not None else None
        if question is not None and skill is not None:
            answers.append(placement.Answer(skill, correct, placement.guess_chance(
                question.kind, len(question.options))))
    return placement.posterior(len(order), answers)


def choose(turn: Turn, quiz: dict[str, Any]) -> int | None:
    """The next question, or None once the check is sure enough."""
    order = quiz["order"]
    belief = _belief(turn, quiz)
    if placement.settled(belief, quiz["index"]):
        return None
    asked = set(quiz["questions"])
    chosen = placement.next_question(order, belief, turn.session.scalars(
        select(QuestionRow).where(QuestionRow.id.in_([q for q in quiz["pool"]
                                                      if q not in asked]),
                                  QuestionRow.retired.is_(False))))
    return chosen.id if chosen is not None else None


def finish(turn: Turn, quiz: dict[str, Any]) -> list[Reply]:
    course = turn.course()
    turn.state.quiz, turn.state.mode = {}, "menu"
    if course is None:
        return []
    skills = placement.known(quiz["order"], _belief(turn, quiz))
    enrollment = turn.enrollment(course)
    enrollment.known_skills, enrollment.placed_at = skills, turn.now
    turn.memo.pop(f"path:{course.id}", None)  # what the path reads has just changed
    found = path.progress_of(turn, course)
    asked = quiz["index"]
    lines = [ngettext("🧭 Check done after {n} question.", "🧭 Check done after {n} questions.",
                      asked)]
    if skills:
        lines.append(_("You already know: {skills}.",
                       skills=", ".join(s.replace("-", " ") for s in skills)))
        skippable = [x.title for x in path.skippable(turn, course)]
        if skippable:
            lines.append(_("⏭️ You can skip: {lessons} (they stay in /lessons).",
                           lessons=", ".join(skippable)))
    else:
        lines.append(_("Let's start from the beginning: that is what the first lessons are "
                       "for."))
    chosen = learning_path.next_step(found)
    lines.append(f"👉 {chosen.reason}")
    return [Text("\n\n".join(lines), buttons=((Button(_("Continue"), Screen("continue")),
                                              Button(_("Menu"), Screen("menu"))),))]
