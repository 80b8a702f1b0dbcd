"""The command list lives in the core; /help and each platform's menu come from it."""

from __future__ import annotations

import asyncio

from discord import app_commands

from bot.discord import build_bot
from tests.conftest import Chat
from tests.telegram_harness import running
from tutor import Database, Settings, Tutor, commands


def test_the_core_answers_every_command_it_lists(mini_db: Database) -> None:
    assert set(Tutor(mini_db).commands) == {c.name for c in commands.COMMANDS}


def test_help_lists_each_command_on_a_line_of_its_own(mini_db: Database) -> None:
    chat = Chat(Tutor(mini_db))
    chat.say("/help")
    lines = chat.text().splitlines()
    for c in commands.COMMANDS:
        listed = [line for line in lines if line.startswith(f"- /{c.name}")]
        assert bool(listed) == (c.platforms is None), c.name  # the terminal has no groups
    assert "- /ask `question`: " in chat.text() and "- /lesson [`lesson`]: " in chat.text()


def test_telegram_menu_is_the_core_list(mini_db: Database) -> None:
    async def scenario() -> None:
        async with running(Tutor(mini_db), mini_db, telegram_rate_limits=False) as (fake, _):
            offered = fake.commands[""]  # the menu for every language without its own
            assert [(c["command"], c["description"]) for c in offered] == \
                [(c.name, c.summary) for c in commands.menu("telegram")]
            assert "groupquiz" in {c["command"] for c in offered}
            for language in ("zh", "es"):  # the same commands, described in the language
                assert [c["command"] for c in fake.commands[language]] == \
                    [c["command"] for c in offered]

    asyncio.run(scenario())


def test_discord_slash_commands_are_generated_from_the_core_list(mini_db: Database) -> None:
    async def scenario() -> None:
        bot = build_bot(Settings(), Tutor(mini_db), mini_db, sync_commands=False)
        await bot.setup_hook()
        tree = {c.name: c for c in bot.tree.get_commands()
                if isinstance(c, app_commands.Command | app_commands.Group)}
        for spec in commands.menu("discord", "everyone"):
            assert tree[spec.name].description == spec.summary
        ask = tree["ask"]
        lesson = tree["lesson"]
        assert isinstance(ask, app_commands.Command) and isinstance(lesson, app_commands.Command)
        assert [(p.display_name, p.required) for p in ask.parameters] == [("question", True)]
        assert [(p.display_name, p.required) for p in lesson.parameters] == [("lesson", False)]
        assert tree["groupquiz"].description == commands.command("groupquiz").summary
        await bot.close()

    asyncio.run(scenario())
