"""The database schema (SQLAlchemy 2). Attempts are the event log all else derives from."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "ArmTally",
    "AskedQuestion",
    "Attempt",
    "Base",
    "CardFeedback",
    "CardRow",
    "ConversationState",
    "CourseRow",
    "CourseTeacher",
    "Enrollment",
    "FittedModel",
    "GroupQuiz",
    "Identity",
    "InboxEvent",
    "Learner",
    "LessonCompletion",
    "LessonRow",
    "LoginLink",
    "QuestionRow",
    "ReviewCard",
    "RiskAlert",
    "SkillRow",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Moments stored in UTC. SQLite keeps a datetime's wall-clock digits and drops its
    zone, so 08:00 in Berlin would read back as 08:00 UTC; every aware moment is turned
    into UTC on its way in, whoever computed it in which zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class CourseRow(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(48), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(32))
    target_success: Mapped[float] = mapped_column(Float)
    alert_at: Mapped[float | None] = mapped_column(Float)  # else RISK_ALERT_AT
    source_path: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    lessons: Mapped[list[LessonRow]] = relationship(back_populates="course",
                                                    order_by="LessonRow.position")


class SkillRow(Base):
    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(48))
    description: Mapped[str] = mapped_column(Text)
    requires: Mapped[list[str]] = mapped_column(default=list, server_default="[]")  # builds on
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class LessonRow(Base):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(48))
    title: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    # The author's `order`; lessons sharing one may be taken in any order (learning paths
    # then follow what learners like this one did). None: imported before it was kept.
    authored_order: Mapped[int | None] = mapped_column(Integer)
    skills: Mapped[list[str]] = mapped_column(default=list)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # Made from a teacher's document: read and searched, never a step of a learning path.
    reference: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    course: Mapped[CourseRow] = relationship(back_populates="lessons")


class CardRow(Base):
    __tablename__ = "cards"
    __table_args__ = (UniqueConstraint("lesson_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class QuestionRow(Base):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("course_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(48))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    prompt: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(default=list)
    answers: Mapped[list[str]] = mapped_column(default=list)
    tolerance: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)
    hints: Mapped[list[str]] = mapped_column(default=list)
    skills: Mapped[list[str]] = mapped_column(default=list)
    difficulty: Mapped[int] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Learner(Base):
    __tablename__ = "learners"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(16), default="en")
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    identities: Mapped[list[Identity]] = relationship(back_populates="learner",
                                                      cascade="all, delete-orphan")


class Identity(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"),
                                            index=True)
    platform: Mapped[str] = mapped_column(String(32))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    # Set when the platform says we may not message them (they blocked the bot); cleared
    # when they write again. Nothing is sent to an unreachable identity.
    unreachable_since: Mapped[datetime | None] = mapped_column()
    learner: Mapped[Learner] = relationship(back_populates="identities")


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("learner_id", "course_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    card_position: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The learner's own setting: -1 easier questions, 0 as the course aims, +1 harder.
    challenge: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Skills a placement check showed the learner already knows: their lessons may be
    # skipped (and are marked so, never hidden).
    known_skills: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    placed_at: Mapped[datetime | None] = mapped_column()


class LessonCompletion(Base):
    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("learner_id", "lesson_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(Base):
    """One answer to one question: never updated, never deleted with a re-import.

    `event_key` names the answer's delivery (a platform update, or one showing of a
    question), so the same answer arriving twice is stored, and counted, once.
    """

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("learner_id", "event_key"),
                      Index("ix_attempts_course_id_answered_at", "course_id", "answered_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"),
                                            index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"),
                                             index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    response: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    response_ms: Mapped[int | None] = mapped_column(Integer)
    hints_used: Mapped[int] = mapped_column(Integer, default=0)
    context: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str | None] = mapped_column(String(96))


class ConversationState(Base):
    """Where a learner is: the course, the card, the open question, the quiz under way."""

    __tablename__ = "conversation_states"
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"),
                                            primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    mode: Mapped[str] = mapped_column(String(16), default="menu")
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id",
                                                               ondelete="SET NULL"))
    question_shown_at: Mapped[datetime | None] = mapped_column()
    hints_used: Mapped[int] = mapped_column(Integer, default=0)
    selected: Mapped[list[str]] = mapped_column(default=list)
    quiz: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A teacher's campaign being drafted (`tutor.flows.teaching`); {} when none.
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AskedQuestion(Base):
    """A question a learner asked: context for follow-ups, and the gaps report for teachers."""

    __tablename__ = "asked_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"),
                                            index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"),
                                                  index=True)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    text: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)
    engine: Mapped[str] = mapped_column(String(16))  # offline, llm, declined, own_work, elsewhere
    closest: Mapped[str] = mapped_column(Text, default="")  # the nearest lessons, for reports


class ReviewCard(Base):
    """Spaced review of one question for one learner: the fsrs card, stored as data."""

    __tablename__ = "review_cards"
    __table_args__ = (UniqueConstraint("learner_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    due: Mapped[datetime] = mapped_column(index=True)
    card: Mapped[dict[str, Any]] = mapped_column()
    reviews: Mapped[int] = mapped_column(Integer, default=0)


class FittedModel(Base):
    """Learner-model parameters fitted on one course's own attempt log."""

    __tablename__ = "fitted_models"
    __table_args__ = (UniqueConstraint("course_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # "mastery" or "risk"
    parameters: Mapped[dict[str, Any]] = mapped_column()
    answers: Mapped[int] = mapped_column(Integer)
    fitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Poll(Base):
    """A question sent as a platform's native poll, so its answers find their question
    after a restart."""

    __tablename__ = "polls"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    chat_id: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[str] = mapped_column(String(128))
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    closes_at: Mapped[datetime | None] = mapped_column()
    explained: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Whom a private poll was for (only they may answer it); None for a group's poll.
    user_id: Mapped[str | None] = mapped_column(String(128))
    quiz_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_quizzes.id", ondelete="CASCADE"), index=True)


class GroupQuiz(Base):
    """A quiz put to a whole group, one question at a time. Everything it needs to go on
    lives here, so any process can close a question when `closes_at` passes, also after a
    restart; `claimed_until` keeps two processes from closing the same one."""

    __tablename__ = "group_quizzes"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[str] = mapped_column(String(128))  # points and leaderboards count here
    chat_id: Mapped[str] = mapped_column(String(128))  # where its questions are posted
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    total: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)  # the open question's number, from 1
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"))
    asked: Mapped[list[int]] = mapped_column(JSON)
    # The language of whoever started it: the results, posted when a question's time is
    # up (outside anyone's turn), are written in it.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    closes_at: Mapped[datetime | None] = mapped_column(index=True)  # None: finished
    claimed_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PollVote(Base):
    """A group member's answer to a group poll; the first one counts (the unique key)."""

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(120))
    option: Mapped[int] = mapped_column(Integer)


