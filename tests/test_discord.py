from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend
from sqlalchemy import select

from bot.discord import TutorDiscordBot, build_bot
from nudges.desk import Desk
from tests.fake_discord import DiscordHarness, wait_for
from tutor import Button, Database, Settings, Tutor
from tutor.actions import Mute, Screen
from tutor.grading import expected_answer
from tutor.storage.models import Attempt, Campaign, Poll, QuestionRow, utcnow


async def _bot(db: Database, clock: Callable[[], datetime] = utcnow, **tutor: Any
               ) -> tuple[TutorDiscordBot, DiscordHarness]:
    charts = Path(tempfile.mkdtemp(prefix="charts-"))
    bot = build_bot(Settings(), Tutor(db, charts_dir=charts, clock=clock, desk=Desk(),
                                      **tutor), db, sync_commands=False)
    # dpytest builds its members through the member cache, which the bot itself does not
    # need (no privileged intents); the test world turns it on.
    bot._connection._intents.members = True
    bot._connection.member_cache_flags = discord.MemberCacheFlags.all()
    await bot._async_setup_hook()
    dpytest.configure(bot, members=["Ann", "Bob", "Cy"])
    bot._connection._command_tree = bot.tree  # dpytest's state replaced the bot's
    bot._ready = asyncio.Event()  # no gateway, so no READY event: the world is ready
    bot._ready.set()
    await bot.setup_hook()
    return bot, DiscordHarness(bot)


def run(db: Database, scenario: Callable[[TutorDiscordBot, DiscordHarness],
                                          Awaitable[None]],
        clock: Callable[[], datetime] = utcnow, **tutor: Any) -> None:
    async def main() -> None:
        bot, harness = await _bot(db, clock, **tutor)
        try:
            await scenario(bot, harness)
            harness.check()
        finally:
            await dpytest.empty_queue()

    asyncio.run(main())


def test_a_direct_message_conversation(bundled_db: Database) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann = harness.member(0)
        dm = await ann.create_dm()
        await dpytest.message("/course python-basics", channel=dm, member=ann)
        await wait_for(lambda: not dpytest.sent_queue.empty())
        first = dpytest.get_embed()
        assert "Python Basics" in (first.description or "")
        await dpytest.empty_queue()
        await dpytest.message("/quiz 1", channel=dm, member=ann)
        await wait_for(lambda: dpytest.sent_queue.qsize() >= 2)
        await dpytest.empty_queue()
        await dpytest.message("/skip", channel=dm, member=ann)
        await wait_for(lambda: not dpytest.sent_queue.empty())
        assert "Skipped" in (dpytest.get_embed().description or "")

    run(bundled_db, scenario)


def test_personal_commands_in_a_server_are_ephemeral_and_buttons_work(
        bundled_db: Database) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann = harness.member(0)
        calls = await harness.command("start", ann)
        assert calls[0].ephemeral and "Hi Ann" in calls[0].text
        assert all(c.ephemeral for c in calls)  # the follow-up too
        assert "tb:course:python-basics" in calls[-1].custom_ids
        calls = await harness.click("tb:course:python-basics", ann)
        assert all(c.ephemeral for c in calls)
        assert any("tb:next" in c.custom_ids for c in calls)
        calls = await harness.click("tb:next", ann)
        assert calls and calls[0].ephemeral
        calls = await harness.command("quiz", ann, lesson="1")
        question = next(c for c in calls if any(i.startswith(("tb:ans:", "tbt:", "tb:tog:"))
                                                for i in c.custom_ids))
        if any(i.startswith("tbt:") for i in question.custom_ids):
            typed = next(i for i in question.custom_ids if i.startswith("tbt:"))
            modal = await harness.click(typed, ann)
            assert modal[0].payload["type"] == 9  # a form opens
            calls = await harness.submit("no idea", ann)
        else:
            answer = next(i for i in question.custom_ids if i.startswith(("tb:ans:", "tb:tog:")))
            calls = await harness.click(answer, ann)
        assert any(w in calls[0].text for w in ("Correct", "Not quite", "Partly", "☑"))
        calls = await harness.click("tb:ans:999999:0", ann)  # an old or forged button
        assert "expired" in calls[0].text

    run(bundled_db, scenario)


