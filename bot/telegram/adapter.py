"""Telegram updates in, the core's replies out: the adapter owns no tutoring.

Each update becomes an `Inbound` for `Tutor.handle`, run in a worker thread (the core is
synchronous); updates of one user are handled in order, different users concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from telegram import BotCommand, Chat, Document, Message, Update
from telegram.constants import ChatMemberStatus, ParseMode, PollType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from bot.layout import MORE
from bot.telegram.render import keyboard, keyboards, question_text, split, to_html
from content import POLL_LIMITS
from tutor import Identity, Image, Inbound, QuestionReply, Reply, Text, Tutor, commands
from tutor.actions import Choose, Tick, Vote, decode
from tutor.i18n import DEFAULT, LANGUAGES, N_, said
from tutor.messages import GroupQuestion, Posting, Sent, Upload, parse_command

__all__ = ["PLATFORM", "TelegramBot"]

log = logging.getLogger(__name__)
PLATFORM = "telegram"
T = TypeVar("T")

SOMETHING_WRONG = N_("😵 Sorry, something went wrong on my side. Please try again in a moment.")
EXPIRED_BUTTON = N_("⌛ This question has expired.")
EDITS_IGNORED = N_("✏️ I only read new messages, so that edit changes nothing. Send it again "
                   "as a new message.")
ANONYMOUS = N_("🕶 I can't tell who is writing when you post as the group or as a channel. "
               "Send it from your own account, so your progress is yours.")
MEDIA = ("voice", "video_note", "audio", "video", "sticker", "animation", "photo", "document",
         "location", "contact", "poll", "dice")
RETRIES = 4  # network errors: 4 tries, waiting 0.5, 1 and 2 s between them
DUE_EVERY = 1.0  # seconds between looks for group quiz questions whose time is up
POLL_NAME = "group-quizzes"


class SkippedPolls(logging.Filter):
    """APScheduler warns each time a run is skipped because the one before is still going.
    For the one-second look at group quizzes that is by design (one look at a time; the next
    one catches up): under load it printed a warning a second. Other jobs' skips still warn.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (text.startswith(f'Execution of job "{POLL_NAME} ')
                    and "maximum number of running instances" in text)


SKIPPED_POLLS = SkippedPolls()  # one instance, so adding it again at a restart is a no-op


