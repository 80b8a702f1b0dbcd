from __future__ import annotations

from pathlib import Path

from tutor import Database
from tutor.storage.kept import kept


def test_a_value_is_kept_per_database_until_its_version_changes(sqlite_db: Database,
                                                                tmp_path: Path) -> None:
    made: list[str] = []

    def make(what: str) -> str:
        made.append(what)
        return what

    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    with sqlite_db.session() as session, other.session() as elsewhere:
        assert kept(session, "items", "v1", lambda: make("a")) == "a"
        assert kept(session, "items", "v1", lambda: make("b")) == "a"  # kept
        assert kept(elsewhere, "items", "v1", lambda: make("c")) == "c"  # its own database
        assert kept(session, "items", "v2", lambda: make("d")) == "d"  # content changed
        assert kept(session, "items", "v2", lambda: make("e")) == "d"
    assert made == ["a", "c", "d"]
    other.dispose()
