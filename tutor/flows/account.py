"""/forgetme: deleting everything held about a learner, after they confirm."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tutor.actions import Forget, Screen
from tutor.i18n import _
from tutor.messages import Button, Reply, Text
from tutor.storage.models import Campaign, Learner, Poll, PollVote
from tutor.turn import Turn

__all__ = ["confirm_forget", "forget"]

FORGOTTEN = "(forgotten)"


def _forget_platform_traces(session: Session, platform: str, user_id: str) -> None:
    """What names them by their platform id rather than by learner: the quiz polls sent to
    their private chat (a private chat's id is its user's), their votes in group polls, and
    the campaigns they created as a teacher (kept for the class, the author anonymised)."""
    mine = select(Poll.id).where(Poll.platform == platform)
    session.execute(delete(PollVote).where(PollVote.user_id == user_id,
                                           PollVote.poll_id.in_(mine)))
    session.execute(delete(Poll).where(Poll.platform == platform, Poll.user_id == user_id))
    session.execute(update(Campaign).where(Campaign.created_by == f"{platform}:{user_id}")
                    .values(created_by=FORGOTTEN))


def confirm_forget(turn: Turn) -> list[Reply]:
    return [Text(_("⚠️ This deletes everything I hold about you: your progress, answers, "
                   "questions, settings and linked accounts. It cannot be undone. Are you "
                   "sure?"),
                 buttons=((Button(_("Yes, delete everything"), Forget()),
                           Button(_("No, keep it"), Screen("menu"))),))]


def forget(turn: Turn, charts_dir: Path | None = None) -> list[Reply]:
    learner_id = turn.learner.id
    identities = [(i.platform, i.platform_user_id) for i in turn.learner.identities]
    # Most rows hang off the learner with ON DELETE CASCADE; the session's copies of this
    # turn's rows go first so nothing writes them back.
    turn.session.expunge_all()
    for platform, user_id in identities:
        _forget_platform_traces(turn.session, platform, user_id)
    turn.session.execute(delete(Learner).where(Learner.id == learner_id))
    if charts_dir is not None:
        for chart in charts_dir.glob(f"progress-{learner_id}-*.png"):
            chart.unlink(missing_ok=True)
    return [Text(_("🗑 Done: everything I held about you is deleted. Send /start if you "
                   "ever want to begin afresh."))]
