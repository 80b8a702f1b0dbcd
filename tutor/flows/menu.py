"""Starting, choosing a course, the menu, the lesson list, the score, help."""

from __future__ import annotations

from sqlalchemy import distinct, func, select

from tutor import commands, i18n
from tutor.actions import OpenLesson, PickCourse, Screen, StartQuiz
from tutor.flows import lessons as lesson_flow
from tutor.flows import path, quizzes
from tutor.i18n import _, ngettext
from tutor.markup import plain
from tutor.messages import Button, Reply, Text
from tutor.storage.models import Attempt, CourseRow
from tutor.turn import Turn

__all__ = ["choose_course", "help_text", "lesson_list", "menu", "resume", "score",
           "set_course", "start"]

def help_text(turn: Turn) -> list[Reply]:
    return [Text(commands.help_text(turn.event.identity.platform))]


def start(turn: Turn) -> list[Reply]:
    name = plain(turn.learner.display_name)
    if turn.state.course_id is None:
        return [Text(_("👋 Hi {name}! I'm tutorbot. I teach in small cards and check "
                       "understanding with short quizzes. Type /help any time.", name=name)),
                *choose_course(turn)]
    return [Text(_("👋 Welcome back, {name}! Here is where you left off.", name=name)),
            *resume(turn)]


def choose_course(turn: Turn) -> list[Reply]:
    courses = list(turn.session.scalars(select(CourseRow).order_by(CourseRow.title)))
    if not courses:
        return [Text(_("No courses are installed yet. A course author can add one with "
                       "`tutorbot content import PATH`."))]
    lines = [f"- **{c.title}** (`{c.slug}`): {' '.join(c.description.split())}"
             for c in courses]
    buttons = tuple((Button(c.title, PickCourse(c.slug)),) for c in courses)
    return [Text(_("Which course would you like?") + "\n\n" + "\n".join(lines),
                 buttons=buttons)]


def set_course(turn: Turn, slug: str) -> list[Reply]:
    slug = slug.strip().lower()
    if not slug:
        return choose_course(turn)
    course = turn.session.scalar(select(CourseRow).where(CourseRow.slug == slug))
    if course is None:
        return [Text(_("There is no course called `{slug}`.", slug=slug[:60])),
                *choose_course(turn)]
    left = quizzes.leave_quiz(turn)
    turn.state.course_id = course.id
    turn.enrollment(course)
    from tutor.flows import placement  # the check builds on this module's flows

    return [*left, Text(f"📚 **{course.title}**"), *placement.offer(turn, course),
            *lesson_flow.show_card(turn)]


def resume(turn: Turn) -> list[Reply]:
    if turn.state.question_id is not None or turn.state.quiz:
        return quizzes.ask(turn)
    if turn.state.mode == "lesson":
        return lesson_flow.show_card(turn)
    return menu(turn)


def menu(turn: Turn) -> list[Reply]:
    course = turn.course()
    if course is None:
        return choose_course(turn)
    lessons = [x for x in turn.lessons(course) if not x.reference]
    done = lesson_flow.completed(turn, course)
    finished = len(done & {lesson.id for lesson in lessons})
    text = ngettext("📚 **{course}**: {done} of {n} lesson done.",
                    "📚 **{course}**: {done} of {n} lessons done.", len(lessons),
                    course=course.title, done=i18n.number(finished)) if lessons \
        else _("📚 **{course}**: its documents are here to read, and /ask answers questions "
               "about them.", course=course.title)
    rows: list[tuple[Button, ...]] = []
    chosen = path.step(turn)
    if chosen is not None and chosen.kind != "done":
        text += f"\n\n👉 {chosen.reason}"
        if chosen.lesson is not None:
            rows.append((Button(_("Continue: {lesson}", lesson=chosen.lesson.title)[:60],
                                Screen("continue")),
                         Button(_("Quiz"), StartQuiz(chosen.lesson.id))))
        else:
            rows.append((Button(_("Continue: reviews"), Screen("continue")),))
    rows.append((Button(_("All lessons"), Screen("lessons")),
                 Button(_("My progress"), Screen("progress")),
                 Button(_("Courses"), Screen("courses"))))
    rows.append((Button(_("Settings"), Screen("settings")),))
    return [Text(text, buttons=tuple(rows))]


def lesson_list(turn: Turn) -> list[Reply]:
    course = turn.course()
    if course is None:
        return choose_course(turn)
    done = lesson_flow.completed(turn, course)
    lessons = turn.lessons(course)
    skippable = {x.id for x in path.skippable(turn, course)}
    lines = [f"{i}. {'📄' if lesson.reference else '✅' if lesson.id in done else '▫️'} "
             f"{lesson.title}"
             + (_(" (you can skip this: you know it already)") if lesson.id in skippable
                else "")
             for i, lesson in enumerate(lessons, 1)]
    buttons = tuple((Button(f"{i}. {lesson.title}"[:60], OpenLesson(lesson.id)),)
                    for i, lesson in enumerate(lessons, 1))
    return [Text(_("**{course}**: lessons", course=course.title) + "\n\n" + "\n".join(lines),
                 buttons=buttons)]


def score(turn: Turn) -> list[Reply]:
    course = turn.course()
    if course is None:
        return choose_course(turn)
    lessons = turn.lessons(course)
    done = len(lesson_flow.completed(turn, course) & {lesson.id for lesson in lessons})
    attempts, correct, distinct_questions = turn.session.execute(
        select(func.count(), func.coalesce(func.sum(Attempt.score), 0.0),
               func.count(distinct(Attempt.question_id)))
        .where(Attempt.learner_id == turn.learner.id, Attempt.course_id == course.id)).one()
    lines = [f"📊 **{course.title}**",
             _("Lessons finished: **{done} of {total}**", done=i18n.number(done),
               total=i18n.number(len(lessons))),
             _("Questions answered: **{answered}** ({different} different)",
               answered=i18n.number(attempts), different=i18n.number(distinct_questions))]
    if attempts:
        lines.append(_("Average score: **{score}**", score=i18n.percent(correct / attempts)))
    return [Text("\n\n".join(lines), buttons=((Button(_("Menu"), Screen("menu")),),))]
