"""/forgetme: deleting everything held about a learner, after they confirm."""

from __future__ import annotations

from sqlalchemy import delete

from tutor.actions import Forget, Screen
from tutor.messages import Button, Reply, Text
from tutor.storage.models import Learner
from tutor.turn import Turn

__all__ = ["confirm_forget", "forget"]


def confirm_forget(turn: Turn) -> list[Reply]:
    return [Text("⚠️ This deletes everything I hold about you: your progress, answers, "
                 "questions, settings and linked accounts. It cannot be undone. Are you sure?",
                 buttons=((Button("Yes, delete everything", Forget()),
                           Button("No, keep it", Screen("menu"))),))]


def forget(turn: Turn) -> list[Reply]:
    learner_id = turn.learner.id
    # The rows hang off the learner with ON DELETE CASCADE; the session's copies of this
    # turn's rows go first so nothing writes them back.
    turn.session.expunge_all()
    turn.session.execute(delete(Learner).where(Learner.id == learner_id))
    return [Text("🗑 Done: everything I held about you is deleted. Send /start if you ever "
                 "want to begin afresh.")]
