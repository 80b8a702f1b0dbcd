"""Group quizzes: questions put to everyone in a group chat, one at a time, for a set time.

All of a quiz's state is its `GroupQuiz` row and the polls and votes under it; nothing waits
in memory. The adapters ask `due` every second or so (PTB's JobQueue, discord.py's tasks),
post what it returns and report back with `posted`; so a question whose time ran out while
the bot was down is closed, with its results, as soon as a process runs again. A close-out is
claimed for LEASE first: two processes never post the same results, and a process killed
between claiming and posting leaves the claim to run out and another to post them.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutor import i18n
from tutor.flows import quizzes
from tutor.grading import correct_indices, display_options
from tutor.groups import award, linked_course
from tutor.i18n import N_, _, ngettext
from tutor.markup import plain
from tutor.messages import GroupQuestion, Posting, QuestionReply, Reply, Sent, Text
from tutor.storage.models import CourseRow, GroupQuiz, Identity, Poll, PollVote, QuestionRow
from tutor.turn import Turn, as_utc

__all__ = ["LEASE", "Request", "due", "end", "parse_request", "posted", "record_sent",
           "start", "vote"]

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
GRACE = timedelta(seconds=1)  # votes still on their way when a poll closes
MAX_QUESTIONS = 20
SECONDS = (5, 600)

ONLY_IN_GROUPS = N_("Group quizzes are for groups: add me to a group (Telegram) or a server "
                    "(Discord) and start one there with /groupquiz.")
RECEIVED = N_("✅ Your answer is in. Results when the time is up!")
ALREADY = N_("You've answered this one already: the first answer counts.")
CLOSED = N_("⌛ This question has closed.")
NOT_HERE = N_("That button is not valid here.")


def question_reply(question: QuestionRow, header: str = "") -> QuestionReply:
    return QuestionReply(question_id=question.id, kind=question.kind, prompt=question.prompt,
                         options=display_options(question), correct=correct_indices(question),
                         explanation=question.explanation, header=header)


@dataclass(frozen=True)
class Request:
    course: str | None
    questions: int
    seconds: int


def parse_request(text: str, default_seconds: int) -> Request | str:
    """`/groupquiz [course] [questions] [seconds]s`: `python-basics 3 20s`; a number alone
    is the number of questions, one ending in `s` the seconds per question."""
    course, questions, seconds = None, 1, default_seconds
    for word in text.split():
        low = word.lower()
        if low.isdigit():
            questions = int(low)
            if not 1 <= questions <= MAX_QUESTIONS:
                return _("A group quiz has 1 to {most} questions.", most=MAX_QUESTIONS)
        elif low.removesuffix("s").isdigit() and low.endswith("s"):
            seconds = int(low.removesuffix("s"))
            if not SECONDS[0] <= seconds <= SECONDS[1]:
                return _("Each question stays open {least} to {most} seconds.",
                         least=SECONDS[0], most=SECONDS[1])
        elif course is None:
            course = word
        else:
            return _("Say `/groupquiz`, optionally with a course, a number of questions and "
                     "the seconds for each: `/groupquiz python-basics 3 20s`.")
    return Request(course, questions, seconds)


def start(turn: Turn, default_seconds: int) -> list[Reply]:
    event = turn.event
    if not event.is_group:
        return [Text(_(ONLY_IN_GROUPS))]
    request = parse_request(event.text, default_seconds)
    if isinstance(request, str):
        return [Text(request)]
    course = _course(turn, request.course)
    if isinstance(course, str):
        return [Text(course)]
    running = turn.session.scalar(select(GroupQuiz).where(
        GroupQuiz.platform == event.identity.platform, GroupQuiz.chat_id == event.chat_id,
        GroupQuiz.closes_at.is_not(None)))
    if running is not None:
        return [Text(_("A group quiz is running here already: answer it first!"))]
    quiz = GroupQuiz(platform=event.identity.platform, group_id=event.group,
                     chat_id=event.chat_id, course_id=course.id, total=request.questions,
                     seconds=request.seconds, number=1, asked=[], language=i18n.language(),
                     closes_at=turn.now + timedelta(seconds=request.seconds) + GRACE)
    turn.session.add(quiz)
    turn.session.flush()
    question = _pick(turn.session, quiz)
    if question is None:
        turn.session.delete(quiz)
        return [Text(_("{course} has no single-answer questions for a group quiz.",
                       course=course.title))]
    _ask(quiz, question)
    return [Text(ngettext("🎲 **Group quiz: {course}**, {n} question of {seconds} seconds. "
                          "Everyone can answer; the first answer counts!",
                          "🎲 **Group quiz: {course}**, {n} questions of {seconds} seconds "
                          "each. Everyone can answer; the first answer counts!", quiz.total,
                          course=plain(course.title), seconds=quiz.seconds)),
            _group_question(turn.session, quiz, question, 1)]


def _course(turn: Turn, slug: str | None) -> CourseRow | str:
    session, event = turn.session, turn.event
    if slug:
        found = session.scalar(select(CourseRow).where(CourseRow.slug == slug.lower()))
        return found if found is not None else \
            _("There is no course called `{slug}`.", slug=slug[:40])
    linked = linked_course(session, event.identity.platform, event.group, event.chat_id)
    if linked is not None:
        return linked
    own = turn.course()
    if own is not None:
        return own
    return _("Which course? Say `/groupquiz COURSE`, e.g. `/groupquiz python-basics`.")


def _pick(session: Session, quiz: GroupQuiz) -> QuestionRow | None:
    """A question not asked yet in this quiz; the same one every time for the same quiz and
    number, so a close-out run twice (after a crash) posts the same next question."""
    candidates = [q for q in session.scalars(select(QuestionRow).where(
        QuestionRow.course_id == quiz.course_id, QuestionRow.retired.is_(False))
        .order_by(QuestionRow.id)) if q.id not in quiz.asked and question_reply(q).fits_poll]
    if not candidates:
        return None
    return random.Random(f"{quiz.id}:{len(quiz.asked)}").choice(candidates)


def _ask(quiz: GroupQuiz, question: QuestionRow) -> None:
    quiz.question_id = question.id
    quiz.asked = [*quiz.asked, question.id]


def _group_question(session: Session, quiz: GroupQuiz, question: QuestionRow, number: int
                    ) -> GroupQuestion:
    course = session.get(CourseRow, quiz.course_id)
    title = course.title if course is not None else ""
    header = _("Group quiz: {course}", course=title) + \
        (f" ({number}/{quiz.total})" if quiz.total > 1 else "")
    return GroupQuestion(question_reply(question, header), quiz.id, number, quiz.total,
                         quiz.seconds)


# -- the adapter reports where a question went -----------------------------------------------

def record_sent(session: Session, platform: str, sent: Sent, now: datetime) -> None:
    quiz = session.get(GroupQuiz, sent.quiz_id) if sent.quiz_id is not None else None
    closes = None
    if quiz is not None:
        closes = now + timedelta(seconds=quiz.seconds)
        if quiz.question_id == sent.question_id and quiz.closes_at is not None:
            # The quiz's first question: it now runs from here (a Discord thread, say).
            quiz.chat_id = sent.chat_id
            quiz.closes_at = closes + GRACE
    session.add(Poll(platform=platform, external_id=sent.external_id,
                     question_id=sent.question_id, chat_id=sent.chat_id,
                     message_id=sent.message_id, is_group=quiz is not None,
                     user_id=sent.for_user, quiz_id=quiz.id if quiz else None,
                     closes_at=closes, sent_at=now, explained=sent.explained))


# -- votes -----------------------------------------------------------------------------------

def vote(turn: Turn, poll: Poll, option: int) -> list[Reply]:
    """A member's answer to a group question: the first one counts, in their own learner
    model too; they alone get a word back (the group sees the results at the close)."""
    event = turn.event
    if event.chat_id and event.chat_id != poll.chat_id:
        return [Text(_(NOT_HERE), role="receipt")]
    if poll.closes_at is not None and turn.now > as_utc(poll.closes_at):
        return [Text(_(CLOSED), role="receipt")]
    try:
        with turn.session.begin_nested():
            turn.session.add(PollVote(poll_id=poll.id, user_id=event.identity.user_id,
                                      name=(event.display_name or turn.learner.display_name)
                                      [:120], option=option))
    except IntegrityError:
        return [Text(_(ALREADY), role="receipt")]
    quizzes.group_answer(turn, poll.question_id, (option,))
    return [Text(_(RECEIVED), role="receipt")]


# -- closing questions -----------------------------------------------------------------------

def due(session: Session, platform: str, now: datetime) -> list[Posting]:
    """Claim the quizzes whose open question's time is up, and what to post for each: its
    results, then the next question or the final scores. Commit, post, then `posted`."""
    postings = []
    for quiz in session.scalars(select(GroupQuiz).where(
            GroupQuiz.platform == platform, GroupQuiz.closes_at <= now,
            or_(GroupQuiz.claimed_until.is_(None), GroupQuiz.claimed_until < now))).all():
        claimed = session.execute(update(GroupQuiz).where(
            GroupQuiz.id == quiz.id, GroupQuiz.number == quiz.number,
            or_(GroupQuiz.claimed_until.is_(None), GroupQuiz.claimed_until < now))
            .values(claimed_until=now + LEASE).execution_options(synchronize_session=False))
        if getattr(claimed, "rowcount", 0) != 1:
            continue  # another process got there first
        session.refresh(quiz)
        with i18n.speaking(quiz.language):
            posting = _close_out(session, quiz)
        if posting is not None:
            postings.append(posting)
    return postings


def _close_out(session: Session, quiz: GroupQuiz) -> Posting | None:
    question = session.get(QuestionRow, quiz.question_id) if quiz.question_id else None
    polls = _open_polls(session, quiz)
    if question is None or not polls:
        # Never posted (the platform refused it, or we stopped right after /groupquiz),
        # or its question was deleted: nothing to announce.
        log.info("group quiz %s ended: its question %s was never posted", quiz.id,
                 quiz.question_id)
        _finish(quiz)
        return None
    replies: list[Reply] = [Text(_results(session, quiz, question, polls))]
    following = _pick(session, quiz) if quiz.number < quiz.total else None
    if following is not None:  # the row moves on only once this has been posted
        replies.append(_group_question(session, quiz, following, quiz.number + 1))
    elif quiz.total > 1:
        replies.append(Text(_final_scores(session, quiz)))
    return Posting(quiz.id, quiz.number, quiz.chat_id, tuple(replies), polls[0].message_id)


def _next_question(session: Session, quiz: GroupQuiz) -> QuestionRow | None:
    """The question the close-out posted after this one (what the group saw), else what
    it would have picked."""
    shown = session.scalar(select(Poll.question_id).where(
        Poll.quiz_id == quiz.id, Poll.question_id.not_in(quiz.asked)).order_by(Poll.id))
    found = session.get(QuestionRow, shown) if shown is not None else None
    return found or _pick(session, quiz)


def _open_polls(session: Session, quiz: GroupQuiz) -> list[Poll]:
    """Where the open question was posted (more than once after a crash mid-post)."""
    return list(session.scalars(select(Poll).where(
        Poll.quiz_id == quiz.id, Poll.question_id == quiz.question_id).order_by(Poll.id)))


def _finish(quiz: GroupQuiz) -> None:
    quiz.closes_at = None
    quiz.claimed_until = None


def _votes(session: Session, polls: list[Poll]) -> list[PollVote]:
    return list(session.scalars(select(PollVote).where(
        PollVote.poll_id.in_([p.id for p in polls])).order_by(PollVote.id)))


def _results(session: Session, quiz: GroupQuiz, question: QuestionRow, polls: list[Poll]
             ) -> str:
    reply = question_reply(question)
    votes = _votes(session, polls)
    right = sorted(plain(v.name) for v in votes if v.option in reply.correct)
    wrong = sorted(plain(v.name) for v in votes if v.option not in reply.correct)
    answer = plain(reply.options[reply.correct[0]])
    lines = [_("⏱ **Time's up!** (question {number} of {total}) The answer: **{answer}**",
               number=quiz.number, total=quiz.total, answer=answer) if quiz.total > 1
             else _("⏱ **Time's up!** The answer: **{answer}**", answer=answer)]
    if reply.explanation:
        lines.append(reply.explanation)
    lines.append(f"✅ {', '.join(right)}" if right else _("Nobody got it this time."))
    if wrong:
        lines.append(f"❌ {', '.join(wrong)}")
    return "\n\n".join(lines)


def _scores(session: Session, quiz: GroupQuiz) -> dict[str, tuple[str, int]]:
    """Each member who answered: their name and how many they got right."""
    polls = list(session.scalars(select(Poll).where(Poll.quiz_id == quiz.id)))
    correct = {p.id: correct_indices(q) for p in polls
               if (q := session.get(QuestionRow, p.question_id)) is not None}
    scores: dict[str, tuple[str, int]] = {}
    for v in _votes(session, polls):
        name, points = scores.get(v.user_id, (v.name, 0))
        scores[v.user_id] = (name, points + (v.option in correct.get(v.poll_id, ())))
    return scores


def _final_scores(session: Session, quiz: GroupQuiz) -> str:
    board = sorted(_scores(session, quiz).values(), key=lambda s: (-s[1], s[0]))
    lines = [f"**{i}.** {plain(name)}: "
             + ngettext("{n} point", "{n} points", points)
             for i, (name, points) in enumerate(board, 1)] or [_("Nobody answered.")]
    return _("🏁 **Final scores**") + "\n\n" + "\n".join(lines)


def end(session: Session, quiz_id: int) -> None:
    quiz = session.get(GroupQuiz, quiz_id)
    if quiz is not None:
        _finish(quiz)


def posted(session: Session, posting: Posting, now: datetime, *, delivered: bool) -> None:
    """The results are out: points count and the quiz moves on (or ends). Once only: a
    report for a question already moved past changes nothing."""
    quiz = session.get(GroupQuiz, posting.quiz_id, with_for_update=True)
    if quiz is None or quiz.number != posting.number or quiz.closes_at is None:
        return
    question = session.get(QuestionRow, quiz.question_id) if quiz.question_id else None
    if question is not None:
        right = correct_indices(question)
        winners = {v.user_id for v in _votes(session, _open_polls(session, quiz))
                   if v.option in right}
        for user_id in winners:  # a point each, once however often it was posted
            learner_id = session.scalar(select(Identity.learner_id).where(
                Identity.platform == quiz.platform, Identity.platform_user_id == user_id))
            if learner_id is not None:
                award(session, quiz.platform, quiz.group_id, learner_id, 1, now)
    following = _next_question(session, quiz) if delivered and quiz.number < quiz.total \
        else None
    quiz.claimed_until = None
    if following is None:
        if not delivered:
            log.warning("group quiz %s in chat %s stopped: its results could not be posted",
                        quiz.id, quiz.chat_id)
        _finish(quiz)
        return
    quiz.number += 1
    _ask(quiz, following)
    sent = session.scalar(select(Poll.closes_at).where(
        Poll.quiz_id == quiz.id, Poll.question_id == following.id))
    quiz.closes_at = (as_utc(sent) if sent else now + timedelta(seconds=quiz.seconds)) + GRACE
