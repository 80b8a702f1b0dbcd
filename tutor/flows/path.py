"""Learning paths in a conversation: the recommended next step, read from storage, and
where "Continue" and /next take the learner (tutor.learner.path decides)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from tutor.flows import lessons as lesson_flow
from tutor.flows import quizzes
from tutor.i18n import N_, _
from tutor.learner import path, similar
from tutor.learner.reviews import due_count
from tutor.messages import Reply, Text
from tutor.storage.models import CardRow, CourseRow, LessonRow, SkillRow
from tutor.turn import Turn

__all__ = ["FINISHED", "follow", "progress_of", "skippable", "step"]

FINISHED = N_("🎓 You have finished every lesson of this course. /review keeps it fresh; "
              "/lessons lists them all.")


def progress_of(turn: Turn, course: CourseRow) -> path.Progress:
    """What the path reads of this learner in this course (once a turn)."""
    key = f"path:{course.id}"
    if key in turn.memo:
        return turn.memo[key]  # type: ignore[no-any-return]
    # Reference lessons (a teacher's documents) are read and searched, not steps.
    lessons = [x for x in turn.lessons(course) if not x.reference]
    model, standing = quizzes.learner_model(turn, course)
    enrollment = turn.enrollment(course)
    done = lesson_flow.completed(turn, course)
    found = path.Progress(
        lessons=[path.LessonInfo(x.id, x.title, tuple(x.skills)) for x in lessons],
        requires={slug: tuple(needs) for slug, needs in turn.session.execute(
            select(SkillRow.slug, SkillRow.requires).where(
                SkillRow.course_id == course.id, SkillRow.retired.is_(False)))},
        done=frozenset(done), known=frozenset(enrollment.known_skills or ()),
        mastery=standing.mastery(model),
        answers={s: int(t.correct + t.wrong) for s, t in standing.traces.items()},
        due=due_count(turn.session, turn.learner.id, course.id, turn.now),
        target=course.target_success)
    found = replace(found, reading=_reading(turn, course, found),
                    reading_card=turn.enrollment(course).card_position,
                    current=turn.enrollment(course).lesson_id,
                    tier={x.id: x.authored_order for x in lessons
                          if x.authored_order is not None},
                    liked=_liked(turn, course, found))
    turn.memo[key] = found
    return found


def _liked(turn: Turn, course: CourseRow, found: path.Progress) -> dict[int, float]:
    """Each lesson's score under the course's learners-like-you model (its best skill),
    when lessons share an order number and the model has been fitted."""
    orders = [x.authored_order for x in turn.lessons(course) if x.authored_order is not None]
    if len(orders) == len(set(orders)):
        return {}  # no lessons in any order: nothing to decide
    model = similar.stored_paths(turn.session, course)
    if model is None:
        return {}
    history = similar.learner_history(turn.session, turn.learner.id, course.id)
    skills = sorted({s for x in found.lessons for s in x.skills})
    scores = model.scores(history, skills)
    return {x.id: max((scores.get(s, 0.0) for s in x.skills), default=0.0)
            for x in found.lessons}


def _reading(turn: Turn, course: CourseRow, found: path.Progress) -> int | None:
    """The lesson the learner is on, unless they have read it to its end and finished it,
    or have not begun one they already know (a placement check said so)."""
    enrollment = turn.enrollment(course)
    current = turn.session.get(LessonRow, enrollment.lesson_id) \
        if enrollment.lesson_id else None
    if current is None or current.retired:
        return None
    cards = turn.session.scalar(select(func.count()).select_from(CardRow).where(
        CardRow.lesson_id == current.id, CardRow.retired.is_(False))) or 0
    if current.id in found.done and enrollment.card_position >= cards - 1:
        return None
    info = next((x for x in found.lessons if x.id == current.id), None)
    if info is None or (enrollment.card_position == 0 and path.can_skip(info, found)):
        return None
    return current.id


def skippable(turn: Turn, course: CourseRow) -> list[path.LessonInfo]:
    """The lessons the learner already knows (marked so, never hidden)."""
    found = progress_of(turn, course)
    return [x for x in found.lessons if path.can_skip(x, found)]


def step(turn: Turn) -> path.Step | None:
    course = turn.course()
    return path.next_step(progress_of(turn, course)) if course is not None else None


def follow(turn: Turn) -> list[Reply]:
    """Take the recommended step, saying why in one line."""
    from tutor.flows import review  # review -> menu -> path: imported when used

    course = turn.course()
    if course is None or not turn.lessons(course):
        return lesson_flow.show_card(turn)  # which says what is missing
    chosen = path.next_step(progress_of(turn, course))
    if chosen.kind == "done":
        return [Text(_(FINISHED))]
    why = Text(f"👉 {chosen.reason}")
    if chosen.kind == "review":
        return [why, *review.review(turn)]
    assert chosen.lesson is not None
    lesson = turn.session.get(LessonRow, chosen.lesson.id)
    assert lesson is not None  # the path chose it from the course's lessons
    if chosen.kind == "resume":
        if lesson.id != turn.enrollment(course).lesson_id:
            return lesson_flow.open_lesson(turn, lesson)
        return lesson_flow.show_card(turn)
    return [why, *lesson_flow.open_lesson(turn, lesson)]
