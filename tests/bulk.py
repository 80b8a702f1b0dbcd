"""Many learners at once, enrolled in a course, for large tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from tutor.storage.models import Enrollment, Identity, Learner

__all__ = ["enroll_many"]


def enroll_many(session: Session, ids: Sequence[int], course_id: int, *, platform: str,
                user_id: Callable[[int], str] = str,
                timezone: Callable[[int], str] = lambda _: "UTC",
                preferences: Mapping[str, object] | None = None) -> None:
    """Learners with these ids, each with one identity and an enrollment (bulk inserts)."""
    session.execute(insert(Learner), [{"id": i, "display_name": f"L{i}", "timezone": timezone(i),
                                       "language": "en", "preferences": dict(preferences or {})}
                                      for i in ids])
    session.execute(insert(Identity), [{"learner_id": i, "platform": platform,
                                        "platform_user_id": user_id(i)} for i in ids])
    session.execute(insert(Enrollment), [{"learner_id": i, "course_id": course_id,
                                          "card_position": 0, "level": 1, "challenge": 0}
                                         for i in ids])
