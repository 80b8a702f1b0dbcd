"""What chat adapters keep beyond a turn: native polls and their answers, who blocked the
bot, and questions put to a whole group. Synchronous, like `Tutor.handle`."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from content import POLL_LIMITS
from tutor.grading import correct_indices, display_options
from tutor.messages import Identity, QuestionReply
from tutor.reach import set_reachable
from tutor.storage.database import Database
from tutor.storage.models import (
    ConversationState,
    CourseRow,
    Poll,
    PollVote,
    QuestionRow,
    utcnow,
)
from tutor.storage.models import Identity as IdentityRow
from tutor.turn import as_utc

__all__ = ["GroupResults", "PlatformStore", "SentPoll", "fits_poll"]


def fits_poll(reply: QuestionReply) -> bool:
    """A single-answer question within Telegram's quiz-poll limits (the core's limits)."""
    return (reply.kind in ("single", "true_false") and len(reply.correct) == 1
            and 2 <= len(reply.options) <= POLL_LIMITS.options
            and len(reply.prompt) <= POLL_LIMITS.question
            and all(len(o) <= POLL_LIMITS.option for o in reply.options))


@dataclass(frozen=True)
class SentPoll:
    question_id: int
    chat_id: str
    message_id: str
    is_group: bool
    closes_at: datetime | None
    explained: bool = False  # the poll shows the explanation itself


@dataclass(frozen=True)
class GroupResults:
    question: QuestionReply
    answers: Mapping[str, tuple[str, int]]  # user id -> (name, option)

    def right(self) -> list[str]:
        return sorted(n for n, o in self.answers.values() if o in self.question.correct)

    def wrong(self) -> list[str]:
        return sorted(n for n, o in self.answers.values() if o not in self.question.correct)


def _reply(question: QuestionRow, header: str = "") -> QuestionReply:
    return QuestionReply(question_id=question.id, kind=question.kind, prompt=question.prompt,
                         options=display_options(question), correct=correct_indices(question),
                         explanation=question.explanation, header=header)


class PlatformStore:
    def __init__(self, database: Database, platform: str) -> None:
        self._db = database
        self.platform = platform

    def remember_poll(self, poll_id: str, question_id: int, chat_id: str, message_id: str,
                      *, is_group: bool = False, closes_at: datetime | None = None,
                      explained: bool = False) -> None:
        with self._db.session() as session:
            session.add(Poll(platform=self.platform, external_id=poll_id,
                             question_id=question_id, chat_id=chat_id, message_id=message_id,
                             is_group=is_group, closes_at=closes_at, sent_at=utcnow(),
                             explained=explained))
            session.commit()

    def find_poll(self, poll_id: str) -> SentPoll | None:
        with self._db.session() as session:
            row = self._poll(session, poll_id)
            if row is None:
                return None
            return SentPoll(row.question_id, row.chat_id, row.message_id, row.is_group,
                            row.closes_at, row.explained)

    def _poll(self, session: Session, poll_id: str) -> Poll | None:
        return session.scalar(select(Poll).where(Poll.platform == self.platform,
                                                 Poll.external_id == poll_id))

    def record_group_answer(self, poll_id: str, user_id: str, name: str, option: int) -> bool:
        """The first answer of each member counts: False for a later one, an unknown poll or
        a closed one."""
        with self._db.session() as session:
            row = self._poll(session, poll_id)
            if row is None or (row.closes_at is not None and utcnow() > as_utc(row.closes_at)):
                return False
            try:
                session.add(PollVote(poll_id=row.id, user_id=user_id, name=name[:120],
                                     option=option))
                session.commit()
            except IntegrityError:
                return False  # they answered already: the first answer stands
            return True

    def group_results(self, poll_id: str) -> GroupResults | None:
        with self._db.session() as session:
            row = self._poll(session, poll_id)
            if row is None:
                return None
            question = session.get(QuestionRow, row.question_id)
            if question is None:
                return None
            answers = {v.user_id: (v.name, v.option) for v in session.scalars(
                select(PollVote).where(PollVote.poll_id == row.id))}
            return GroupResults(_reply(question), answers)

    def group_question(self, identity: Identity, course: str | None,
                       rng: random.Random | None = None) -> QuestionReply | str:
        """A question for everyone: from the named course, or the asker's own course."""
        with self._db.session() as session:
            row = None
            if course:
                row = session.scalar(select(CourseRow).where(CourseRow.slug == course.lower()))
                if row is None:
                    return f"There is no course called `{course[:40]}`."
            else:
                state = session.scalar(select(ConversationState).join(
                    IdentityRow, IdentityRow.learner_id == ConversationState.learner_id).where(
                    IdentityRow.platform == identity.platform,
                    IdentityRow.platform_user_id == identity.user_id))
                if state is not None and state.course_id is not None:
                    row = session.get(CourseRow, state.course_id)
            if row is None:
                return "Which course? Say `/groupquiz COURSE`, e.g. `/groupquiz python-basics`."
            candidates = [q for q in session.scalars(select(QuestionRow).where(
                QuestionRow.course_id == row.id, QuestionRow.retired.is_(False)))
                if fits_poll(_reply(q))]
            if not candidates:
                return f"{row.title} has no single-answer questions for a group quiz."
            return _reply((rng or random).choice(candidates), header=f"Group quiz: {row.title}")

    def set_unreachable(self, user_id: str, unreachable: bool) -> None:
        with self._db.session() as session:
            set_reachable(session, self.platform, user_id, not unreachable, utcnow())
            session.commit()

    def is_unreachable(self, user_id: str) -> bool:
        with self._db.session() as session:
            since = session.scalar(select(IdentityRow.unreachable_since).where(
                IdentityRow.platform == self.platform, IdentityRow.platform_user_id == user_id))
            return since is not None