class LinkCode(Base):
    """A one-time code that links a second platform's identity to this learner."""

    __tablename__ = "link_codes"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column()


class StudyGroup(Base):
    """A group on a platform (a Discord server, a Telegram group) and one of its channels:
    the course it studies and its time zone. `channel_id` "" holds server-wide settings."""

    __tablename__ = "study_groups"
    __table_args__ = (UniqueConstraint("platform", "group_id", "channel_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128), default="")
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")


class GroupPoints(Base):
    """Points a learner won in a group's quizzes in one week (weeks start on Monday in the
    group's time zone), for the weekly leaderboard."""

    __tablename__ = "group_points"
    __table_args__ = (UniqueConstraint("platform", "group_id", "learner_id", "week_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[str] = mapped_column(String(128))
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer, default=0)


class ArmTally(Base):
    """A campaign variant's record so far: nudges whose day has ended, and how many brought
    their learner back. Counted once, as each nudge's day ends (the mark `arms:c<id>` says
    how far), so choosing a variant never re-reads a campaign's whole history."""

    __tablename__ = "campaign_arm_tallies"
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    variant: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    came_back: Mapped[int] = mapped_column(Integer, default=0)


class InboxEvent(Base):
    """A platform update as it arrived, kept until handled: what lets several processes
    serve one bot. Each sender's events are handled one at a time, in `seq` order (the
    platform's own update number), by whichever process holds the oldest one's lease; a
    process that dies mid-turn lets its lease run out and another takes the event over.
    Handled rows stay a day, so a platform's second delivery of one update is recognised."""

    __tablename__ = "inbox_events"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sender: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column()
    lease_until: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_inbox_events_waiting", "platform", "done_at", "sender", "seq"),)


class PlanMark(Base):
    """How far the nudge planner has planned a campaign (`c<id>`) or an automatic rule of a
    course (`auto:<rule>:<course id>`): a run plans only occurrences after it, so a minute
    with nothing newly due reads almost nothing."""

    __tablename__ = "plan_marks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    planned_through: Mapped[datetime] = mapped_column()


class Campaign(Base):
    """A teacher's nudge campaign; audience, schedule and variants as validated JSON
    (`nudges.campaign.CampaignSpec`)."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    spec: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="active")  # paused, cancelled
    created_by: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Nudge(Base):
    """The outbox: one row per (campaign or rule, occurrence, learner), written before any
    sending; `key` makes planning idempotent and each nudge go out at most once."""

    __tablename__ = "nudges"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(32), default="campaign")
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"),
                                            index=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    variant: Mapped[int] = mapped_column(Integer, default=0)  # -1: the control group
    text: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(64), default="")
    due_at: Mapped[datetime] = mapped_column(index=True)
    # pending -> sending -> sent | failed; or control, skipped, unknown (see dispatcher)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    sent_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")


class RiskAlert(Base):
    """A learner's risk of dropping out crossing the alert line: raised once per crossing
    (the next only after the risk has fallen below the line, `cleared_at`), sent to the
    teachers, and what a teacher did about it (`status`: new, sent, encouraged,
    contacting, dismissed)."""

    __tablename__ = "risk_alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"),
                                            index=True)
    risk: Mapped[float] = mapped_column(Float)
    # Each reason as data (tutor.learner.reasons.Said), put in words where it is shown;
    # alerts raised by earlier versions hold English words instead.
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    handled_by: Mapped[str] = mapped_column(String(160), default="")
    handled_at: Mapped[datetime | None] = mapped_column()


class CardFeedback(Base):
    """A learner's word on a card (or, with no card, a whole lesson): clear or confusing,
    and what confused them. One per learner and card."""

    __tablename__ = "card_feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"),
                                            index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"),
                                           index=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    verdict: Mapped[str] = mapped_column(String(16))  # clear, confusing
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginLink(Base):
    """A one-time sign-in link to the teachers' dashboard: only the token's hash is kept,
    it expires, and it is spent by its first use."""

    __tablename__ = "login_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    teacher: Mapped[str] = mapped_column(String(160), index=True)  # platform:user_id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class CourseTeacher(Base):
    """Who teaches a course, beyond TEACHERS (who see every course): added by an admin, or
    by a Discord server's teacher asking for the dashboard in the server of the course."""

    __tablename__ = "course_teachers"
    __table_args__ = (UniqueConstraint("course_id", "teacher"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    teacher: Mapped[str] = mapped_column(String(160), index=True)
    added_by: Mapped[str] = mapped_column(String(160), default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