class TelegramBot:
    def __init__(self, tutor: Tutor, *, retry_delay: float = 0.5) -> None:
        self.tutor = tutor
        self.retry_delay = retry_delay
        self.username = ""
        self._locks: dict[str, asyncio.Lock] = {}

    def install(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        application.add_handler(MessageHandler(filters.UpdateType.EDITED, self.on_edited))
        application.add_handler(CallbackQueryHandler(self.on_callback))
        application.add_handler(PollAnswerHandler(self.on_poll_answer))
        application.add_handler(ChatMemberHandler(self.on_my_chat_member,
                                                  ChatMemberHandler.MY_CHAT_MEMBER))
        application.add_error_handler(self.on_error)

    async def post_init(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.username = application.bot.username or ""
        await application.bot.set_my_commands([BotCommand(c.name, c.summary)
                                               for c in commands.menu(PLATFORM)])
        for language in LANGUAGES.keys() - {DEFAULT}:  # the menu in the user's language too
            await application.bot.set_my_commands(
                [BotCommand(c.name, said(c.summary, language)) for c in commands.menu(PLATFORM)],
                language_code=language.split("_")[0])
        # Group quiz deadlines live in the database; this only looks for the ones due, so
        # a question whose time ran out during a restart is closed right after it.
        assert application.job_queue is not None, "python-telegram-bot[job-queue] is needed"
        logging.getLogger("apscheduler.scheduler").addFilter(SKIPPED_POLLS)
        application.job_queue.run_repeating(self.post_due, interval=DUE_EVERY, first=0,
                                            name=POLL_NAME,
                                            job_kwargs={"max_instances": 1, "coalesce": True})

    # -- updates ---------------------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A new message: its text, or a photo's or document's caption, read the same way."""
        message, user, chat = update.effective_message, update.effective_user, update.effective_chat
        if message is None or user is None or chat is None:
            return
        text = message.text if message.text is not None else message.caption
        if text is None:
            await self._media(context, update, message)
            return
        if message.sender_chat is not None:  # an anonymous group admin, or a channel
            if text.startswith("/") or self._addressed(message, text):
                await self._send(context, chat.id, [Text(said(ANONYMOUS, user.language_code))])
            return
        command, rest = parse_command(text)
        if command is not None:
            await self._command(context, update, text, command, rest)
            return
        if _is_group(chat):
            if not self._addressed(message, text):
                return  # in a group, only what is addressed to the bot
            text = re.sub(re.escape(f"@{self.username}"), "", text, flags=re.IGNORECASE).strip()
        await self._turn(context, update, Inbound(
            Identity(PLATFORM, str(user.id)), str(chat.id), text=text,
            is_group=_is_group(chat), display_name=user.first_name,
            language=user.language_code or "", event_id=str(update.update_id)))

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edit is never a new answer or command; in a private chat we say so."""
        message = update.edited_message
        if message is not None and message.chat.type == Chat.PRIVATE:
            language = message.from_user.language_code if message.from_user else None
            await self._send(context, message.chat.id, [Text(said(EDITS_IGNORED, language))])

    def _addressed(self, message: Message, text: str) -> bool:
        replying = message.reply_to_message is not None and \
            message.reply_to_message.from_user is not None and \
            message.reply_to_message.from_user.username == self.username
        return replying or f"@{self.username}".lower() in text.lower()

    async def _command(self, context: ContextTypes.DEFAULT_TYPE, update: Update, text: str,
                       command: str, rest: str) -> None:
        user, chat = update.effective_user, update.effective_chat
        assert user is not None and chat is not None  # checked by on_message
        head = text.split(maxsplit=1)[0]
        if "@" in head and head.split("@", 1)[1].lower() != self.username.lower():
            return  # a command for another bot in the group
        who = Identity(PLATFORM, str(user.id))
        message = update.effective_message
        document = message.document if message is not None else None
        upload = None
        if command == "adddoc" and document is not None:
            upload = await self._upload(who, document)
        await self._turn(context, update, Inbound(
            who, str(chat.id), text=rest, command=command,
            is_group=_is_group(chat), display_name=user.first_name,
            language=user.language_code or "", event_id=str(update.update_id), upload=upload))

    async def _upload(self, who: Identity, document: Document) -> Upload:
        """The file a teacher sent with /adddoc, fetched only when the core wants it."""
        name, size = document.file_name or "document", document.file_size or 0
        if not self.tutor.wants_upload(who, size):
            return Upload(name, size)
        try:
            file = await self._retrying(document.get_file)
            data = await self._retrying(file.download_as_bytearray)
        except TelegramError as exc:  # "file is too big" and the like: the core explains
            log.warning("could not fetch the document %s: %s", document.file_id, exc)
            return Upload(name, size)
        return Upload(name, size, bytes(data))

    async def _media(self, context: ContextTypes.DEFAULT_TYPE, update: Update,
                     message: Message) -> None:
        """A sticker, voice message, photo without a caption...: the core says what it reads."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or _is_group(chat) or message.sender_chat is not None:
            return  # in groups, media are the members' own conversation
        kind = next((name for name in MEDIA if getattr(message, name, None)), "attachment")
        await self._turn(context, update, Inbound(
            Identity(PLATFORM, str(user.id)), str(chat.id), media=kind,
            display_name=user.first_name, language=user.language_code or "",
            event_id=str(update.update_id)))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        async with self._lock(str(query.from_user.id)):
            try:
                await self._retrying(query.answer)  # stops the button's spinner
            except TelegramError as exc:  # "query is too old": the press still counts
                log.info("could not answer callback query %s: %s", query.id, exc)
            message = query.message if isinstance(query.message, Message) else None
            action = decode(query.data) if isinstance(query.data, str) else None
            if message is None or action is None:
                if message is not None:
                    await self._send(context, message.chat.id, [
                        Text(said(EXPIRED_BUTTON, query.from_user.language_code))])
                return
            chat = message.chat
            inbound = Inbound(Identity(PLATFORM, str(query.from_user.id)), str(chat.id),
                              action=action, is_group=_is_group(chat),
                              display_name=query.from_user.first_name,
                              language=query.from_user.language_code or "",
                              event_id=str(update.update_id))
            replies = await asyncio.to_thread(self.tutor.handle, inbound)
            # Ticking an option re-renders the same question: edit it in place.
            only = replies[0] if len(replies) == 1 else None
            if isinstance(action, Tick) and isinstance(only, QuestionReply):
                await self._retrying(lambda: message.edit_text(
                    to_html(question_text(only)), parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(only.buttons)))
                return
            await self._send(context, chat.id, replies, owner=str(query.from_user.id))

    async def on_poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        if answer is None or answer.user is None or not answer.option_ids:
            return
        user, option = answer.user, answer.option_ids[0]
        identity = Identity(PLATFORM, str(user.id))
        # The lock comes before any await, so one user's updates keep their order.
        async with self._lock(identity.user_id):
            # A poll answer names no chat ("" to the core): the poll says where it was.
            replies = await asyncio.to_thread(self.tutor.handle, Inbound(
                identity, "", action=Vote(answer.poll_id, option),
                display_name=user.first_name, language=user.language_code or "",
                event_id=str(update.update_id)))
            # The native poll shows the voter their vote: receipts would only be noise,
            # in a private chat they may not even have with us.
            replies = [r for r in replies if not (isinstance(r, Text) and r.role == "receipt")]
            if replies:  # a private quiz poll's next question: private chats are their users'
                await self._send(context, user.id, replies, owner=identity.user_id)

    async def on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE
                                ) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type != Chat.PRIVATE:
            return
        status = change.new_chat_member.status
        blocked = status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        await asyncio.to_thread(self.tutor.set_reachable,
                                Identity(PLATFORM, str(change.from_user.id)), not blocked)
        log.info("telegram user %s %s the bot", change.from_user.id,
                 "blocked" if blocked else "unblocked")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling a Telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                user = update.effective_user
                await context.bot.send_message(update.effective_chat.id, said(
                    SOMETHING_WRONG, user.language_code if user else None))
            except TelegramError:
                log.warning("could not tell chat %s that something went wrong",
                            update.effective_chat.id)

    # -- turns and sending -----------------------------------------------------------------

    def _lock(self, user: str) -> asyncio.Lock:
        return self._locks.setdefault(user, asyncio.Lock())

    async def _turn(self, context: ContextTypes.DEFAULT_TYPE, update: Update, inbound: Inbound
                    ) -> None:
        async with self._lock(inbound.identity.user_id):
            replies = await asyncio.to_thread(self.tutor.handle, inbound)
            await self._send(context, int(inbound.chat_id), replies,
                             owner=inbound.identity.user_id)

    async def post_due(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The JobQueue's tick: group quiz results and next questions that are due."""
        for posting in await asyncio.to_thread(self.tutor.due, PLATFORM):
            delivered = await self._post(context, posting)
            await asyncio.to_thread(partial(self.tutor.posted, posting, delivered=delivered))

    async def _post(self, context: ContextTypes.DEFAULT_TYPE, posting: Posting) -> bool:
        try:
            return await self._send(context, int(posting.chat_id), posting.replies)
        except TelegramError:
            log.exception("could not post group quiz %s results in chat %s", posting.quiz_id,
                          posting.chat_id)
            return False

    async def _send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                    replies: Sequence[Reply], *, owner: str | None = None) -> bool:
        """Send the replies in order; False when the chat does not take our messages."""
        bot = context.bot
        for reply in _coalesce(replies):
            try:
                if isinstance(reply, Text):
                    await self._send_text(bot, chat_id, reply)
                elif isinstance(reply, QuestionReply):
                    await self._send_question(bot, chat_id, reply, owner=owner)
                elif isinstance(reply, GroupQuestion):
                    await self._send_group_question(bot, chat_id, reply)
                elif isinstance(reply, Image):
                    await self._retrying(partial(_send_photo, bot, chat_id, reply))
            except Forbidden:
                log.info("chat %s does not accept messages from the bot", chat_id)
                if chat_id > 0:  # a private chat: its user blocked us
                    await asyncio.to_thread(self.tutor.set_reachable,
                                            Identity(PLATFORM, str(chat_id)), False)
                return False
        return True

    async def _send_text(self, bot: Any, chat_id: int, reply: Text) -> None:
        pieces = split(reply.text) or [" "]
        markups = keyboards(reply.buttons)
        for n, piece in enumerate(pieces):
            markup = markups[0] if markups and n == len(pieces) - 1 else None
            await self._retrying(partial(bot.send_message, chat_id, piece,
                                         parse_mode=ParseMode.HTML, reply_markup=markup))
        for more in markups[1:]:  # buttons beyond one message's limit: none is lost
            await self._retrying(partial(bot.send_message, chat_id, MORE, reply_markup=more))

    async def _send_question(self, bot: Any, chat_id: int, reply: QuestionReply, *,
                             owner: str | None) -> None:
        if not reply.fits_poll:
            await self._retrying(lambda: bot.send_message(
                chat_id, to_html(question_text(reply)), parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply.buttons)))
            return
        heading = f"{reply.header}\n{reply.prompt}" if reply.header else reply.prompt
        explained = 0 < len(reply.explanation) <= POLL_LIMITS.explanation
        extras = tuple(row for row in (tuple(b for b in row if not isinstance(b.action, Choose))
                                       for row in reply.buttons) if row)
        message = await self._retrying(lambda: bot.send_poll(
            chat_id, heading if len(heading) <= POLL_LIMITS.question else reply.prompt,
            list(reply.options), type=PollType.QUIZ, correct_option_ids=list(reply.correct),
            explanation=reply.explanation if explained else None, is_anonymous=False,
            reply_markup=keyboard(extras)))
        if message.poll is not None:
            await asyncio.to_thread(self.tutor.record_sent, PLATFORM, Sent(
                reply.question_id, str(chat_id), message.poll.id, str(message.message_id),
                for_user=owner, explained=explained))

    async def _send_group_question(self, bot: Any, chat_id: int, group: GroupQuestion
                                   ) -> None:
        """A native quiz poll that closes itself when the time is up."""
        found = group.question
        heading = f"{found.header}\n{found.prompt}"  # the prompt fits (fits_poll), whole
        message = await self._retrying(lambda: bot.send_poll(
            chat_id, heading if len(heading) <= POLL_LIMITS.question else found.prompt,
            list(found.options), type=PollType.QUIZ, correct_option_ids=list(found.correct),
            is_anonymous=False, open_period=group.seconds))
        if message.poll is not None:
            await asyncio.to_thread(self.tutor.record_sent, PLATFORM, Sent(
                found.question_id, str(chat_id), message.poll.id, str(message.message_id),
                quiz_id=group.quiz_id))

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """Network trouble is retried with backoff; a 429 is waited out (the only layer
        that retries it: the rate limiter paces, never retries); anything Telegram refuses
        is raised at once."""
        for attempt in range(RETRIES):
            try:
                return await call()
            except RetryAfter as exc:
                delay = exc.retry_after
                await asyncio.sleep(delay.total_seconds() if isinstance(delay, timedelta)
                                    else float(delay))
            except BadRequest:
                raise
            except NetworkError:
                if attempt == RETRIES - 1:
                    raise
                await asyncio.sleep(self.retry_delay * 2 ** attempt)
        return await call()


def _is_group(chat: Chat) -> bool:
    return chat.type in (Chat.GROUP, Chat.SUPERGROUP)


def _coalesce(replies: Sequence[Reply]) -> list[Reply]:
    """Texts without buttons merge into the message after them: fewer messages, within
    the one-a-second pace of a private chat."""
    out: list[Reply] = []
    for reply in replies:
        previous = out[-1] if out else None
        if isinstance(reply, Text) and isinstance(previous, Text) and not previous.buttons \
                and len(previous.text) + len(reply.text) < 3500:
            out[-1] = Text(f"{previous.text}\n\n{reply.text}", reply.buttons)
        else:
            out.append(reply)
    return out


async def _send_photo(bot: Any, chat_id: int, reply: Image) -> Message:
    with reply.path.open("rb") as photo:
        message: Message = await bot.send_photo(chat_id, photo,
                                                caption=to_html(reply.caption)[:1024] or None,
                                                parse_mode=ParseMode.HTML)
        return message
