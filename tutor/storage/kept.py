"""What a turn would otherwise read and work out again every time, kept per database.

A value is kept under a key with the version it was made from (a course's content hash, a
fitted model's time...); asked for with another version, it is made again and replaces the
old one. Kept per engine, so two databases in one process (tests, a migration tool) never
see each other's values, and a dropped engine's values go with it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session

__all__ = ["kept"]

T = TypeVar("T")
_KEPT: WeakKeyDictionary[Engine, dict[Hashable, tuple[Hashable, Any]]] = WeakKeyDictionary()
_GUARD = Lock()  # turns run in worker threads


def kept(session: Session, key: Hashable, version: Hashable, make: Callable[[], T]) -> T:
    """The value kept under `key` if it was made from `version`; else `make()`, kept."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)  # the tutor's sessions are bound to its engine
    with _GUARD:
        values = _KEPT.setdefault(engine, {})
        found = values.get(key)
    if found is not None and found[0] == version:
        value: T = found[1]
        return value
    value = make()  # outside the guard: two threads may both make it, and agree
    with _GUARD:
        values[key] = (version, value)
    return value
