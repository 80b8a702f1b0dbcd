"""/campaign in Telegram: a teacher puts a campaign together in a short conversation
(course, audience, schedule, message, a preview, then create), with PTB's ConversationHandler.
A draft lives in memory: a restart in the middle means starting the draft again."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.teaching import NOT_A_TEACHER, Draft, courses, is_listed
from bot.telegram.render import to_html
from nudges.campaign import AUDIENCES, PLACEHOLDERS, parse_schedule
from tutor import Database

__all__ = ["CampaignConversation"]

COURSE, AUDIENCE, SCHEDULE, TEXT, CONFIRM = range(5)
Context = ContextTypes.DEFAULT_TYPE


# Typed text in a new message: an edit of an earlier answer is never read as the next one.
NEW_TEXT = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE

class CampaignConversation:
    def __init__(self, database: Database, teachers: Sequence[str]) -> None:
        self.database = database
        self.teachers = teachers

    def handler(self) -> ConversationHandler[Any]:
        # One draft per teacher and chat, whichever message its buttons sit on: PTB warns
        # that per_message=False does not track buttons per message, which is the point.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PTBUserWarning)
            return self._build()

    def _build(self) -> ConversationHandler[Any]:
        return ConversationHandler(
            entry_points=[CommandHandler("campaign", self.start)],
            states={
                COURSE: [CallbackQueryHandler(self.course, pattern=r"^cc:")],
                AUDIENCE: [CallbackQueryHandler(self.audience, pattern=r"^ca:")],
                SCHEDULE: [MessageHandler(NEW_TEXT, self.schedule)],
                TEXT: [MessageHandler(NEW_TEXT, self.text)],
                CONFIRM: [CallbackQueryHandler(self.confirm, pattern=r"^cf:")],
            },
            fallbacks=[CommandHandler("cancel", self.cancel)],
            per_message=False, conversation_timeout=1800)

    async def _say(self, update: Update, text: str,
                   buttons: list[list[tuple[str, str]]] | None = None) -> None:
        chat = update.effective_chat
        assert chat is not None
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                        for label, data in row] for row in buttons]) \
            if buttons else None
        await chat.send_message(to_html(text), parse_mode=ParseMode.HTML, reply_markup=markup)

    async def start(self, update: Update, context: Context) -> int:
        user = update.effective_user
        if user is None or not is_listed(self.teachers, "telegram", str(user.id)):
            await self._say(update, NOT_A_TEACHER)
            return ConversationHandler.END
        context.user_data["draft"] = Draft()  # type: ignore[index]
        found = await asyncio.to_thread(courses, self.database)
        await self._say(update, "📣 A new campaign. Which course? (/cancel to stop)",
                        [[(title[:40], f"cc:{slug}")] for slug, title in found])
        return COURSE

    def _draft(self, context: Context) -> Draft:
        draft: Draft = context.user_data["draft"]  # type: ignore[index]
        return draft

    async def course(self, update: Update, context: Context) -> int:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer()
        self._draft(context).course = query.data[3:]
        await self._say(update, "Who should get it?",
                        [[(label, f"ca:{n}")] for n, label in enumerate(AUDIENCES)])
        return AUDIENCE

    async def audience(self, update: Update, context: Context) -> int:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer()
        labels = list(AUDIENCES)
        index = int(query.data[3:]) if query.data[3:].isdigit() else -1
        if not 0 <= index < len(labels):
            await self._say(update, "That choice has expired; /campaign starts again.")
            return ConversationHandler.END
        self._draft(context).audience = labels[index]
        await self._say(update, "When? `daily 18:00`, `weekdays 8:30`, `once 2026-12-01 18:00` "
                                "or `after 3 days` (each learner's own time).")
        return SCHEDULE

    async def schedule(self, update: Update, context: Context) -> int:
        assert update.message is not None and update.message.text is not None
        try:
            parse_schedule(update.message.text)
        except ValueError as problem:
            await self._say(update, str(problem))
            return SCHEDULE
        self._draft(context).schedule = update.message.text
        await self._say(update, "The message? You can use "
                        + ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS) + ".")
        return TEXT

    async def text(self, update: Update, context: Context) -> int:
        assert update.message is not None and update.message.text is not None
        draft = self._draft(context)
        draft.text = update.message.text
        try:
            shown = await asyncio.to_thread(draft.preview, self.database)
        except ValueError as problem:  # a placeholder we do not know, a missing course
            await self._say(update, f"{problem}\n\nThe message again, please?")
            return TEXT
        await self._say(update, f"Preview:\n\n{shown}",
                        [[("✅ Create", "cf:yes"), ("✖️ Cancel", "cf:no")]])
        return CONFIRM

    async def confirm(self, update: Update, context: Context) -> int:
        query = update.callback_query
        user = update.effective_user
        assert query is not None and user is not None
        await query.answer()
        if query.data != "cf:yes":
            await self._say(update, "Cancelled; nothing was created.")
            return ConversationHandler.END
        number = await asyncio.to_thread(self._draft(context).create, self.database,
                                         f"telegram:{user.id}")
        await self._say(update, f"📣 Campaign {number} created. /report shows how it goes.")
        return ConversationHandler.END

    async def cancel(self, update: Update, context: Context) -> int:
        await self._say(update, "Cancelled; nothing was created.")
        return ConversationHandler.END
