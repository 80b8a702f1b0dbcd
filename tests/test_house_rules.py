"""Rules of ../shared/ARCHITECTURE.md that a test can hold the code to."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "tutor", "nudges", "retrieval", "content")


def _sources() -> list[Path]:
    return [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")
            if "migrations" not in p.parts]


def test_one_writer_of_reachability() -> None:
    writes = re.compile(r"unreachable_since\s*=(?!=)")
    writers = {p.relative_to(ROOT).as_posix() for p in _sources()
               if writes.search(p.read_text(encoding="utf-8"))}
    assert writers <= {"tutor/reach.py", "tutor/storage/models.py"}, writers


def test_one_exception_for_a_user_who_blocked_us() -> None:
    from nudges.channel import Unreachable as ChannelUnreachable
    from tutor.reach import Unreachable

    assert ChannelUnreachable is Unreachable


def test_actions_are_parsed_in_one_place() -> None:
    # Wire forms like "ans:12:0" are read only by tutor/actions.py.
    parsing = re.compile(r"""(startswith|partition|split)\(\s*["'](ans|tog|draft|sub|hint|skip|"""
                         r"""course|lesson|quiz|card|mute|set|forget)[:"']""")
    offenders = [p.relative_to(ROOT).as_posix() for p in _sources()
                 if p.name != "actions.py" and parsing.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_command_list_lives_in_the_core() -> None:
    # A platform's menu is generated from tutor/commands.py, never written out again.
    listed = re.compile(r"BotCommand\(\s*[\"']|app_commands\.command\(\s*name=[\"'](start|help)")
    offenders = [p.relative_to(ROOT).as_posix() for p in _sources()
                 if listed.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_chat_adapters_never_open_the_database() -> None:
    # Only tutor/ (and nudges/ for its tables) reads and writes it: an adapter asks the core
    # (`Tutor.handle`, `record_sent`, `due`, `posted`, `set_reachable`).
    adapters = [*(ROOT / "bot" / "telegram").rglob("*.py"), *(ROOT / "bot" / "discord").rglob(
        "*.py"), ROOT / "bot" / "terminal.py", ROOT / "bot" / "serve.py"]
    reaches = re.compile(r"^\s*(from|import) (sqlalchemy|tutor\.storage)|\.session\(\)", re.M)
    offenders = [p.relative_to(ROOT).as_posix() for p in adapters
                 if reaches.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    # The command line too only reads arguments and prints: it opens the Database (wiring),
    # and the core and nudges run each transaction.
    opens = re.compile(r"^\s*(from|import) sqlalchemy|\.session\(\)", re.M)
    offenders = [p.relative_to(ROOT).as_posix() for p in (ROOT / "bot").rglob("*.py")
                 if opens.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_conversation_state_in_adapter_memory() -> None:
    # Timers, drafts and scores that a restart would lose: the database keeps them. A task
    # that lives and dies within one interaction (Discord's 3-second deferral) holds no
    # conversation, and says so on its line.
    held = re.compile(r"asyncio\.create_task\(|user_data\[|chat_data\[|ConversationHandler")
    within_one_interaction = "# within one interaction"
    adapters = [*(ROOT / "bot" / "telegram").rglob("*.py"), *(ROOT / "bot" / "discord").rglob(
        "*.py")]
    offenders = [f"{p.relative_to(ROOT).as_posix()}: {line.strip()}" for p in adapters
                 for line in p.read_text(encoding="utf-8").splitlines()
                 if held.search(line) and not line.endswith(within_one_interaction)]
    assert offenders == []


def test_preferences_are_read_through_typed_accessors() -> None:
    # A hand-edited or older record must never break a turn: tutor/preferences.py reads
    # each preference with its type and default, and nothing else reads the JSON.
    raw = re.compile(r"preferences\.get\(|preferences\[")
    offenders = [p.relative_to(ROOT).as_posix() for p in _sources()
                 if p.name != "preferences.py" and raw.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
