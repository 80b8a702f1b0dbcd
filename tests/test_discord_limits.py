"""What a strict Discord found (issue 20), each as a test: the fake refuses what Discord
refuses (`tests.discord_rules`, the 3 s deadline, one initial response), and these flows
must still work within it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import discord
from discord.ext.test import backend
from sqlalchemy import select

from bot.discord import TutorDiscordBot
from tests.fake_discord import Call, DiscordHarness, wait_for
from tests.test_discord import run
from tutor import Database, Inbound
from tutor.grading import correct_indices, expected_answer
from tutor.storage.models import Campaign, QuestionRow


def _ids(calls: list[Call], prefix: str) -> list[str]:
    return [i for c in calls for i in c.custom_ids if i.startswith(prefix)]


def _with(calls: list[Call], prefix: str) -> Call:
    return next(c for c in calls if any(i.startswith(prefix) for i in c.custom_ids))


async def _tick_the_right_ones(db: Database, harness: DiscordHarness,
                               member: discord.abc.User, calls: list[Call]) -> list[Call]:
    question_id = int(_ids(calls, "tb:tog:")[0].split(":")[2])
    with db.session() as session:
        question = session.get(QuestionRow, question_id)
        assert question is not None
        right = correct_indices(question)
        options = len(question.options)
    shown = _with(calls, "tb:tog:")
    assert len(_ids([shown], "tb:tog:")) == options  # every option can be ticked...
    assert f"tb:sub:{question_id}" in shown.custom_ids  # ...and the answer submitted
    assert f"tb:skip:{question_id}" in shown.custom_ids
    for option in right:
        calls = await harness.click(f"tb:tog:{question_id}:{option}", member, on=shown)
        assert calls[0].payload["type"] == 7  # the question changed in place, not sent anew
        shown = _with(calls, "tb:tog:")
    return await harness.click(f"tb:sub:{question_id}", member, on=shown)


def test_a_select_all_question_with_five_options_can_be_submitted(bundled_db: Database
                                                                  ) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann = harness.member(0)
        await harness.click("tb:course:python-basics", ann)
        calls = await harness.first_question(ann, "tb:tog:")
        answered = await _tick_the_right_ones(bundled_db, harness, ann, calls)
        assert "Correct" in answered[0].text

    run(bundled_db, scenario)


def test_ten_options_and_twenty_lessons_fit_discord(wide_db: Database) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann = harness.member(0)
        await harness.click("tb:course:wide", ann)
        calls = await harness.first_question(ann, "tb:tog:", lessons=1)
        answered = await _tick_the_right_ones(wide_db, harness, ann, calls)
        assert "Correct" in answered[0].text
        listed = await harness.click("tb:lessons", ann)
        lessons = _ids(listed, "tb:lesson:")
        assert len(lessons) == 20  # every lesson has its button
        opened = await harness.click(lessons[-1], ann, on=_with(listed, "tb:lesson:"))
        assert "Lesson 20 says" in opened[0].text

    run(wide_db, scenario)


def test_a_list_longer_than_discord_buttons_becomes_a_menu(sqlite_db: Database,
                                                          tmp_path: Any) -> None:
    from tests.conftest import import_path, write_wide_course

    import_path(sqlite_db, write_wide_course(tmp_path / "wider", lessons=32))

    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann = harness.member(0)
        await harness.click("tb:course:wide", ann)
        listed = await harness.click("tb:lessons", ann)
        menus = [c for call in listed
                 for row in call.payload["data"].get("components") or []
                 for c in row["components"] if c["type"] == 3]
        assert [len(m["options"]) for m in menus] == [16, 16]
        last = menus[1]["options"][-1]
        assert last["label"].startswith("32. ")
        shown = next(c for c in listed if menus[1]["custom_id"] in c.custom_ids)
        opened = await harness.click(menus[1]["custom_id"], ann, on=shown,
                                     values=[last["value"]])
        assert "Lesson 32 says" in opened[0].text

    run(sqlite_db, scenario)


def test_two_learners_answer_forms_for_one_question_at_once(mini_db: Database) -> None:
    # The mini course's first lesson has one typed question, so both learners reach the
    # same one, whatever order the (online-calibrated) quiz asks the others in.
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann, bob = harness.member(0), harness.member(1)
        await harness.click("tb:course:mini", ann)
        button = _ids(await harness.first_question(ann, "tbt:"), "tbt:")[0]
        await harness.click("tb:course:mini", bob)
        assert _ids(await harness.first_question(bob, "tbt:"), "tbt:")[0] == button
        with mini_db.session() as session:
            question = session.get(QuestionRow, int(button[4:]))
            assert question is not None
            answer = expected_answer(question)
        await harness.click(button, ann)
        await harness.click(button, bob)  # both forms open at once
        assert harness.form(ann) != harness.form(bob)
        assert "Correct" in (await harness.submit(answer, ann))[0].text
        assert "Not quite" in (await harness.submit("no idea", bob))[0].text

    run(mini_db, scenario)


def test_two_teachers_campaign_forms_keep_their_own_campaigns(bundled_db: Database) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        role = backend.make_role("Teacher", harness.guild)
        ann, bob = harness.member(0), harness.member(1)
        for teacher in (ann, bob):
            teacher._roles.add(role.id)
        await harness.command("create", ann, group="campaign", course="python-basics",
                              audience="everyone", schedule="daily 18:00")
        await harness.command("create", bob, group="campaign", course="python-basics",
                              audience="not started", schedule="weekdays 8:30")
        for teacher, text, audience, cron in (
                (ann, "Ann's nudge", "(everyone)", "0 18 * * *"),
                (bob, "Bob's nudge", "(not started)", "30 8 * * mon-fri")):
            shown = await harness.submit(text, teacher, field="message")
            assert audience in shown[0].text and cron in shown[0].text
            done = await harness.click("tb:draft:confirm:yes", teacher, on=shown[0])
            assert "created" in done[0].text

    run(bundled_db, scenario)
    with bundled_db.session() as session:
        made = {c.spec["variants"][0]["text"]: c.spec for c in session.scalars(select(Campaign))}
    assert made.keys() == {"Ann's nudge", "Bob's nudge"}
    assert made["Ann's nudge"]["audience"]["kind"] == "enrolled"  # "everyone" in the course
    assert made["Ann's nudge"]["schedule"]["cron"] == "0 18 * * *"
    assert made["Bob's nudge"]["audience"]["kind"] == "not_started"
    assert made["Bob's nudge"]["schedule"]["cron"] == "30 8 * * mon-fri"


def test_a_slow_turn_is_deferred_within_discords_three_seconds(bundled_db: Database) -> None:
    release = threading.Event()

    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann = harness.member(0)
        await harness.click("tb:course:python-basics", ann)
        tutor = bot.tutorbot.tutor
        handle = tutor.handle

        def slow(event: Inbound) -> Any:
            if event.command == "progress":  # a first chart on a loaded machine
                release.wait(timeout=30)
            return handle(event)

        tutor.handle = slow  # type: ignore[method-assign]
        before = len(harness.webhooks.calls)
        task = asyncio.create_task(harness.command("progress", ann))
        # Discord hears "thinking" in time; only then does the chart get drawn.
        await wait_for(lambda: any(c.payload.get("type") == 5
                                   for c in harness.webhooks.calls[before:]), timeout=10)
        release.set()
        await task
        await wait_for(lambda: len(harness.webhooks.calls) >= before + 2)  # the follow-up
        followed = harness.webhooks.calls[before:]
        assert followed[0].payload["type"] == 5 and followed[0].ephemeral
        assert "Python Basics" in " ".join(c.text for c in followed[1:])

    try:
        run(bundled_db, scenario)
    finally:
        release.set()


def _row(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(items)}


def _button(custom_id: str) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id}


def test_the_fake_knows_discords_limits() -> None:
    from tests.discord_rules import message_problems, modal_problems

    fine = {"content": "hi", "components": [_row(*(_button(f"b{r}{i}") for i in range(5)))
                                            for r in range(5)]}
    assert message_problems(fine) == []
    six_rows = {"components": [_row(_button(f"b{r}")) for r in range(6)]}
    six_wide = {"components": [_row(*(_button(f"b{i}") for i in range(6)))]}
    twice = {"components": [_row(_button("same"), _button("same"))]}
    menu = {"type": 3, "custom_id": "m", "options": [
        {"label": str(i), "value": str(i)} for i in range(26)]}
    crowded = {"components": [_row(menu, _button("b"))]}
    for payload in (six_rows, six_wide, twice, crowded, {"content": "x" * 2001},
                    {"embeds": [{"description": "x" * 4097}]}):
        assert message_problems(payload), payload
    assert modal_problems({"title": "Your answer", "custom_id": "f", "components": [
        _row({"type": 4, "custom_id": "answer", "label": "Answer", "max_length": 400})]}) == []
    assert modal_problems({"title": "x" * 46, "custom_id": "", "components": []})


def test_the_fake_refuses_a_late_or_second_response(bundled_db: Database) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        async def twice(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message("one")
            interaction.response._response_type = None  # past discord.py's own guard
            await interaction.response.send_message("two")

        async def early(interaction: discord.Interaction[Any]) -> None:
            await interaction.followup.send("before any response")

        async def late(interaction: discord.Interaction[Any]) -> None:
            await asyncio.sleep(0.3)
            await interaction.response.send_message("too late")

        for name, callback in (("twice", twice), ("early", early), ("late", late)):
            bot.tree.add_command(discord.app_commands.Command(
                name=name, description=name, callback=callback))
        harness.webhooks.deadline = 0.1
        await harness.command("twice", harness.member(0))
        await harness.command("early", harness.member(0))
        await harness.command("late", harness.member(0))
        assert [v.split(":")[0] for v in harness.violations] == [
            "Interaction has already been acknowledged", "Unknown Webhook",
            "Unknown interaction"]
        harness.violations.clear()  # seen: the scenario itself is what failed on purpose

    run(bundled_db, scenario)


def test_a_form_opened_before_a_restart_is_answered(bundled_db: Database) -> None:
    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        ann = harness.member(0)
        harness.webhooks.forms[str(ann.id)] = ["0f3a9c"]  # shown by the process before
        calls = await harness.submit("my answer", ann, form="0f3a9c")
        assert "This form has expired" in calls[0].text and calls[0].ephemeral

    run(bundled_db, scenario)
