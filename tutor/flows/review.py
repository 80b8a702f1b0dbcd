"""/review: the questions whose spaced review is due, most overdue first."""

from __future__ import annotations

from datetime import datetime

from tutor import i18n
from tutor.actions import Screen
from tutor.flows import menu, quizzes
from tutor.i18n import _, ngettext
from tutor.learner.path import REVIEWS_FIRST
from tutor.learner.reviews import due_questions, next_due
from tutor.messages import Button, Reply, Text
from tutor.turn import Turn

__all__ = ["REVIEW_LENGTH", "review", "when"]

REVIEW_LENGTH = REVIEWS_FIRST  # one session: what the path sends a learner to


def review(turn: Turn) -> list[Reply]:
    course = turn.course()
    if course is None:
        return menu.choose_course(turn)
    due = due_questions(turn.session, turn.learner.id, course.id, turn.now, REVIEW_LENGTH)
    if not due:
        upcoming = next_due(turn.session, turn.learner.id, course.id)
        later = _("The next one is due {when}.", when=when(upcoming, turn.now)) if upcoming \
            else _("Questions you answer in quizzes come back here when it's time to refresh "
                   "them.")
        return [Text(i18n.joined(_("✅ Nothing to review right now."), later),
                     buttons=((Button(_("Menu"), Screen("menu")),),))]
    return [*quizzes.leave_quiz(turn),
            *quizzes.start_session(turn, due, _("🔁 Review"), kind="review", retry=None)]


def when(moment: datetime, now: datetime) -> str:
    seconds = (moment - now).total_seconds()
    if seconds < 3600:
        return ngettext("in {n} minute", "in {n} minutes", max(1, round(seconds / 60)))
    if seconds < 86_400:
        return ngettext("in {n} hour", "in {n} hours", round(seconds / 3600))
    return ngettext("in {n} day", "in {n} days", round(seconds / 86_400))
