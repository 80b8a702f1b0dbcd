"""`Tutor.handle(event) -> replies`: the one place where a conversation turn happens."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from tutor import i18n, metrics, preferences
from tutor.actions import (
    Action,
    AlertChoice,
    AnswerTyped,
    Choose,
    DraftSet,
    Feedback,
    Forget,
    Hint,
    Mute,
    OpenCard,
    OpenLesson,
    PickCourse,
    QuestionAction,
    Screen,
    SetPreference,
    Skip,
    StartQuiz,
    Submit,
    Tick,
    Vote,
)
from tutor.flows import (
    account,
    ask,
    feedback,
    group_quiz,
    lessons,
    linking,
    menu,
    path,
    placement,
    quizzes,
    review,
    settings,
    study_groups,
)
from tutor.flows import documents as documents_flow
from tutor.flows import progress as progress_flow
from tutor.flows.dashboard import NOT_RUNNING, DashboardLinks
from tutor.flows.documents import DocumentShelf
from tutor.flows.teaching import NOT_A_TEACHER, TYPED_STEPS, Teaching
from tutor.grading import normalize
from tutor.i18n import N_, _
from tutor.messages import Identity as Who
from tutor.messages import Inbound, Posting, Reply, Sent, Text
from tutor.preferences import onboarding_step
from tutor.qa.answerer import Answerer
from tutor.reach import set_reachable
from tutor.storage.database import Database, describe_storage_error
from tutor.storage.models import (
    Attempt,
    CardRow,
    ConversationState,
    Identity,
    Learner,
    LessonRow,
    Poll,
    utcnow,
)
from tutor.teaching import CampaignDesk
from tutor.turn import Turn

__all__ = ["Tutor"]

log = logging.getLogger(__name__)
Handler = Callable[[Turn], list[Reply]]

EXPIRED = N_("⌛ This question has expired.")
NOT_VALID = N_("That button is not valid here.")
STORAGE_TROUBLE = N_("⚠️ I could not save that just now, so nothing changed. Please try "
                     "again in a moment.")
_MEDIA_REPLY = N_("I can only read text, so I can't take in {what}. Type your answer or "
                  "your question (a photo's caption counts as text), or /help for everything "
                  "I do.")
_MEDIA_NAMES = {"voice": N_("voice messages"), "video_note": N_("video messages"),
                "audio": N_("audio"), "video": N_("videos"), "sticker": N_("stickers"),
                "animation": N_("GIFs"), "photo": N_("pictures"), "document": N_("files"),
                "location": N_("locations"), "contact": N_("contacts"), "poll": N_("polls"),
                "dice": N_("dice")}
PLAIN_WORDS = {"next": "next", "n": "next", "back": "back", "b": "back", "menu": "menu",
               "m": "menu", "help": "help"}


class Tutor:
    """The platform-agnostic tutor. Adapters turn updates into `Inbound` and render replies."""

    def __init__(self, database: Database, *, answerer: Answerer | None = None,
                 llm_daily_quota: int = 50, max_message_chars: int = 4000,
                 charts_dir: Path | None = None, group_quiz_seconds: int = 30,
                 desk: CampaignDesk | None = None, teachers: Sequence[str] = (),
                 links: DashboardLinks | None = None,
                 documents: DocumentShelf | None = None,
                 on_content_change: Callable[[], object] | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._charts_dir = charts_dir
        self._answerer = answerer
        self._llm_quota = llm_daily_quota
        self._max_chars = max_message_chars
        self._clock = clock
        self._group_seconds = group_quiz_seconds
        self.teaching = Teaching(desk, teachers, database, charts_dir)
        self._documents = documents
        self._on_content_change = on_content_change  # the search index catches up
        self._commands: dict[str, Handler] = {
            "start": menu.start, "help": menu.help_text, "courses": menu.choose_course,
            "course": lambda t: _set_course(t, t.event.text), "menu": menu.menu,
            "lessons": menu.lesson_list, "lesson": self._lesson, "next": _next, "back": _back,
            "quiz": self._quiz, "hint": quizzes.hint, "skip": quizzes.skip, "score": menu.score,
            "ask": lambda t: self._ask(t, t.event.text),
            "progress": lambda t: progress_flow.progress(t, self._charts_dir),
            "review": review.review, "placement": placement.start,
            "settings": settings.settings, "stop": settings.stop,
            "forgetme": account.confirm_forget, "link": linking.link,
            "groupquiz": lambda t: group_quiz.start(t, self._group_seconds),
            "campaign": self.teaching.campaign, "campaigns": self.teaching.campaigns,
            "cancel": self.teaching.cancel, "report": self.teaching.report,
            "group": lambda t: study_groups.group_settings(t, self.teaching),
            "leaderboard": study_groups.standings,
            "dashboard": lambda t: self._dashboard(t, links),
            "adddoc": self._add_document,
        }

    def _dashboard(self, turn: Turn, links: DashboardLinks | None) -> list[Reply]:
        if links is not None:
            return links.link(turn)
        return [Text(_(NOT_RUNNING if self.teaching.is_teacher(turn) else NOT_A_TEACHER))]

    def _add_document(self, turn: Turn) -> list[Reply]:
        if not self.teaching.is_teacher(turn):
            return [Text(_(NOT_A_TEACHER))]
        if self._documents is None:
            return [Text(_("Adding documents from a chat is not available here; on the "
                           "server, `tutorbot content import-docs` does it."))]
        return documents_flow.add_document(turn, self._documents)

    def wants_upload(self, who: Who, size: int, *, staff: bool = False) -> bool:
        """Whether an adapter should fetch a file sent with /adddoc: a teacher's, within the
        size limit (nobody else's file is downloaded at all)."""
        return self._documents is not None and self._documents.accepts(size) and \
            self.teaching.may_teach(who, staff=staff)

    @property
    def commands(self) -> tuple[str, ...]:
        return tuple(self._commands)

    def handle(self, event: Inbound) -> list[Reply]:
        metrics.TURNS.labels(event.identity.platform, metrics.kind_of(
            event.command, event.action is not None, event.media)).inc()
        with metrics.TURN_SECONDS.labels(event.identity.platform).time():
            return self._handle(event)

    def _handle(self, event: Inbound) -> list[Reply]:
        # Until the learner is loaded, their app's language; then their own (see `_turn`).
        with i18n.speaking(event.language):
            return self._handle_in_language(event)

    def _handle_in_language(self, event: Inbound) -> list[Reply]:
        if len(event.text) > self._max_chars:
            return [Text(_("That message is {length} characters long; I read at most "
                           "{limit}. Please send something shorter.",
                           length=i18n.number(len(event.text)),
                           limit=i18n.number(self._max_chars)))]
        memo: dict[str, object] = {}
        if event.command == "adddoc" and event.upload is not None and self._documents:
            memo["upload"] = documents_flow.read_upload(event.upload)
        try:
            with self._db.session(hold_rows=True) as session:
                replies = self._turn(session, event, memo)
                session.commit()
            if event.upload is not None and self._on_content_change is not None:
                self._on_content_change()
            return replies
        except SQLAlchemyError as exc:
            # The operator gets the detail; a learner can do nothing with it.
            log.exception("storage failed while handling %s: %s", event.identity,
                          describe_storage_error(exc, self._db.url.render_as_string()))
            return [Text(_(STORAGE_TROUBLE))]

    def now(self) -> datetime:
        """The core's clock (injected in tests): what a platform shows as "this week"."""
        return self._clock()

    # -- what adapters report, and what is due without anyone writing ----------------------

    def record_sent(self, platform: str, sent: Sent) -> None:
        """"Question Q went out as poll P": its answers (`Vote(P, option)`) find it."""
        with self._db.session() as session:
            group_quiz.record_sent(session, platform, sent, self._clock())
            session.commit()

    def due(self, platform: str) -> list[Posting]:
        """What to post now in group chats on this platform (group quiz results and next
        questions), claimed for this process; post each, then report with `posted`."""
        with self._db.session() as session:
            postings = group_quiz.due(session, platform, self._clock())
            session.commit()
            return postings

    def posted(self, posting: Posting, *, delivered: bool = True) -> None:
        with self._db.session() as session:
            group_quiz.posted(session, posting, self._clock(), delivered=delivered)
            session.commit()

    def end_group_quiz(self, quiz_id: int) -> None:
        """The platform would not take the quiz's first question: it never started."""
        with self._db.session() as session:
            group_quiz.end(session, quiz_id)
            session.commit()

    def set_reachable(self, who: Who, reachable: bool) -> None:
        """The platform says this user blocked the bot (or unblocked it)."""
        with self._db.session() as session:
            set_reachable(session, who.platform, who.user_id, reachable, self._clock())
            session.commit()

    def _turn(self, session: Session, event: Inbound,
              memo: dict[str, object] | None = None) -> list[Reply]:
        learner = _learner(session, event)
        if event.staff and not preferences.teaches(learner):
            preferences.update(learner, teacher=True)  # alerts reach a server's teachers
        key = quizzes.delivery_key(event)
        if key is not None and session.scalar(select(Attempt.id).where(
                Attempt.learner_id == learner.id, Attempt.event_key == key)) is not None:
            log.info("ignored a second delivery of %s", key)
            return []  # this answer was delivered before and has been counted
        state = session.get(ConversationState, learner.id)
        if state is None:
            state = ConversationState(learner_id=learner.id, mode="menu", hints_used=0,
                                      selected=[], quiz={}, draft={})
            session.add(state)
            session.flush()
        turn = Turn(session, learner, state, event, event.at or self._clock(),
                    memo=memo if memo is not None else {}, media_dir=self._charts_dir)
        reported = i18n.negotiate(event.language)
        if reported and reported != learner.language:
            learner.language = reported  # nudges, sent when nobody is writing, speak it too
        with i18n.speaking(preferences.language(learner)):
            replies = self._dispatch(turn)
        quizzes.note_screen(turn, replies, stays=_keeps_question_on_screen(event))
        return replies

    def _dispatch(self, turn: Turn) -> list[Reply]:
        event = turn.event
        if turn.state.draft.get("step") == feedback.COMMENT_STEP and (
                event.action or event.command):
            turn.state.draft = {}  # the comment is one message right after "confusing"
        if event.action:
            return self._action(turn, event.action)
        if event.command:
            handler = self._commands.get(event.command)
            if handler is None:
                return [Text(_("I don't know the command /{command}. Type /help to see what "
                               "I can do.", command=event.command[:40]))]
            return handler(turn)
        return self._text(turn)

    def _ask(self, turn: Turn, text: str) -> list[Reply]:
        return ask.ask(turn, self._answerer, text, self._llm_quota)

    def _text(self, turn: Turn) -> list[Reply]:
        text = turn.event.text.strip()
        word = PLAIN_WORDS.get(normalize(text))
        if turn.state.draft.get("step") in TYPED_STEPS and text and word is None:
            return self.teaching.typed(turn, text)
        if turn.state.draft.get("step") == feedback.COMMENT_STEP:
            if text and word is None and turn.state.question_id is None:
                return feedback.comment(turn, text)
            turn.state.draft = {}  # they carried on ("quiz", "next"...): no comment
        if turn.state.question_id is not None and text and word is None:
            if ask.reads_as_question_about_quiz(text):
                return self._ask(turn, text)
            if quizzes.set_aside(turn):  # what they see now is not the question
                return [Text(_("Your question is still open; here it is again.")),
                        *quizzes.ask(turn)]
            return quizzes.answer(turn, text)
        if word is not None:
            return self._commands[word](turn)
        if onboarding_step(turn.learner) == "timezone" and \
                settings.parse_timezone(text) is not None:
            return settings.set_timezone(turn, text)
        if not text and turn.event.media:
            return [Text(_(_MEDIA_REPLY, what=_(_MEDIA_NAMES.get(turn.event.media,
                                                                 N_("attachments")))))]
        if not text:
            return [Text(_("Send me a message, or type /help to see what I can do."))]
        if ask.reads_as_question(text) and self._answerer is not None:
            return self._ask(turn, text)
        if turn.state.course_id is None:
            return [Text(_("Let's pick a course first.")), *menu.choose_course(turn)]
        return [Text(_("I didn't catch that. Use the buttons, /lesson to keep reading, /quiz "
                       "to test yourself, /ask a question, or /help for everything."))]

    def _action(self, turn: Turn, action: Action) -> list[Reply]:
        match action:
            case Screen(name="continue"):
                return [*quizzes.leave_quiz(turn), *path.follow(turn)]
            case Screen(name=name):
                return self._commands[name](turn)
            case PickCourse(slug=slug):
                return _set_course(turn, slug)
            case Mute(what=what):
                return settings.mute(turn, what)
            case Forget():
                return account.forget(turn, self._charts_dir)
            case SetPreference(name=name, value=value):
                return settings.apply(turn, name, value)
            case DraftSet(field=field, value=value):
                return self.teaching.choose(turn, field, value)
            case AlertChoice():
                return self.teaching.alert(turn, action)
            case Feedback():
                return feedback.record(turn, action)
            case Vote(poll_id=poll_id, option=option):
                return self._vote(turn, poll_id, option)
            case OpenCard(card_id=card_id):
                card = turn.session.get(CardRow, card_id)
                if card is None:
                    return [Text(_("That card is no longer in the course.")), *menu.menu(turn)]
                return [*quizzes.leave_quiz(turn), *lessons.open_card(turn, card)]
            case OpenLesson(lesson_id=lesson_id) | StartQuiz(lesson_id=lesson_id):
                lesson = turn.session.get(LessonRow, lesson_id)
                if lesson is None or lesson.retired or lesson.course_id != turn.state.course_id:
                    return [Text(_("That lesson is no longer available.")), *menu.menu(turn)]
                left = quizzes.leave_quiz(turn)
                opened = lessons.open_lesson if isinstance(action, OpenLesson) else \
                    quizzes.start_quiz
                return [*left, *opened(turn, lesson)]
        return self._question_action(turn, action)

    def _vote(self, turn: Turn, poll_id: str, option: int) -> list[Reply]:
        """An answer to a poll (or a group question's button): the poll says which question,
        whose, and where; a forwarded private quiz answered by someone else is ignored."""
        poll = turn.session.scalar(select(Poll).where(
            Poll.platform == turn.event.identity.platform, Poll.external_id == poll_id))
        if poll is None:
            log.info("an answer to an unknown poll %s", poll_id)
            return [Text(_(group_quiz.CLOSED), role="receipt")]
        if poll.is_group:
            return group_quiz.vote(turn, poll, option)
        if poll.user_id != turn.event.identity.user_id:
            log.info("ignored a vote by %s on a poll sent to %s", turn.event.identity,
                     poll.user_id)
            return []
        if turn.event.is_group:
            return [Text(_(NOT_VALID))]
        # A native poll's answer names no chat: it was given where the poll was shown.
        turn.event = replace(turn.event, chat_id=poll.chat_id)
        replies = self._question_action(turn, Choose(poll.question_id, option))
        # The quiz poll has just shown right or wrong, and the explanation, itself.
        return [r for r in replies if not (
            poll.explained and isinstance(r, Text) and r.role == "feedback")]

    def _question_action(self, turn: Turn, action: QuestionAction) -> list[Reply]:
        """An answer, tick, hint or skip: only for the question open now, where it was
        shown (another chat's button, an old form or a stale poll gets "expired")."""
        if action.question_id != turn.state.question_id or \
                quizzes.shown_in(turn) not in (None, turn.event.chat_id):
            return [Text(_(EXPIRED)), *menu.resume(turn)]
        match action:
            case Choose(option=option):
                return quizzes.answer(turn, (option,))
            case Tick(option=option):
                return quizzes.toggle(turn, option)
            case AnswerTyped(text=text):
                return quizzes.answer(turn, text)
            case Submit():
                return quizzes.submit(turn)
            case Hint():
                return quizzes.hint(turn)
            case Skip():
                return quizzes.skip(turn)

    def _lesson(self, turn: Turn) -> list[Reply]:
        if turn.state.course_id is None:
            return menu.choose_course(turn)
        left = quizzes.leave_quiz(turn)
        if turn.event.text.strip():
            lesson = lessons.find_lesson(turn, turn.event.text)
            if lesson is None:
                return [*left, Text(_("There is no lesson “{ref}”.",
                                      ref=turn.event.text.strip()[:40])),
                        *menu.lesson_list(turn)]
            return [*left, *lessons.open_lesson(turn, lesson)]
        return [*left, *lessons.show_card(turn)]

    def _quiz(self, turn: Turn) -> list[Reply]:
        if turn.state.course_id is None:
            return menu.choose_course(turn)
        ref = turn.event.text.strip()
        lesson = lessons.find_lesson(turn, ref) if ref else lessons.current_lesson(turn)
        if lesson is None:
            return [Text(_("There is no lesson “{ref}” to quiz on.", ref=ref[:40])),
                    *menu.lesson_list(turn)]
        left = quizzes.leave_quiz(turn)
        return [*left, *quizzes.start_quiz(turn, lesson)]


def _keeps_question_on_screen(event: Inbound) -> bool:
    """Whether this input leaves an open question where the learner sees it: a hint, a
    question about it, an answer do; the menu, /settings or /help cover it."""
    if event.action is not None:
        return isinstance(event.action, (Choose, Tick, Submit, Hint, Skip, AnswerTyped, Vote))
    if event.command is not None:
        return event.command in ("hint", "ask", "skip")
    return normalize(event.text) not in PLAIN_WORDS


def _set_course(turn: Turn, slug: str) -> list[Reply]:
    replies = menu.set_course(turn, slug)
    return [*replies, *settings.onboarding_prompt(turn)] if turn.state.course_id else replies


def _next(turn: Turn) -> list[Reply]:
    return _nav(turn, +1)


def _back(turn: Turn) -> list[Reply]:
    return _nav(turn, -1)


def _nav(turn: Turn, delta: int) -> list[Reply]:
    if turn.state.course_id is None:
        return menu.choose_course(turn)
    if turn.state.question_id is not None:
        return [Text(_("A question is open: answer it, /hint, /skip, or /lesson to leave the "
                       "quiz.")), *quizzes.ask(turn)]
    if delta > 0 and turn.state.mode != "lesson":  # outside a lesson: the recommended step
        return path.follow(turn)
    return lessons.step(turn, delta)


def _learner(session: Session, event: Inbound) -> Learner:
    identity = session.scalar(select(Identity).where(
        Identity.platform == event.identity.platform,
        Identity.platform_user_id == event.identity.user_id))
    if identity is not None:
        if identity.unreachable_since is not None:  # they wrote: they can hear from us again
            set_reachable(session, identity.platform, identity.platform_user_id, True, utcnow())
        return identity.learner
    learner = Learner(display_name=(event.display_name or "there")[:120], timezone="UTC",
                      language="en", preferences={})
    learner.identities.append(Identity(platform=event.identity.platform,
                                       platform_user_id=event.identity.user_id))
    try:
        with session.begin_nested():
            session.add(learner)
    except IntegrityError:
        # Their first two messages raced each other (or two processes did): one wins.
        return _learner(session, event)
    return learner
