"""The bot's own words in every learner's language: complete catalogs, and no message that
escapes them."""

from __future__ import annotations

import ast
import asyncio
import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.terminal import environment_language
from nudges.audience import Recipient
from nudges.planner import AUTOMATIC
from retrieval.lexical import HAN as HAN_CHARACTER
from tests.conftest import Chat
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import running
from tutor import Database, Tutor
from tutor.i18n import KEYWORDS, LANGUAGES, LOCALE_DIR, negotiate
from tutor.storage.models import Learner

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("tutor", "bot", "nudges")
# What the bot says to learners and teachers in chats. The web dashboard (its own pages)
# and the command line (operators, course authors) are English tools for now.
NOT_CHAT = ("bot/web/", "bot/cli", "bot/campaign_cli", "tutor/storage/migrations/")
_FIELD = string.Formatter()
HAN = re.compile(HAN_CHARACTER)
CLOCK = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def _source_messages() -> dict[str | tuple[str, ...], str]:
    """Every message marked in the code, with where it was found."""
    found: dict[str | tuple[str, ...], str] = {}
    for folder in SOURCES:
        for path, line, message, _comments, _context in extract_from_dir(
                ROOT / folder, keywords=KEYWORDS, comment_tags=()):
            if (message[0] if isinstance(message, tuple) else message):
                found.setdefault(message, f"{folder}/{path}:{line}")
    return found


def _catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "tutorbot.po").open("rb") as po:
        return read_po(po, locale=language)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in _FIELD.parse(text) if name}


def test_every_marked_message_has_a_checked_translation_in_every_language() -> None:
    messages = _source_messages()
    assert len(messages) > 250  # the extraction really read the code
    for language in LANGUAGES:
        catalog = _catalog(language)
        problems = []
        for message, where in messages.items():
            key = message[0] if isinstance(message, tuple) else message
            entry = catalog.get(key)
            forms = entry.string if entry is not None else None
            forms = (forms,) if isinstance(forms, str) else tuple(forms or ())
            wanted = _fields(" ".join(message) if isinstance(message, tuple) else message)
            if entry is None or not forms or not all(forms):
                problems.append(f"{where}: no translation of {key!r}")
            elif entry.fuzzy:
                problems.append(f"{where}: the translation of {key!r} is marked fuzzy")
            elif isinstance(message, tuple) != isinstance(entry.id, tuple):
                problems.append(f"{where}: {key!r} has plural forms in one place only")
            else:
                for form in forms:
                    if _fields(form) - wanted or (not isinstance(message, tuple)
                                                  and _fields(form) != wanted):
                        problems.append(f"{where}: {language} {form!r} has fields "
                                        f"{sorted(_fields(form))}, the message {sorted(wanted)}")
                    if form.count("**") != key.count("**") or form.count("`") != key.count("`"):
                        problems.append(f"{where}: {language} {form!r} changes the markup")
                    if language != "zh_Hans" and HAN.search(form):
                        problems.append(f"{where}: {language} {form!r} is Chinese")
        stale = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id} - {
            m[0] if isinstance(m, tuple) else m for m in messages}
        problems += [f"{language}: {m!r} is no longer in the code" for m in sorted(stale)]
        assert not problems, "run `pybabel extract`/`update` (tutor/locale/README.md):\n" + \
            "\n".join(problems)


# -- no message escapes the catalogs -----------------------------------------------------

_SHOWN = {"Text": 0, "Button": 0, "Image": "caption", "QuestionReply": "header"}
_MARKERS = {"_", "ngettext", "said", "plural_form"}


