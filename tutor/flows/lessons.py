"""Reading a lesson card by card: next, back, and the quiz offer at the end."""

from __future__ import annotations

from sqlalchemy import func, select

from content import formulas
from tutor import i18n
from tutor.actions import OpenLesson, Screen, StartQuiz
from tutor.flows import feedback
from tutor.i18n import _
from tutor.messages import Button, Image, Reply, Text
from tutor.storage.models import CardRow, CourseRow, LessonCompletion, LessonRow, QuestionRow
from tutor.turn import Turn

__all__ = ["completed", "current_lesson", "find_lesson", "open_card", "open_lesson",
           "show_card", "step"]

def nav_row() -> tuple[Button, ...]:
    return Button(_("◀ Back"), Screen("back")), Button(_("Next ▶"), Screen("next"))


def _cards(turn: Turn, lesson: LessonRow) -> list[CardRow]:
    return list(turn.session.scalars(select(CardRow).where(
        CardRow.lesson_id == lesson.id, CardRow.retired.is_(False)).order_by(CardRow.position)))


def current_lesson(turn: Turn) -> LessonRow | None:
    """The lesson the learner is on in the active course (the first one to begin with)."""
    course = turn.course()
    if course is None:
        return None
    enrollment = turn.enrollment(course)
    lesson = turn.session.get(LessonRow, enrollment.lesson_id) if enrollment.lesson_id else None
    if lesson is None or lesson.retired:
        lessons = turn.lessons(course)
        lesson = lessons[0] if lessons else None
        enrollment.lesson_id = lesson.id if lesson else None
        enrollment.card_position = 0
    return lesson


def completed(turn: Turn, course: CourseRow) -> set[int]:
    """The ids of the course's lessons this learner has finished."""
    return set(turn.session.scalars(
        select(LessonCompletion.lesson_id).join(LessonRow).where(
            LessonCompletion.learner_id == turn.learner.id, LessonRow.course_id == course.id)))


def find_lesson(turn: Turn, ref: str) -> LessonRow | None:
    """A lesson of the active course by number (`3`) or id (`loops`)."""
    course = turn.course()
    if course is None:
        return None
    lessons = turn.lessons(course)
    ref = ref.strip().lower()
    if ref.isdigit() and 1 <= int(ref) <= len(lessons):
        return lessons[int(ref) - 1]
    return next((lesson for lesson in lessons if lesson.slug == ref), None)


def open_lesson(turn: Turn, lesson: LessonRow) -> list[Reply]:
    course = turn.course()
    assert course is not None  # a lesson is only found inside the active course
    enrollment = turn.enrollment(course)
    enrollment.lesson_id = lesson.id
    enrollment.card_position = 0
    return show_card(turn)


def open_card(turn: Turn, card: CardRow) -> list[Reply]:
    """Open the lesson that holds `card` at that card, in whichever course it belongs to."""
    lesson = turn.session.get(LessonRow, card.lesson_id)
    if lesson is None or lesson.retired or card.retired:
        return [Text(_("That card is no longer in the course."))]
    turn.state.course_id = lesson.course_id
    enrollment = turn.enrollment(lesson.course)
    enrollment.lesson_id = lesson.id
    enrollment.card_position = [c.id for c in _cards(turn, lesson)].index(card.id)
    return show_card(turn)


def show_card(turn: Turn) -> list[Reply]:
    lesson = current_lesson(turn)
    course = turn.course()
    if lesson is None or course is None:
        return [Text(_("This course has no lessons yet. Pick another with /courses."))]
    turn.state.mode = "lesson"
    enrollment = turn.enrollment(course)
    cards = _cards(turn, lesson)
    if not cards:
        return [Text(_("The lesson *{lesson}* has no cards.", lesson=lesson.title))]
    position = min(max(enrollment.card_position, 0), len(cards) - 1)
    enrollment.card_position = position
    card = cards[position]
    number = turn.lessons(course).index(lesson) + 1
    named = f"📄 {lesson.title}" if lesson.reference else \
        _("Lesson {number} · {lesson}", number=number, lesson=lesson.title)
    header = _("**{lesson}** — card {number} of {count}", lesson=named, number=position + 1,
               count=len(cards))
    heading = f"## {card.title}\n\n" if card.title != lesson.title else ""
    shown: list[Reply] = [Text(f"{header}\n\n{heading}{formulas.with_text(card.body)}",
                               buttons=(nav_row(), (Button(_("Menu"), Screen("menu")),)))]
    if turn.media_dir is not None:  # display formulas also as drawn: text flattens them
        shown[:0] = [Image(formulas.draw(f.tex, turn.media_dir / "formulas"),
                           caption=formulas.to_text(f.tex))
                     for f in formulas.find(card.body) if f.display]
    return shown


def step(turn: Turn, delta: int) -> list[Reply]:
    lesson = current_lesson(turn)
    course = turn.course()
    if lesson is None or course is None:
        return show_card(turn)
    enrollment = turn.enrollment(course)
    if turn.state.mode != "lesson":
        return show_card(turn)
    target = enrollment.card_position + delta
    if target < 0:
        return [Text(_("This is the first card of the lesson.")), *show_card(turn)]
    if target >= len(_cards(turn, lesson)):
        return _finish(turn, lesson)
    enrollment.card_position = target
    return show_card(turn)


def _finish(turn: Turn, lesson: LessonRow) -> list[Reply]:
    done = turn.session.scalar(select(LessonCompletion).where(
        LessonCompletion.learner_id == turn.learner.id, LessonCompletion.lesson_id == lesson.id))
    if done is None:
        turn.session.add(LessonCompletion(learner_id=turn.learner.id, lesson_id=lesson.id,
                                          completed_at=turn.now))
    turn.state.mode = "menu"
    questions = turn.session.scalar(select(func.count()).select_from(QuestionRow).where(
        QuestionRow.lesson_id == lesson.id, QuestionRow.retired.is_(False))) or 0
    buttons: list[Button] = []
    text = _("🎉 You finished **{lesson}**.", lesson=lesson.title)
    if questions:
        text = i18n.joined(text, _("Ready for a quick quiz on it?"))
        buttons.append(Button(_("Start the quiz"), StartQuiz(lesson.id)))
    following = _next_lesson(turn, lesson)
    if following is not None:
        buttons.append(Button(_("Next lesson: {lesson}", lesson=following.title),
                              OpenLesson(following.id)))
    return [Text(text, buttons=(tuple(buttons), (Button(_("Menu"), Screen("menu")),))),
            *feedback.about_lesson(turn, lesson)]


def _next_lesson(turn: Turn, lesson: LessonRow) -> LessonRow | None:
    """The lesson the learning path recommends after this one (tutor.learner.path)."""
    from tutor.flows import path  # path builds on this module

    chosen = path.step(turn)
    if chosen is None or chosen.lesson is None or chosen.lesson.id == lesson.id:
        return None
    return turn.session.get(LessonRow, chosen.lesson.id)
