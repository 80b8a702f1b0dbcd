"""Open the database: SQLite (WAL) by default, PostgreSQL by URL, always migrated to head."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Database", "StorageError", "describe_storage_error"]

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_MS = 5000


class StorageError(Exception):
    """The database cannot be used; the message says why and what to do."""


class Database:
    """An engine plus a session factory, migrated to the newest schema."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = make_url(url)
        self.engine = _create_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is there)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                # Several processes starting at once: one migrates, the others wait here
                # and then find the schema current.
                self.exclusive(connection, "migrate the schema")
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StorageError(describe_storage_error(exc, self.url.render_as_string())) from exc

    def session(self, *, hold_rows: bool = False) -> Session:
        """A new session. With `hold_rows`, it keeps every row it loads until it closes: its
        identity map holds rows weakly, so a row that no caller holds any more is read again
        at the next `get` (a chat turn read its course three times). Not for sessions that
        stream many rows: they would all stay in memory."""
        session = self.sessions()
        if hold_rows:
            _hold_rows(session)
        return session

    def exclusive(self, session: Session | Connection, name: str) -> None:
        """Until `session`'s transaction ends, any other process asking for `name` waits
        (PostgreSQL's advisory lock; SQLite lets one writer at a time in anyway)."""
        if self.url.get_backend_name() == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                            {"name": name})

    def problem(self) -> str | None:
        """Why the database cannot be used right now (a health check); None when it can."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as exc:
            return describe_storage_error(exc, self.url.render_as_string())
        return None

    def dispose(self) -> None:
        self.engine.dispose()


def _hold_rows(session: Session) -> None:
    """SQLAlchemy's recipe for a strongly referencing session ("Session Referencing
    Behavior" in its documentation)."""
    held: set[object] = session.info.setdefault("held rows", set())

    @event.listens_for(session, "pending_to_persistent")
    @event.listens_for(session, "deleted_to_persistent")
    @event.listens_for(session, "detached_to_persistent")
    @event.listens_for(session, "loaded_as_persistent")
    def hold(_session: Session, instance: object) -> None:
        held.add(instance)

    @event.listens_for(session, "persistent_to_detached")
    @event.listens_for(session, "persistent_to_deleted")
    @event.listens_for(session, "persistent_to_transient")
    def release(_session: Session, instance: object) -> None:
        held.discard(instance)


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the data folder {folder}: {exc.strerror}. "
                               "Set DATA_DIR to a folder you can write.") from exc
    # hide_parameters: an error's message (and so the log) never carries what a learner
    # wrote, which is what the statements' parameters hold.
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000},
                           hide_parameters=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the chat read while the scheduler writes; foreign keys are off by default.
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        log.warning("could not switch SQLite to WAL (read-only file?); continuing")
    # With WAL, NORMAL syncs at checkpoints rather than on every commit: a killed process
    # loses nothing committed; only a power cut may lose the last commits (SQLite's advice).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def describe_storage_error(exc: BaseException, where: str) -> str:
    """A sentence a person can act on, for a database error."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "readonly" in text or "read-only" in text:
        return f"the database {where} is read-only: check the file's permissions or DATA_DIR"
    if "locked" in text or "busy" in text:
        return (f"the database {where} is locked by another program; close it "
                "(another tutorbot, a DB browser) and try again")
    if "unable to open" in text:
        return f"cannot open the database {where}: check that the folder exists and is writable"
    missing = re.search(r'(database|role) "([^"]+)" does not exist', text)
    if missing:
        kind, name = missing.groups()
        fix = f"create it (`createdb {name}`)" if kind == "database" else \
            f"create the role (`createuser {name}`)"
        return f"the server at {where} has no {kind} {name!r}: {fix} or correct DATABASE_URL"
    if "password authentication failed" in text or "no password supplied" in text:
        return f"the server at {where} refused the user name or password in DATABASE_URL"
    if isinstance(exc, OperationalError) and ("connect" in text or "connection" in text):
        return f"cannot connect to the database {where}: is the server running there?"
    return f"the database {where} failed: {text.splitlines()[0] if text else type(exc).__name__}"
