"""/review: the questions whose spaced review is due, most overdue first."""

from __future__ import annotations

from datetime import datetime

from tutor.actions import Screen
from tutor.flows import menu, quizzes
from tutor.learner.reviews import due_questions, next_due
from tutor.messages import Button, Reply, Text
from tutor.turn import Turn

__all__ = ["REVIEW_LENGTH", "review", "when"]

REVIEW_LENGTH = 10


def review(turn: Turn) -> list[Reply]:
    course = turn.course()
    if course is None:
        return menu.choose_course(turn)
    due = due_questions(turn.session, turn.learner.id, course.id, turn.now, REVIEW_LENGTH)
    if not due:
        upcoming = next_due(turn.session, turn.learner.id, course.id)
        later = f" The next one is due {when(upcoming, turn.now)}." if upcoming else \
            " Questions you answer in quizzes come back here when it's time to refresh them."
        return [Text(f"✅ Nothing to review right now.{later}",
                     buttons=((Button("Menu", Screen("menu")),),))]
    return [*quizzes.leave_quiz(turn),
            *quizzes.start_session(turn, due, "🔁 Review", kind="review", retry=None)]


def when(moment: datetime, now: datetime) -> str:
    seconds = (moment - now).total_seconds()
    if seconds < 3600:
        return f"in {max(1, round(seconds / 60))} minute{'s' if round(seconds / 60) > 1 else ''}"
    if seconds < 86_400:
        return f"in {round(seconds / 3600)} hour{'s' if round(seconds / 3600) > 1 else ''}"
    return f"in {round(seconds / 86_400)} day{'s' if round(seconds / 86_400) > 1 else ''}"