def _words(node: ast.AST) -> list[str]:
    """English words written straight into an expression, outside any translation."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in _MARKERS:
        return []
    if isinstance(node, ast.Compare):  # `value == "digest"` picks a message; shows nothing
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.findall(r"[A-Za-z]{2,}", node.value)
    if isinstance(node, ast.Name) and node.id.isupper() and len(node.id) > 2:
        return [node.id]  # a module constant shown as it is: it must be translated
    return [word for child in ast.iter_child_nodes(node) for word in _words(child)]


def _shown(call: ast.Call) -> ast.AST | None:
    name = call.func.id if isinstance(call.func, ast.Name) else None
    where = _SHOWN.get(name or "")
    if where is None:
        return None
    if isinstance(where, int):
        return call.args[where] if len(call.args) > where else None
    return next((k.value for k in call.keywords if k.arg == where), None)


def test_no_chat_message_is_written_outside_the_catalogs() -> None:
    problems = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(NOT_CHAT):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or (shown := _shown(node)) is None:
                    continue
                if words := _words(shown):
                    problems.append(f"{relative}:{node.lineno}: {' '.join(words[:6])}")
    assert not problems, "shown without `_()`:\n" + "\n".join(problems)


# -- the learner's language ----------------------------------------------------------------

@pytest.mark.parametrize(("code", "found"), [
    ("es", "es"), ("es-419", "es"), ("zh-hans", "zh_Hans"), ("zh-CN", "zh_Hans"),
    ("zh-TW", "zh_Hans"), ("en-US", "en"), ("zh_Hans", "zh_Hans"), ("fr", None), ("", None),
    (None, None)])
def test_platform_language_codes_find_their_catalog(code: str | None, found: str | None) -> None:
    assert negotiate(code) == found


def test_the_terminal_speaks_the_language_of_its_environment() -> None:
    assert environment_language({"LANG": "es_ES.UTF-8"}) == "es_ES"
    assert negotiate(environment_language({"LANGUAGE": "zh_CN:en", "LANG": "C.UTF-8"})) \
        == "zh_Hans"
    assert negotiate(environment_language({"LANG": "C.UTF-8"})) is None
    assert environment_language({}) == ""


def test_a_spanish_learner_takes_the_english_course_in_spanish(bundled_db: Database) -> None:
    ana = Chat(Tutor(bundled_db, clock=lambda: CLOCK), "es1", language="es-ES")
    ana.say("/start")
    assert "¡Hola, Ann! Soy tutorbot" in ana.text()
    assert "¿Qué curso quieres?" in ana.text()
    ana.say("/course python-basics")
    text = ana.text()
    assert "Lección 1 · " in text and "tarjeta 1 de" in text
    assert "Siguiente ▶" in [b.label for r in ana.last for row in getattr(r, "buttons", ())
                            for b in row]
    ana.say("/quiz")
    assert "Cuestionario de **" in ana.text() and "Pregunta 1 de" in \
        " ".join(getattr(r, "header", "") for r in ana.last)
    ana.say("/help")
    assert "**Lo que puedo hacer**" in ana.text() and "Pausa todos los recordatorios" in \
        ana.text()
    ana.say("/settings goal 1")
    assert "🎯 Meta semanal: **1 día activo** por semana." in ana.text()
    ana.say("/settings goal 3")
    assert "🎯 Meta semanal: **3 días activos** por semana." in ana.text()


def test_a_language_chosen_in_settings_outranks_the_app_and_reaches_nudges(
        bundled_db: Database) -> None:
    tutor = Tutor(bundled_db, clock=lambda: CLOCK)
    li = Chat(tutor, "zh1", language="es")
    li.say("/settings language 中文")
    assert "🌐 我会用**简体中文**和你交流。" in li.text() and "⚙️ **设置**" in li.text()
    li.say("/menu")  # their app still says Spanish: their own choice wins
    assert "你想学哪门课程？" in li.text()
    li.say("/settings language auto")
    assert "Hablaré **Español** contigo." in li.text()
    li.say("/settings language klingon")
    assert "Hablo English, 简体中文, Español" in li.text()
    with bundled_db.session() as session:
        learner = session.query(Learner).one()
        assert learner.language == "es"  # what their app said, for nudges sent unasked
    reviewer = Recipient(1, "Li", "UTC", (22, 8), "telegram", "1", 3, 0, None, "Loops", None,
                         {}, "zh_Hans")
    assert AUTOMATIC["review"].words(reviewer, "Python") == \
        "🔁 Li，Python 有 3 道题需要快速复习。"
    english = Recipient(2, "Ann", "UTC", (22, 8), "telegram", "2", 1, 0, None, "Loops", None,
                        {})
    assert AUTOMATIC["review"].words(english, "Python") == \
        "🔁 Ann, 1 question of Python is due for a quick review."


def test_a_chinese_telegram_user_is_answered_in_chinese_and_has_a_chinese_menu(
        bundled_db: Database) -> None:
    async def scenario() -> None:
        fake = FakeTelegram(language_codes={7: "zh-hans", 8: "es"})
        await fake.start()
        async with running(Tutor(bundled_db), bundled_db, fake=fake,
                           telegram_rate_limits=False):
            fake.message(7, "/start")
            replies = await fake.reply_to(7, 0)
            assert "我是 tutorbot" in replies[0].text
            fake.message(8, "/nonsense")
            [unknown] = await fake.reply_to(8, 0)
            assert "No conozco el comando /nonsense" in unknown.text
        menus = {code: {c["command"]: c["description"] for c in commands}
                 for code, commands in fake.commands.items()}
        assert menus[""]["stop"] == "Pause all reminders"
        assert menus["zh"]["stop"] == "暂停所有提醒"
        assert menus["es"]["stop"] == "Pausa todos los recordatorios"
        await fake.stop()

    asyncio.run(scenario())


def test_discord_describes_slash_commands_in_the_members_language() -> None:
    import discord
    from discord import app_commands

    from bot.discord.translator import CatalogTranslator

    where = app_commands.TranslationContextLocation
    text = app_commands.locale_str("Pause all reminders")

    async def translate(locale: discord.Locale, location: app_commands.TranslationContextLocation
                        ) -> str | None:
        context = app_commands.TranslationContext(location=location, data=None)  # type: ignore[call-overload]
        return await CatalogTranslator().translate(text, locale, context)

    async def scenario() -> None:
        assert await translate(discord.Locale.chinese, where.command_description) == "暂停所有提醒"
        assert await translate(discord.Locale.latin_american_spanish,
                               where.command_description) == "Pausa todos los recordatorios"
        assert await translate(discord.Locale.french, where.command_description) is None
        assert await translate(discord.Locale.chinese, where.command_name) is None  # typed

    asyncio.run(scenario())


def test_the_terminal_says_how_to_answer_each_kind_of_question_in_the_learners_language(
) -> None:
    from bot.terminal import ANSWER_HELP
    from tutor.i18n import N_, said

    assert said(N_("type the option number"), "zh") == "输入选项编号"
    assert said(ANSWER_HELP["short"], "zh") == "输入你的答案"
    assert said(ANSWER_HELP["short"], "es") == "escribe tu respuesta"
