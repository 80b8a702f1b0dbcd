"""Discord interactions and messages in, the core's replies out; group quizzes in threads.

Like the Telegram adapter it owns no tutoring: every turn is `Tutor.handle` in a worker
thread, one user's turns in order. In a server, personal replies are ephemeral.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord

from bot.discord.render import NO_PINGS, Outgoing, render
from bot.discord.views import GroupAnswerButton
from tutor import Identity, Inbound, QuestionReply, Reply, Text, Tutor
from tutor.actions import Action, AnswerTyped, GroupChoose
from tutor.groups import GroupStore
from tutor.markup import plain
from tutor.platforms import PlatformStore
from tutor.storage.models import utcnow
from tutor.turn import as_utc

__all__ = ["PLATFORM", "DiscordAdapter", "GroupQuizError", "identity"]

log = logging.getLogger(__name__)
PLATFORM = "discord"
EXPIRED_BUTTON = "⌛ This button has expired."
SOMETHING_WRONG = "😵 Sorry, something went wrong on my side. Please try again in a moment."


class GroupQuizError(Exception):
    """Something a member can act on, said to them instead of a quiz."""


def identity(user: discord.abc.User) -> Identity:
    return Identity(PLATFORM, str(user.id))


class DiscordAdapter:
    def __init__(self, tutor: Tutor, polls: PlatformStore, groups: GroupStore, *,
                 teacher_role: str = "Teacher",
                 clock: Callable[[], Any] = utcnow) -> None:
        self.tutor = tutor
        self.polls = polls
        self.groups = groups
        self.teacher_role = teacher_role
        self.clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self.quizzes: set[asyncio.Task[None]] = set()

    def is_teacher(self, member: discord.abc.User) -> bool:
        """Manage Server, or the role named in settings."""
        if not isinstance(member, discord.Member):
            return False
        return member.guild_permissions.manage_guild or any(
            role.name == self.teacher_role for role in member.roles)

    async def turn(self, interaction: discord.Interaction[Any], *, command: str | None = None,
                   text: str = "", action: Action | None = None) -> None:
        """A slash command, a button or a form: the core's replies as the response."""
        user = interaction.user
        inbound = Inbound(identity(user), str(interaction.channel_id), text=text,
                          command=command, action=action,
                          is_group=interaction.guild is not None,
                          display_name=user.display_name, event_id=str(interaction.id))
        async with self._lock(inbound.identity.user_id):
            replies = await asyncio.to_thread(self.tutor.handle, inbound)
            await self.respond(interaction, replies)

    async def press(self, interaction: discord.Interaction[Any], action: Action | None) -> None:
        if action is None:  # a button whose id no longer means anything
            await self.respond(interaction, [Text(EXPIRED_BUTTON)])
            return
        await self.turn(interaction, action=action)

    async def typed_answer(self, interaction: discord.Interaction[Any], question: int,
                           answer: str) -> None:
        # The form belongs to one question: the core refuses it for any other.
        await self.turn(interaction, action=AnswerTyped(question, answer))

    async def respond(self, interaction: discord.Interaction[Any], replies: list[Reply]
                      ) -> None:
        private = interaction.guild is not None  # in a server: only the asker sees it
        outgoing = render(replies) or [Outgoing(discord.Embed(description="👍"))]
        for n, message in enumerate(outgoing):
            if n == 0 and not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=private, **message.kwargs())
            else:
                await interaction.followup.send(ephemeral=private, **message.kwargs())

    async def direct_message(self, message: discord.Message) -> None:
        """Typed text in a DM: answers, questions, plain words; as in the terminal chat."""
        inbound = Inbound.from_text(identity(message.author), str(message.channel.id),
                                    message.content, display_name=message.author.display_name,
                                    event_id=str(message.id))
        async with self._lock(inbound.identity.user_id):
            replies = await asyncio.to_thread(self.tutor.handle, inbound)
            for outgoing in render(replies):
                await message.channel.send(**outgoing.kwargs())

    def _lock(self, user: str) -> asyncio.Lock:
        return self._locks.setdefault(user, asyncio.Lock())

    # -- group quizzes ---------------------------------------------------------------------

    async def group_answer(self, interaction: discord.Interaction[Any], question: int,
                           option: int) -> None:
        message = interaction.message
        if message is None:
            return
        user = interaction.user
        counted = await asyncio.to_thread(self.polls.record_group_answer, str(message.id),
                                          str(user.id), user.display_name, option)
        if counted:
            async with self._lock(str(user.id)):
                await asyncio.to_thread(self.tutor.handle, Inbound(
                    identity(user), str(interaction.channel_id), is_group=True,
                    action=GroupChoose(question, option), display_name=user.display_name,
                    event_id=str(interaction.id)))
            said = "✅ Your answer is in. Results when the time is up!"
        else:
            sent = await asyncio.to_thread(self.polls.find_poll, str(message.id))
            said = "⌛ This question has closed." if sent is None or (
                sent.closes_at is not None and as_utc(sent.closes_at) <= utcnow()) else \
                "You've answered this one already: the first answer counts."
        await interaction.response.send_message(said, ephemeral=True)

    async def start_group_quiz(self, interaction: discord.Interaction[Any], questions: int,
                               seconds: int) -> discord.Thread:
        """Open a thread for the quiz; the questions follow in a task of their own."""
        channel = interaction.channel
        guild = interaction.guild
        if guild is None or not isinstance(channel, discord.TextChannel):
            raise GroupQuizError("Group quizzes run in a server's text channel.")
        course = await asyncio.to_thread(self.groups.course, str(guild.id), str(channel.id))
        if course is None:
            raise GroupQuizError("This channel has no course yet: a server admin links one "
                                 "with `/course set`.")
        try:
            thread = await channel.create_thread(
                name=f"Group quiz by {interaction.user.display_name}"[:100],
                type=discord.ChannelType.public_thread, auto_archive_duration=60)
        except discord.Forbidden as exc:
            raise GroupQuizError(
                f"I'm missing a permission in {channel.mention}: *Create Public Threads* and "
                "*Send Messages in Threads*. A server admin can grant them in the channel's "
                "settings (Permissions), then try again.") from exc
        task = asyncio.create_task(self._run_group_quiz(
            thread, str(guild.id), course, interaction.user, questions, seconds))
        self.quizzes.add(task)
        task.add_done_callback(self.quizzes.discard)
        return thread

    async def _run_group_quiz(self, thread: discord.Thread, guild: str, course: str,
                              host: discord.abc.User, questions: int, seconds: int) -> None:
        scores: dict[str, tuple[str, int]] = {}
        asked: set[int] = set()
        try:
            for number in range(1, questions + 1):
                found = await self._fresh_question(host, course, asked)
                if found is None:
                    break
                asked.add(found.question_id)
                await self._one_question(thread, guild, found, number, questions, seconds,
                                         scores)
            board = sorted(scores.values(), key=lambda s: (-s[1], s[0]))
            lines = [f"**{i}.** {plain(name)}: {points} point{'s' if points != 1 else ''}"
                     for i, (name, points) in enumerate(board, 1)] or ["Nobody answered."]
            await thread.send(embed=discord.Embed(title="🏁 Final scores",
                                                  description="\n".join(lines)),
                              allowed_mentions=NO_PINGS)
        except discord.Forbidden:
            log.warning("lost permission to post in thread %s; the quiz stopped", thread.id)
        except Exception:
            log.exception("a group quiz in thread %s failed", thread.id)

    async def _fresh_question(self, host: discord.abc.User, course: str, asked: set[int]
                              ) -> QuestionReply | None:
        for _ in range(20):
            found = await asyncio.to_thread(self.polls.group_question, identity(host), course)
            if isinstance(found, str):
                return None
            if found.question_id not in asked:
                return found
        return None

    async def _one_question(self, thread: discord.Thread, guild: str, found: QuestionReply,
                            number: int, total: int, seconds: int,
                            scores: dict[str, tuple[str, int]]) -> None:
        view = discord.ui.View(timeout=None)
        for option, label in enumerate(found.options):
            view.add_item(GroupAnswerButton(found.question_id, option, f"{option + 1}. {label}"))
        embed = discord.Embed(title=f"Question {number} of {total}",
                              description=f"{found.prompt}\n\n⏱ {seconds} seconds")
        message = await thread.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
        await asyncio.to_thread(self.polls.remember_poll, str(message.id), found.question_id,
                                str(thread.id), str(message.id), is_group=True,
                                closes_at=utcnow() + timedelta(seconds=seconds))
        await asyncio.sleep(seconds)
        results = await asyncio.to_thread(self.polls.group_results, str(message.id))
        right_users = []
        if results is not None:
            for user_id, (name, option) in results.answers.items():
                if option in found.correct:
                    right_users.append(name)
                    old = scores.get(user_id, (name, 0))
                    scores[user_id] = (name, old[1] + 1)
                    await asyncio.to_thread(self.groups.award, guild,
                                            Identity(PLATFORM, user_id), 1, self.clock())
                else:
                    scores.setdefault(user_id, (name, 0))
        answer = found.options[found.correct[0]]
        who = ", ".join(plain(name) for name in sorted(right_users)) or "nobody this time"
        embed.description = (f"{found.prompt}\n\n**Answer: {answer}**\n\n{found.explanation}"
                             f"\n\n✅ {who}")
        await message.edit(embed=embed, view=None, allowed_mentions=NO_PINGS)

    async def report_error(self, interaction: discord.Interaction[Any],
                           error: BaseException) -> None:
        """One place for a cog's failures: logged in full, the member told only that."""
        log.error("a Discord command failed", exc_info=error)
        text = str(error) if isinstance(error, GroupQuizError) else SOMETHING_WRONG
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell %s about the failure", interaction.user.id)

