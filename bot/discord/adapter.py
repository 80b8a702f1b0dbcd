"""Discord interactions and messages in, the core's replies out; group quizzes in threads.

Like the Telegram adapter it owns no tutoring: every turn is `Tutor.handle` in a worker
thread, one user's turns in order. In a server, personal replies are ephemeral.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from functools import partial
from typing import Any

import discord

from bot.discord.render import NO_PINGS, Outgoing, render
from bot.discord.views import GroupAnswerButton
from tutor import Identity, Inbound, QuestionReply, Reply, Text, Tutor
from tutor.actions import Action, AnswerTyped, Tick, Vote
from tutor.i18n import N_, said
from tutor.messages import GroupQuestion, Posting, Sent, Upload

__all__ = ["FORM_EXPIRED", "PLATFORM", "Deferral", "DiscordAdapter", "GroupQuizError",
           "identity"]

log = logging.getLogger(__name__)
PLATFORM = "discord"
EXPIRED_BUTTON = N_("⌛ This button has expired.")
# Answered in time or deferred: well inside Discord's 3 s, with room for the round trip.
DEFER_AFTER = 1.5
# A form nothing answered by then (it was opened before a restart) is told so: after any
# turn's deferral, before Discord's 3 s.
UNANSWERED_AFTER = 2.2
FORM_EXPIRED = N_("⌛ This form has expired. Press the button again to open a new one.")
SOMETHING_WRONG = N_("😵 Sorry, something went wrong on my side. Please try again in a "
                     "moment.")


class Deferral:
    """Discord forgets an interaction not answered within 3 seconds. Started with a turn,
    this defers the response ("thinking…") once `after` seconds have passed without one -
    a chart, a search, a wait behind the member's previous turn - and the replies follow
    up. `settle` before responding: the deferral is then either cancelled or complete."""

    def __init__(self, interaction: discord.Interaction[Any], *, ephemeral: bool,
                 after: float) -> None:
        self.interaction, self.ephemeral, self.after = interaction, ephemeral, after
        self._waiting = True
        self._task = asyncio.create_task(self._defer())  # within one interaction

    async def _defer(self) -> None:
        await asyncio.sleep(self.after)
        self._waiting = False
        if not self.interaction.response.is_done():
            await self.interaction.response.defer(ephemeral=self.ephemeral, thinking=True)

    async def settle(self) -> None:
        if self._waiting:  # asleep: cancelling it cannot cut a request in half
            self._task.cancel()
            return
        try:
            await self._task
        except discord.HTTPException:
            log.warning("could not defer interaction %s", self.interaction.id)


class GroupQuizError(Exception):
    """Something a member can act on, said to them instead of a quiz."""


def identity(user: discord.abc.User) -> Identity:
    return Identity(PLATFORM, str(user.id))


class DiscordAdapter:
    def __init__(self, tutor: Tutor, *, teacher_role: str = "Teacher") -> None:
        self.tutor = tutor
        self.teacher_role = teacher_role
        self._locks: dict[str, asyncio.Lock] = {}
        self.defer_after = DEFER_AFTER
        self.unanswered_after = UNANSWERED_AFTER

    def is_teacher(self, member: discord.abc.User) -> bool:
        """Manage Server, or the role named in settings."""
        if not isinstance(member, discord.Member):
            return False
        return member.guild_permissions.manage_guild or any(
            role.name == self.teacher_role for role in member.roles)

    async def turn(self, interaction: discord.Interaction[Any], *, command: str | None = None,
                   text: str = "", action: Action | None = None, public: bool = False) -> None:
        """A slash command, a button or a form: the core's replies as the response (in a
        server only the member sees them, unless `public`: a leaderboard, say)."""
        user = interaction.user
        guild = interaction.guild
        inbound = Inbound(identity(user), str(interaction.channel_id), text=text,
                          command=command, action=action, is_group=guild is not None,
                          group_id=str(guild.id) if guild is not None else "",
                          staff=self.is_teacher(user), display_name=user.display_name,
                          language=interaction.locale.value, event_id=str(interaction.id))
        deferral = self.deferral(interaction, public=public)
        try:
            async with self._lock(inbound.identity.user_id):
                replies = await asyncio.to_thread(self.tutor.handle, inbound)
                await deferral.settle()
                # Ticking an option re-renders the same question: edit it in place.
                if isinstance(action, Tick) and len(replies) == 1 and \
                        isinstance(replies[0], QuestionReply):
                    await self.edit(interaction, replies)
                else:
                    await self.respond(interaction, replies, public=public)
        finally:
            await deferral.settle()

    def deferral(self, interaction: discord.Interaction[Any], *, public: bool = False
                 ) -> Deferral:
        return Deferral(interaction, ephemeral=interaction.guild is not None and not public,
                        after=self.defer_after)

    async def press(self, interaction: discord.Interaction[Any], action: Action | None) -> None:
        if action is None:  # a button whose id no longer means anything
            await self.respond(interaction, [Text(said(EXPIRED_BUTTON,
                                                       interaction.locale.value))])
            return
        await self.turn(interaction, action=action)

    async def typed_answer(self, interaction: discord.Interaction[Any], question: int,
                           answer: str) -> None:
        # The form belongs to one question: the core refuses it for any other.
        await self.turn(interaction, action=AnswerTyped(question, answer))

    async def respond(self, interaction: discord.Interaction[Any], replies: list[Reply], *,
                      public: bool = False) -> None:
        private = interaction.guild is not None and not public
        outgoing = render(replies) or [Outgoing(discord.Embed(description="👍"))]
        for n, message in enumerate(outgoing):
            if n == 0 and not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=private, **message.kwargs())
            else:
                await interaction.followup.send(ephemeral=private, **message.kwargs())

    async def edit(self, interaction: discord.Interaction[Any], replies: list[Reply]) -> None:
        """The pressed message, changed in place (a new message when it cannot be)."""
        outgoing = render(replies)
        if interaction.response.is_done() or interaction.message is None or len(outgoing) != 1:
            await self.respond(interaction, replies)
            return
        kwargs = outgoing[0].kwargs()
        await interaction.response.edit_message(embed=kwargs.get("embed"),
                                                view=kwargs.get("view"))

    async def direct_message(self, message: discord.Message) -> None:
        """Typed text in a DM: answers, questions, plain words; as in the terminal chat."""
        inbound = Inbound.from_text(identity(message.author), str(message.channel.id),
                                    message.content, display_name=message.author.display_name,
                                    event_id=str(message.id))
        if inbound.command == "adddoc" and message.attachments:
            inbound = replace(inbound, upload=await self._upload(inbound.identity,
                                                                 message.attachments[0]))
        async with self._lock(inbound.identity.user_id):
            replies = await asyncio.to_thread(self.tutor.handle, inbound)
            for outgoing in render(replies):
                await message.channel.send(**outgoing.kwargs())

    async def _upload(self, who: Identity, attachment: discord.Attachment) -> Upload:
        """The file a teacher sent with /adddoc, fetched only when the core wants it."""
        if not self.tutor.wants_upload(who, attachment.size):
            return Upload(attachment.filename, attachment.size)
        try:
            data = await attachment.read()
        except discord.HTTPException as exc:
            log.warning("could not fetch the attachment %s: %s", attachment.id, exc)
            return Upload(attachment.filename, attachment.size)
        return Upload(attachment.filename, attachment.size, data)

    def _lock(self, user: str) -> asyncio.Lock:
        return self._locks.setdefault(user, asyncio.Lock())

    # -- group quizzes ---------------------------------------------------------------------

    async def group_answer(self, interaction: discord.Interaction[Any], option: int) -> None:
        """A group question's button: the message it is on is the question's "poll"."""
        message = interaction.message
        if message is None:
            return
        await self.turn(interaction, action=Vote(str(message.id), option))

    async def start_group_quiz(self, interaction: discord.Interaction[Any], request: str
                               ) -> tuple[str, discord.Thread]:
        """The core sets the quiz up; its questions go to a thread of their own. The core's
        announcement and the thread; GroupQuizError for what the member can act on."""
        channel = interaction.channel
        guild = interaction.guild
        language = interaction.locale.value
        if guild is None or not isinstance(channel, discord.TextChannel):
            raise GroupQuizError(said(N_("Group quizzes run in a server's text channel."),
                                      language))
        user = interaction.user
        async with self._lock(str(user.id)):
            replies = await asyncio.to_thread(self.tutor.handle, Inbound(
                identity(user), str(channel.id), text=request, command="groupquiz",
                is_group=True, group_id=str(guild.id), display_name=user.display_name,
                language=language, event_id=str(interaction.id)))
        first = next((r for r in replies if isinstance(r, GroupQuestion)), None)
        announced = "\n\n".join(r.text for r in replies if isinstance(r, Text))
        if first is None:
            raise GroupQuizError(announced or said(N_("No group quiz this time."), language))
        try:
            thread = await channel.create_thread(
                name=said(N_("Group quiz by {name}"), language, name=user.display_name)[:100],
                type=discord.ChannelType.public_thread, auto_archive_duration=60)
            await self._post_question(thread, first)
        except discord.Forbidden as exc:
            await asyncio.to_thread(self.tutor.end_group_quiz, first.quiz_id)
            raise GroupQuizError(said(N_(
                "I'm missing a permission in {channel}: *Create Public Threads* and *Send "
                "Messages in Threads*. A server admin can grant them in the channel's settings "
                "(Permissions), then try again."), language, channel=channel.mention)) from exc
        return announced, thread

    async def _post_question(self, channel: discord.abc.Messageable, group: GroupQuestion
                             ) -> None:
        found = group.question
        view = discord.ui.View(timeout=None)
        for option, label in enumerate(found.options):
            view.add_item(GroupAnswerButton(found.question_id, option, f"{option + 1}. {label}"))
        title = f"Question {group.number} of {group.total}" if group.total > 1 else "Question"
        embed = discord.Embed(title=title,
                              description=f"{found.prompt}\n\n⏱ {group.seconds} seconds")
        message = await channel.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
        await asyncio.to_thread(self.tutor.record_sent, PLATFORM, Sent(
            found.question_id, str(message.channel.id), str(message.id), str(message.id),
            quiz_id=group.quiz_id))

    async def post_due(self, client: discord.Client) -> None:
        """Group quiz questions whose time is up: their results, then what comes next."""
        for posting in await asyncio.to_thread(self.tutor.due, PLATFORM):
            delivered = await self._post(client, posting)
            await asyncio.to_thread(partial(self.tutor.posted, posting, delivered=delivered))

    async def _post(self, client: discord.Client, posting: Posting) -> bool:
        try:
            channel = client.get_channel(int(posting.chat_id)) or \
                await client.fetch_channel(int(posting.chat_id))
            if not isinstance(channel, discord.abc.Messageable):
                return False
            if posting.closed_message_id:
                await _remove_buttons(channel, int(posting.closed_message_id))
            for reply in posting.replies:
                if isinstance(reply, GroupQuestion):
                    await self._post_question(channel, reply)
                else:
                    for outgoing in render([reply]):
                        await channel.send(**outgoing.kwargs())
        except discord.HTTPException:
            log.exception("could not post group quiz %s results in %s", posting.quiz_id,
                          posting.chat_id)
            return False
        return True

    async def report_error(self, interaction: discord.Interaction[Any],
                           error: BaseException) -> None:
        """One place for a cog's failures: logged in full, the member told only that."""
        log.error("a Discord command failed", exc_info=error)
        text = str(error) if isinstance(error, GroupQuizError) else \
            said(SOMETHING_WRONG, interaction.locale.value)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell %s about the failure", interaction.user.id)


async def _remove_buttons(channel: discord.abc.Messageable, message_id: int) -> None:
    """The question has closed: its buttons go (a deleted message is no matter)."""
    try:
        message = await channel.fetch_message(message_id)
        await message.edit(view=None)
    except (discord.NotFound, discord.Forbidden):
        log.info("could not close the buttons of message %s", message_id)
