"""/link: one learner on two platforms, by a one-time code made on one and typed on the other.

The learner who made the code keeps their record; the one typing it is merged in: their
identities, answers, reviews and lessons move over, and where both hold the same thing
(a review card of the same question, say) the code maker's stays.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tutor.i18n import _
from tutor.messages import Reply, Text
from tutor.storage.models import (
    AskedQuestion,
    Attempt,
    ConversationState,
    Enrollment,
    GroupPoints,
    Identity,
    Learner,
    LessonCompletion,
    LinkCode,
    ReviewCard,
)
from tutor.turn import Turn, as_utc

__all__ = ["CODE_MINUTES", "link"]

CODE_MINUTES = 10
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread


def link(turn: Turn) -> list[Reply]:
    typed = turn.event.text.strip().upper().replace(" ", "").replace("-", "")
    if not typed:
        return [_new_code(turn)]
    found = turn.session.get(LinkCode, typed)
    if found is None or as_utc(found.expires_at) < turn.now:
        return [Text(_("That code is unknown or has expired. Make a new one with /link on "
                       "the other app; it works for {minutes} minutes.", minutes=CODE_MINUTES))]
    if found.learner_id == turn.learner.id:
        return [Text(_("That code is your own: type it in the *other* app to link it here."))]
    target = turn.session.get(Learner, found.learner_id)
    if target is None:
        return [Text(_("That code is unknown or has expired."))]
    source, target_id = turn.learner.id, target.id
    turn.session.expunge_all()  # the rows of this turn move below, by SQL
    turn.session.execute(delete(LinkCode).where(LinkCode.code == typed))  # used once
    _merge(turn.session, source, target_id)
    return [Text(_("🔗 Linked! Your progress is now one, whichever app you use. /progress "
                   "shows it all."))]


def _new_code(turn: Turn) -> Text:
    code = "".join(secrets.choice(_ALPHABET) for _position in range(6))
    turn.session.execute(delete(LinkCode).where(LinkCode.learner_id == turn.learner.id))
    turn.session.add(LinkCode(code=code, learner_id=turn.learner.id,
                              expires_at=turn.now + timedelta(minutes=CODE_MINUTES)))
    return Text(_("🔗 Your code: **{code}**\n\nOn the other app (Telegram or Discord), send "
                  "`/link {code}` within {minutes} minutes to share one progress.",
                  code=code, minutes=CODE_MINUTES))


def _merge(session: Session, source: int, target: int) -> None:
    """Move everything of `source` to `target`, keeping the target's row on a clash."""
    clashes = (
        (ReviewCard, ReviewCard.question_id),
        (Enrollment, Enrollment.course_id),
        (LessonCompletion, LessonCompletion.lesson_id),
    )
    for table, key in clashes:
        taken = select(key).where(table.learner_id == target).scalar_subquery()
        session.execute(delete(table).where(table.learner_id == source, key.in_(taken)))
    taken_weeks = select(GroupPoints.week_start).where(GroupPoints.learner_id == target)
    session.execute(delete(GroupPoints).where(GroupPoints.learner_id == source,
                                              GroupPoints.week_start.in_(taken_weeks)))
    movable: tuple[type[Any], ...] = (ReviewCard, Enrollment, LessonCompletion, Attempt,
                                      AskedQuestion, GroupPoints, Identity)
    for moved in movable:
        session.execute(update(moved).where(moved.learner_id == source)
                        .values(learner_id=target))
    session.execute(delete(ConversationState).where(ConversationState.learner_id == source))
    session.execute(delete(Learner).where(Learner.id == source))
