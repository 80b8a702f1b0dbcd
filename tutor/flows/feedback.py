"""Learners tell their teacher which cards confuse them: a "clear / confusing" choice at the
end of a lesson (about the lesson) and after a missed question (about the card that teaches
it), never twice for the same card; "confusing" invites a one-message comment."""

from __future__ import annotations

import re

from sqlalchemy import select

from tutor.actions import Feedback
from tutor.i18n import _
from tutor.messages import Button, Reply, Text
from tutor.storage.kept import kept
from tutor.storage.models import CardFeedback, CardRow, CourseRow, LessonRow, QuestionRow
from tutor.turn import Turn

__all__ = ["COMMENT_STEP", "about_lesson", "about_question", "comment", "record"]

COMMENT_STEP = "comment"
_WORD = re.compile(r"[^\W\d_]{3,}")


def _asked(turn: Turn, lesson_id: int, card_id: int | None) -> bool:
    return turn.session.scalar(select(CardFeedback.id).where(
        CardFeedback.learner_id == turn.learner.id, CardFeedback.lesson_id == lesson_id,
        CardFeedback.card_id.is_(None) if card_id is None else CardFeedback.card_id == card_id
    )) is not None


def _choice(lesson_id: int, card_id: int, question: str) -> Text:
    return Text(question, buttons=((Button(_("👍 Clear"),
                                           Feedback(lesson_id, card_id, "clear")),
                                    Button(_("😕 Confusing"),
                                           Feedback(lesson_id, card_id, "confusing"))),))


def about_lesson(turn: Turn, lesson: LessonRow) -> list[Reply]:
    if _asked(turn, lesson.id, None):
        return []
    return [_choice(lesson.id, 0, _("Was **{lesson}** clear to you?",
                                            lesson=lesson.title))]


def about_question(turn: Turn, question: QuestionRow) -> list[Reply]:
    """After a missed question: the card of its lesson that shares most words with it."""
    course = turn.session.get(CourseRow, question.course_id)
    assert course is not None  # a question belongs to its course (cascade)
    # A matter of the content alone: worked out once per question and content, not on
    # every missed answer (it reads and scans all the lesson's cards).
    card = kept(turn.session, ("card for", question.id), course.content_hash,
                lambda: _teaching_card(turn, question))
    if card is None or _asked(turn, question.lesson_id, card[0]):
        return []
    return [_choice(question.lesson_id, card[0], _("Was the card **{card}** clear?",
                                                          card=card[1]))]


def _teaching_card(turn: Turn, question: QuestionRow) -> tuple[int, str] | None:
    """(id, title) of the card of the question's lesson sharing most words with it."""
    words = set(_WORD.findall(" ".join([question.prompt, question.explanation,
                                        *question.answers]).lower()))
    cards = turn.session.scalars(select(CardRow).where(
        CardRow.lesson_id == question.lesson_id, CardRow.retired.is_(False))
        .order_by(CardRow.position)).all()
    if not cards:
        return None
    card = max(cards, key=lambda c: len(words & set(_WORD.findall(
        f"{c.title} {c.body}".lower()))))
    return card.id, card.title


def record(turn: Turn, action: Feedback) -> list[Reply]:
    card_id = action.card_id or None
    lesson = turn.session.get(LessonRow, action.lesson_id)
    if lesson is None or action.verdict not in ("clear", "confusing") or (
            card_id is not None and turn.session.get(CardRow, card_id) is None):
        return [Text(_("That is no longer in the course."))]
    if _asked(turn, lesson.id, card_id):
        return [Text(_("You told me about this one already. Thank you!"))]
    row = CardFeedback(learner_id=turn.learner.id, lesson_id=lesson.id, card_id=card_id,
                       verdict=action.verdict, created_at=turn.now)
    turn.session.add(row)
    turn.session.flush()
    if action.verdict == "clear":
        return [Text(_("Thanks! 👍"))]
    if turn.state.question_id is not None:  # mid-quiz, typed words answer the question
        return [Text(_("Thanks for saying so: your teacher will see it."))]
    turn.state.draft = {"step": COMMENT_STEP, "feedback": str(row.id)}
    return [Text(_("Thanks for saying so. What was confusing? Tell me in one message and "
                   "your teacher will see it, or just carry on."))]


def comment(turn: Turn, text: str) -> list[Reply]:
    row = turn.session.get(CardFeedback, int(turn.state.draft.get("feedback", "0") or 0))
    turn.state.draft = {}
    if row is None or row.learner_id != turn.learner.id:
        return []
    row.comment = text.strip()[:1000]
    return [Text(_("Thank you: your teacher will see it. 🙏"))]