def test_a_typed_answer_through_a_form(bundled_db: Database) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann = harness.member(0)
        await harness.click("tb:course:python-basics", ann)
        calls = await harness.first_question(ann, "tbt:")
        typed = next(i for c in calls for i in c.custom_ids if i.startswith("tbt:"))
        with bundled_db.session() as session:
            question = session.get(QuestionRow, int(typed[4:]))
            assert question is not None
            answer = expected_answer(question)
        modal = await harness.click(typed, ann)
        assert modal[0].payload["type"] == 9  # a form opens
        calls = await harness.submit(answer, ann)
        assert "Correct" in calls[0].text
        calls = await harness.command("progress", ann)
        assert calls[0].ephemeral and "Python Basics" in calls[0].text
        assert any(f.startswith("progress-") and f.endswith(".png")
                   for c in calls for f in c.files)  # the chart, attached

    run(bundled_db, scenario)


def test_buttons_keep_working_after_a_restart(bundled_db: Database) -> None:
    who: list[Any] = []

    async def first(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        who.append(harness.member(0))
        await harness.click("tb:course:earth-science", who[0])

    async def second(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        # A new process: the old message's Next button is routed by its custom id alone.
        calls = await harness.click("tb:next", who[0])
        assert calls and "tb:back" in calls[-1].custom_ids

    run(bundled_db, first)
    run(bundled_db, second)


def _make_teacher(harness: DiscordHarness) -> Any:
    role = backend.make_role("Teacher", harness.guild)
    teacher = harness.member(0)
    teacher._roles.add(role.id)  # dpytest keeps roles on the member object
    return teacher


def test_a_group_quiz_with_three_members_and_the_weekly_leaderboard(
        bundled_db: Database) -> None:
    sunday_night = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    base, began = [sunday_night], time.monotonic()

    def clock() -> datetime:  # Sunday night, running at the pace of real time
        return base[0] + timedelta(seconds=time.monotonic() - began)

    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann, bob, cy = (harness.member(i) for i in range(3))
        refused = await harness.command("set", bob, group="course", course="python-basics")
        assert "That is for teachers" in refused[0].text and refused[0].ephemeral
        teacher = _make_teacher(harness)
        said = await harness.command("set", teacher, group="course", course="python-basics")
        assert "now studies **Python Basics**" in said[0].text and not said[0].ephemeral
        await harness.command("timezone", teacher, group="course", zone="Berlin")
        await dpytest.empty_queue()
        started = await harness.command("groupquiz", ann, questions=2, seconds=5)
        assert "Group quiz: Python Basics" in started[0].text and not started[0].ephemeral
        thread = harness.threads[0]
        assert f"<#{thread.id}>" in started[0].text
        await wait_for(lambda: not dpytest.sent_queue.empty())
        question = dpytest.get_message()
        assert question.channel.id == thread.id and question.embeds[0].title == \
            "Question 1 of 2"
        right, count = _right_option(bundled_db, question.id)
        wrong = (right + 1) % count
        for member, option in ((ann, right), (bob, right), (cy, wrong), (ann, wrong)):
            calls = await harness.click(f"gq:{question.id}:{option}", member,
                                        channel=thread, message_id=question.id)
            assert calls[-1].ephemeral
        assert "already" in calls[-1].text  # Ann's second answer does not count
        elsewhere = await harness.click(f"gq:{question.id}:{right}", cy, message_id=question.id)
        assert "not valid here" in elsewhere[-1].text  # a copy of the button in the channel
        await wait_for(lambda: any("Time's up" in t for t in _texts(bot, thread.id)), 20)
        [closed] = [e for e in harness.edits if e["message_id"] == question.id]
        assert not closed.get("components")  # the buttons are gone
        results = next(t for t in _texts(bot, thread.id) if "Time's up" in t)
        assert "✅ Ann, Bob" in results and "❌ Cy" in results
        await wait_for(lambda: any("Final scores" in t for t in _texts(bot, thread.id)), 20)
        board = await harness.command("show", cy, group="leaderboard")
        assert "Ann" in board[0].text and "Bob" in board[0].text and "Cy" not in board[0].text
        await harness.command("optout", bob, group="leaderboard")
        board = await harness.command("show", cy, group="leaderboard")
        assert "Bob" not in board[0].text
        base[0] = sunday_night + timedelta(hours=1)  # Monday 00:30 in Berlin: a new week
        board = await harness.command("show", cy, group="leaderboard")
        assert "No points yet this week" in board[0].text

    run(bundled_db, scenario, clock)
    with bundled_db.session() as session:
        contexts = session.scalars(select(Attempt.context)).all()
        assert contexts == ["group"] * 3  # counted in each member's own learner model


def _right_option(db: Database, message_id: int) -> tuple[int, int]:
    with db.session() as session:
        poll = session.scalars(select(Poll).where(Poll.external_id == str(message_id))).one()
        row = session.get(QuestionRow, poll.question_id)
        assert row is not None
        options = row.options if row.kind != "true_false" else ["true", "false"]
        return next(i for i, o in enumerate(options) if o in row.answers), len(options)


def _texts(bot: TutorDiscordBot, channel_id: int) -> list[str]:
    return [e.description or "" for m in _sent(bot, channel_id) for e in m.embeds]


def _sent(bot: TutorDiscordBot, channel_id: int) -> list[Any]:
    return [m for m in bot._connection._messages if m.channel.id == channel_id] \
        if bot._connection._messages else []


def test_a_missing_permission_is_explained_to_the_member(bundled_db: Database) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        teacher = _make_teacher(harness)
        await harness.command("set", teacher, group="course", course="earth-science")
        harness.forbid_threads = True
        calls = await harness.command("groupquiz", harness.member(1))
        assert calls[0].ephemeral
        assert "missing a permission" in calls[0].text and "server admin" in calls[0].text
        assert "Traceback" not in calls[0].text
        no_course = await harness.command("groupquiz", harness.member(1),
                                          guild=True)  # the same channel, still forbidden
        assert no_course[0].ephemeral

    run(bundled_db, scenario)


def test_teachers_create_campaigns_with_a_form_and_members_cannot(bundled_db: Database
                                                                  ) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        member = harness.member(1)
        refused = await harness.command("create", member, group="campaign",
                                        course="python-basics", audience="everyone",
                                        schedule="daily 18:00")
        assert refused[0].ephemeral and "That is for teachers" in refused[0].text
        refused = await harness.command("report", member)
        assert "That is for teachers" in refused[-1].text
        teacher = _make_teacher(harness)
        shown = await harness.command("preview", teacher, group="campaign",
                                      course="python-basics", audience="everyone",
                                      schedule="daily 18:00", message="Hi {name}!")
        assert shown[0].ephemeral and "learners now" in shown[0].text
        form = await harness.command("create", teacher, group="campaign",
                                     course="python-basics", audience="reviews due",
                                     schedule="weekdays 8:30")
        assert form[0].payload["type"] == 9  # the message is typed in a form
        shown = await harness.submit("Hi {name}, {due} reviews wait!", teacher,
                                     field="message")
        assert shown[0].ephemeral and "Preview" in shown[0].text
        assert "tb:draft:confirm:yes" in shown[0].custom_ids
        done = await harness.click("tb:draft:confirm:yes", teacher)
        assert done[0].ephemeral and "Campaign 1 created" in done[0].text
        cancelled = await harness.command("status", teacher, group="campaign",
                                          change="cancel", campaign_id=1)
        assert "is now cancelled" in cancelled[0].text
        before = len(harness.webhooks.calls)
        await harness.command("report", teacher, course="python-basics")
        await wait_for(lambda: len(harness.webhooks.calls) >= before + 2)  # after "thinking"
        report = harness.webhooks.calls[before:]
        assert any("Campaigns" in c.text for c in report)
        assert any(f.startswith("class-") for c in report for f in c.files)  # the overview

    run(bundled_db, scenario)
    with bundled_db.session() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert campaign.spec["audience"]["kind"] == "reviews_due"
        assert campaign.status == "cancelled"
        assert campaign.spec["schedule"]["cron"] == "30 8 * * mon-fri"


def test_nudges_reach_members_by_direct_message(bundled_db: Database) -> None:
    from bot.discord.channel import DiscordChannel

    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        member = harness.member(2)
        await DiscordChannel(bot).send(str(member.id), "🔁 **2** reviews are due.",
                                       [Button("Open", Screen("review")),
                                        Button("🔕 Stop these", Mute("review"))])
        await wait_for(lambda: not dpytest.sent_queue.empty())
        message = dpytest.get_message()
        assert message.channel.type == discord.ChannelType.private
        assert "**2** reviews are due" in (message.embeds[0].description or "")

    run(bundled_db, scenario)


def test_a_teacher_adds_a_document_in_a_direct_message(sqlite_db: Database,
                                                       tmp_path: Path) -> None:
    from tests.test_documents import FORCES, write_pdf
    from tutor.flows.documents import DocumentShelf
    from tutor.library import import_documents_into

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "intro.md").write_text("# Physics\n\nMatter and energy.\n", encoding="utf-8")
    import_documents_into(sqlite_db, "physics", [docs], tmp_path / "courses", "Physics")
    pdf = write_pdf(tmp_path / "forces.pdf", [("Friction", FORCES)], title="Forces")

    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann, bob = harness.member(0), harness.member(1)
        bot.tutorbot.tutor.teaching.teachers = frozenset({f"discord:{ann.id}"})
        for member, expected in ((bob, "That is for teachers"),
                                 (ann, "Reference: Forces** is now part of Physics")):
            dm = await member.create_dm()
            # As dpytest.message, but with the file's real size, as Discord reports it.
            backend.make_message("/adddoc physics", member, dm,
                                 attachments=[backend.make_attachment(pdf)])
            await dpytest.run_all_events()
            await wait_for(lambda: not dpytest.sent_queue.empty())
            assert expected in (dpytest.get_embed().description or "")

    run(sqlite_db, scenario, documents=DocumentShelf(tmp_path / "uploads"))
    assert (tmp_path / "uploads" / "physics" / "forces.pdf").exists()


def test_a_card_with_a_formula_in_a_direct_message(bundled_db: Database) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann = harness.member(0)
        dm = await ann.create_dm()
        for said in ("/course earth-science", "/lesson 8", "/next", "/next", "/next"):
            await dpytest.empty_queue()
            await dpytest.message(said, channel=dm, member=ann)
            await wait_for(lambda: not dpytest.sent_queue.empty())
        await wait_for(lambda: dpytest.sent_queue.qsize() >= 2)
        picture = await dpytest.sent_queue.get()
        card = await dpytest.sent_queue.get()
        assert picture.attachments and picture.attachments[0].filename.endswith(".png")
        assert "F = (G m₁ m₂)/r²" in (card.embeds[0].description or "")

    run(bundled_db, scenario)  # the harness's Tutor draws into its charts folder


def test_discord_shards_when_configured(bundled_db: Database) -> None:
    """dpytest has no sharded client ("Sharded clients not yet supported"), so this
    checks the wiring: the kind of client, its shard count, and the same commands."""
    from pydantic import ValidationError

    from bot.discord import ShardedTutorDiscordBot

    async def commands_of(settings: Settings) -> tuple[TutorDiscordBot, set[str]]:
        bot = build_bot(settings, Tutor(bundled_db), bundled_db, sync_commands=False)
        await bot._async_setup_hook()
        await bot.setup_hook()
        bot.post_due.cancel()
        return bot, {c.qualified_name for c in bot.tree.walk_commands()}

    async def main() -> None:
        sharded, theirs = await commands_of(Settings(discord_shards="2"))
        auto, _ = await commands_of(Settings(discord_shards="auto"))
        plain, ours = await commands_of(Settings())
        assert isinstance(sharded, ShardedTutorDiscordBot) and sharded.shard_count == 2
        assert isinstance(auto, ShardedTutorDiscordBot) and auto.shard_count is None
        assert not isinstance(plain, discord.AutoShardedClient)
        assert theirs == ours and "lesson" in ours

    asyncio.run(main())
    with pytest.raises(ValidationError, match="DISCORD_SHARDS is empty"):
        Settings(discord_shards="many")
