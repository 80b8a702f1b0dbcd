"""`Tutor.handle(event) -> replies`: the one place where a conversation turn happens."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from tutor.flows import account, ask, lessons, linking, menu, quizzes, review, settings
from tutor.flows import progress as progress_flow
from tutor.grading import normalize
from tutor.messages import Inbound, Reply, Text
from tutor.qa.answerer import Answerer
from tutor.storage.database import Database, describe_storage_error
from tutor.storage.models import (
    Attempt,
    CardRow,
    ConversationState,
    Identity,
    Learner,
    LessonRow,
    utcnow,
)
from tutor.turn import Turn

__all__ = ["Tutor"]

log = logging.getLogger(__name__)
Handler = Callable[[Turn], list[Reply]]

EXPIRED = "⌛ This question has expired."
STORAGE_TROUBLE = ("⚠️ I could not save that: {problem}. Nothing was lost; please try again "
                   "in a moment.")
PLAIN_WORDS = {"next": "next", "n": "next", "back": "back", "b": "back", "menu": "menu",
               "m": "menu", "help": "help"}


class Tutor:
    """The platform-agnostic tutor. Adapters turn updates into `Inbound` and render replies."""

    def __init__(self, database: Database, *, answerer: Answerer | None = None,
                 llm_daily_quota: int = 50, max_message_chars: int = 4000,
                 charts_dir: Path | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._charts_dir = charts_dir
        self._answerer = answerer
        self._llm_quota = llm_daily_quota
        self._max_chars = max_message_chars
        self._clock = clock
        self._commands: dict[str, Handler] = {
            "start": menu.start, "help": menu.help_text, "courses": menu.choose_course,
            "course": lambda t: _set_course(t, t.event.text), "menu": menu.menu,
            "lessons": menu.lesson_list, "lesson": self._lesson, "next": _next, "back": _back,
            "quiz": self._quiz, "hint": quizzes.hint, "skip": quizzes.skip, "score": menu.score,
            "ask": lambda t: self._ask(t, t.event.text),
            "progress": lambda t: progress_flow.progress(t, self._charts_dir),
            "review": review.review, "settings": settings.settings, "stop": settings.stop,
            "forgetme": account.confirm_forget, "link": linking.link,
        }

    @property
    def commands(self) -> tuple[str, ...]:
        return tuple(self._commands)

    def handle(self, event: Inbound) -> list[Reply]:
        if len(event.text) > self._max_chars:
            return [Text(f"That message is {len(event.text):,} characters long; I read at most "
                         f"{self._max_chars:,}. Please send something shorter.")]
        try:
            with self._db.session() as session:
                replies = self._turn(session, event)
                session.commit()
                return replies
        except SQLAlchemyError as exc:
            log.exception("storage failed while handling %s", event.identity)
            problem = describe_storage_error(exc, "file" if self._db.is_sqlite else "server")
            return [Text(STORAGE_TROUBLE.format(problem=problem))]

    def _turn(self, session: Session, event: Inbound) -> list[Reply]:
        learner = _learner(session, event)
        key = quizzes.delivery_key(event)
        if key is not None and session.scalar(select(Attempt.id).where(
                Attempt.learner_id == learner.id, Attempt.event_key == key)) is not None:
            log.info("ignored a second delivery of %s", key)
            return []  # this answer was delivered before and has been counted
        state = session.get(ConversationState, learner.id)
        if state is None:
            state = ConversationState(learner_id=learner.id, mode="menu", hints_used=0,
                                      selected=[], quiz={})
            session.add(state)
            session.flush()
        turn = Turn(session, learner, state, event, event.at or self._clock())
        if event.action:
            return self._action(turn, event.action)
        if event.command:
            handler = self._commands.get(event.command)
            if handler is None:
                return [Text(f"I don't know the command /{event.command[:40]}. "
                             "Type /help to see what I can do.")]
            return handler(turn)
        return self._text(turn)

    def _ask(self, turn: Turn, text: str) -> list[Reply]:
        return ask.ask(turn, self._answerer, text, self._llm_quota)

    def _text(self, turn: Turn) -> list[Reply]:
        text = turn.event.text.strip()
        if turn.state.question_id is not None and text:
            if ask.reads_as_question_about_quiz(text):
                return self._ask(turn, text)
            return quizzes.answer(turn, text)
        word = PLAIN_WORDS.get(normalize(text))
        if word is not None:
            return self._commands[word](turn)
        if turn.learner.preferences.get("onboarding") == "timezone" and \
                settings.parse_timezone(text) is not None:
            return settings.set_timezone(turn, text)
        if not text:
            return [Text("Send me a message, or type /help to see what I can do.")]
        if ask.reads_as_question(text) and self._answerer is not None:
            return self._ask(turn, text)
        if turn.state.course_id is None:
            return [Text("Let's pick a course first."), *menu.choose_course(turn)]
        return [Text("I didn't catch that. Use the buttons, /lesson to keep reading, /quiz to "
                     "test yourself, /ask a question, or /help for everything.")]

    def _action(self, turn: Turn, action: str) -> list[Reply]:
        name, _, arg = action.partition(":")
        if name in ("next", "back", "menu", "lessons", "score", "courses", "progress",
                    "review", "settings") and not arg:
            return self._commands[name](turn)
        if name == "course":
            return _set_course(turn, arg)
        if name == "mute":
            return settings.mute(turn, arg)
        if name == "forget" and arg == "yes":
            return account.forget(turn)
        if name == "gans":
            qid, _, option = arg.partition(":")
            if qid.isdigit() and option.isdigit():
                return quizzes.group_answer(turn, int(qid), (int(option),))
        if name == "set":
            setting, _, value = arg.partition(":")
            return settings.apply(turn, setting, value)
        if name == "card" and arg.isdigit():
            card = turn.session.get(CardRow, int(arg))
            if card is None:
                return [Text("That card is no longer in the course."), *menu.menu(turn)]
            return [*quizzes.leave_quiz(turn), *lessons.open_card(turn, card)]
        if name in ("lesson", "quiz") and arg.isdigit():
            lesson = turn.session.get(LessonRow, int(arg))
            if lesson is None or lesson.retired or lesson.course_id != turn.state.course_id:
                return [Text("That lesson is no longer available."), *menu.menu(turn)]
            left = quizzes.leave_quiz(turn)
            opened = lessons.open_lesson if name == "lesson" else quizzes.start_quiz
            return [*left, *opened(turn, lesson)]
        return self._question_action(turn, name, arg)

    def _question_action(self, turn: Turn, name: str, arg: str) -> list[Reply]:
        qid, _, option = arg.partition(":")
        if name not in ("ans", "tog", "sub", "hint", "skip") or not qid.isdigit():
            log.info("ignored malformed action %r from %s", name, turn.event.identity)
            return [Text("That button is not valid any more."), *menu.resume(turn)]
        if int(qid) != turn.state.question_id:
            return [Text(EXPIRED), *menu.resume(turn)]
        if name in ("ans", "tog") and not option.isdigit():
            return [Text("That button is not valid any more."), *menu.resume(turn)]
        if name == "ans":
            return quizzes.answer(turn, (int(option),))
        if name == "tog":
            return quizzes.toggle(turn, int(option))
        return {"sub": quizzes.submit, "hint": quizzes.hint, "skip": quizzes.skip}[name](turn)

    def _lesson(self, turn: Turn) -> list[Reply]:
        if turn.state.course_id is None:
            return menu.choose_course(turn)
        left = quizzes.leave_quiz(turn)
        if turn.event.text.strip():
            lesson = lessons.find_lesson(turn, turn.event.text)
            if lesson is None:
                return [*left, Text(f"There is no lesson {turn.event.text.strip()[:40]!r}."),
                        *menu.lesson_list(turn)]
            return [*left, *lessons.open_lesson(turn, lesson)]
        return [*left, *lessons.show_card(turn)]

    def _quiz(self, turn: Turn) -> list[Reply]:
        if turn.state.course_id is None:
            return menu.choose_course(turn)
        ref = turn.event.text.strip()
        lesson = lessons.find_lesson(turn, ref) if ref else lessons.current_lesson(turn)
        if lesson is None:
            return [Text(f"There is no lesson {ref[:40]!r} to quiz on."), *menu.lesson_list(turn)]
        left = quizzes.leave_quiz(turn)
        return [*left, *quizzes.start_quiz(turn, lesson)]


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
        return [Text("A question is open: answer it, /hint, /skip, or /lesson to leave the "
                     "quiz."), *quizzes.ask(turn)]
    return lessons.step(turn, delta)


def _learner(session: Session, event: Inbound) -> Learner:
    identity = session.scalar(select(Identity).where(
        Identity.platform == event.identity.platform,
        Identity.platform_user_id == event.identity.user_id))
    if identity is not None:
        identity.unreachable_since = None  # they wrote: they can hear from us again
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
