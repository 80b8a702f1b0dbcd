from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from tests.conftest import MINI_COURSE, Chat, import_path
from tutor import Database, Settings, StorageError, Tutor
from tutor.storage import database as database_module
from tutor.storage.models import Base


def test_migrations_build_exactly_the_models_schema(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrating_twice_is_harmless(database: Database) -> None:
    database.migrate()
    import_path(database, MINI_COURSE)
    database.migrate()
    chat = Chat(Tutor(database))
    chat.say("/start")
    assert "Mini course" in chat.text()


def test_sqlite_uses_wal(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_read_only_database_gets_a_clear_message_and_loses_nothing(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "tutorbot.db"
    writable = Database(f"sqlite:///{path}")
    import_path(writable, MINI_COURSE)
    Chat(Tutor(writable), "ann").press("course:mini")
    writable.dispose()
    # Root ignores file modes, so open the file read-only the way SQLite itself allows.
    read_only = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    chat = Chat(Tutor(read_only), "bob")
    chat.say("/start")
    # The learner is told it did not work, in words; the operator's log says why.
    assert "could not save that just now, so nothing changed" in chat.text()
    assert "read-only" not in chat.text() and "sqlite" not in chat.text().lower()
    assert "is read-only: check the file's permissions or DATA_DIR" in caplog.text
    read_only.dispose()
    again = Chat(Tutor(Database(f"sqlite:///{path}")), "ann")
    again.say("/start")
    assert "Welcome back" in again.text()


def test_locked_database_gets_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(database_module, "SQLITE_BUSY_MS", 100)
    path = tmp_path / "tutorbot.db"
    db = Database(f"sqlite:///{path}")
    import_path(db, MINI_COURSE)
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        chat = Chat(Tutor(db))
        chat.say("/start")
        assert "try again in a moment" in chat.text()
        assert "is locked by another program" in caplog.text
    finally:
        blocker.rollback()
        blocker.close()
    chat.say("/start")
    assert "Hi Ann" in chat.text()


def test_unusable_data_folder_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match=r"cannot create the data folder .*a-file/sub"):
        Database(f"sqlite:///{blocker / 'sub' / 'tutorbot.db'}")


def test_unreachable_postgres_is_named() -> None:
    with pytest.raises(StorageError, match="cannot connect to the database"):
        Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")


def test_raw_database_errors_never_reach_a_learner(mini_db: Database,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    with mini_db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE conversation_states")  # a broken schema
    chat = Chat(Tutor(mini_db))
    chat.say("/start")
    assert "could not save that just now" in chat.text()
    assert "conversation_states" not in chat.text() and "no such table" not in chat.text()
    assert "no such table: conversation_states" in caplog.text


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_every_common_postgresql_url_form_is_accepted(scheme: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"{scheme}://user@db.example:5432/tutorbot")
    assert Settings().resolved_database_url == \
        "postgresql+psycopg://user@db.example:5432/tutorbot"


def test_a_missing_postgresql_database_is_named(postgres_url: str) -> None:
    url = make_url(postgres_url).set(database="no_such_tutorbot_db", query={})
    with pytest.raises(StorageError) as raised:
        Database(url.render_as_string(hide_password=False))
    said = str(raised.value)
    assert "has no database 'no_such_tutorbot_db'" in said and "createdb" in said
    assert "is the server running" not in said


def test_a_moment_in_any_zone_reads_back_as_the_same_instant(database: Database) -> None:
    """SQLite drops a datetime's zone; 08:00 in Berlin must not come back as 08:00 UTC."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from tutor.storage.models import Learner, Nudge

    berlin = datetime(2026, 7, 1, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    with database.session() as session:
        learner = Learner(display_name="Ada", preferences={})
        session.add(learner)
        session.flush()
        session.add(Nudge(key="k", learner_id=learner.id, platform="test", user_id="1",
                          due_at=berlin))
        session.commit()
    with database.session() as session:
        stored = session.query(Nudge).one().due_at
    assert stored.replace(tzinfo=stored.tzinfo or UTC) == berlin


def test_a_failed_statement_never_carries_what_a_learner_wrote(database: Database) -> None:
    """Errors are logged with their message: the statement's parameters (names, messages)
    stay out of it."""
    from sqlalchemy.exc import IntegrityError

    from tutor.storage.models import AskedQuestion

    with database.session() as session:
        session.add(AskedQuestion(learner_id=424242, text="my secret question about Zelda",
                                  answered=False, confidence=0.0, engine="offline"))
        with pytest.raises(IntegrityError) as failed:
            session.commit()
    assert "Zelda" not in str(failed.value) and "hidden" in str(failed.value).lower()


def test_json_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import logging

    from bot.app import configure_logging

    configure_logging("INFO", json_lines=True)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("tutorbot.test").exception("a turn failed")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("ERROR", "tutorbot.test",
                                                                 "a turn failed")
    assert "ValueError: boom" in line["error"] and line["time"]
    configure_logging("WARNING")
