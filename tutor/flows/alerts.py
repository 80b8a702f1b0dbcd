"""A teacher's answer to an at-risk alert: encourage the learner (a message the teacher can
rewrite, sent through the nudge outbox within the learner's quiet hours), say they will
contact the learner themselves, or dismiss it. Every answer is recorded on the alert."""

from __future__ import annotations

from sqlalchemy import select

from tutor import i18n
from tutor.actions import AlertChoice
from tutor.alerts import ENCOURAGEMENT
from tutor.i18n import N_, _, speaking
from tutor.markup import plain
from tutor.messages import Button, Reply, Text
from tutor.preferences import language
from tutor.storage.models import CourseRow, Learner, RiskAlert
from tutor.teaching import CampaignDesk
from tutor.turn import Turn

__all__ = ["ENCOURAGE_STEP", "choose", "typed"]

ENCOURAGE_STEP = "encourage"
GONE = N_("That alert is no longer there.")


def choose(turn: Turn, desk: CampaignDesk | None, action: AlertChoice) -> list[Reply]:
    alert = turn.session.get(RiskAlert, action.alert_id)
    if alert is None:
        return [Text(_(GONE))]
    name = _name(turn, alert)
    if action.choice == "encourage":
        course = turn.session.get(CourseRow, alert.course_id)
        learner = turn.session.get(Learner, alert.learner_id)
        # Suggested in the words the learner reads; the teacher may write their own.
        with speaking(language(learner) if learner else None):
            text = _(ENCOURAGEMENT, name=name, course=course.title if course else "")
        return _preview(turn, alert, text)
    if action.choice == "send":
        return _send(turn, desk, alert, name)
    if action.choice == "cancel":
        turn.state.draft = {}
        return [Text(_("Not sent. The alert stays open."))]
    if action.choice in ("contact", "dismiss"):
        _handled(turn, alert, "contacting" if action.choice == "contact" else "dismissed")
        if action.choice == "contact":
            return [Text(_("📞 Noted: you will contact {name}. The alert is closed; /report "
                           "shows whether they come back.", name=name))]
        return [Text(_("Dismissed the alert about {name}.", name=name))]
    return [Text(_(GONE))]


def typed(turn: Turn, text: str) -> list[Reply]:
    """The teacher's own words for the encouragement."""
    alert = turn.session.get(RiskAlert, int(turn.state.draft.get("alert", "0") or 0))
    if alert is None:
        turn.state.draft = {}
        return [Text(_(GONE))]
    return _preview(turn, alert, text.strip()[:1000])


def _preview(turn: Turn, alert: RiskAlert, text: str) -> list[Reply]:
    turn.state.draft = {"step": ENCOURAGE_STEP, "alert": str(alert.id), "text": text}
    return [Text(_("To {name}:", name=_name(turn, alert)) + f"\n\n{text}\n\n"
                 + _("Send it as it is, or type your own message instead."),
                 ((Button(_("✅ Send"), AlertChoice(alert.id, "send")),
                   Button(_("✖️ Cancel"), AlertChoice(alert.id, "cancel"))),))]


def _send(turn: Turn, desk: CampaignDesk | None, alert: RiskAlert, name: str) -> list[Reply]:
    draft = turn.state.draft or {}
    if draft.get("step") != ENCOURAGE_STEP or draft.get("alert") != str(alert.id):
        return [Text(_("Press “Send encouragement” on the alert first."))]
    if desk is None:
        return [Text(_("Messages to learners go out with nudges, and this tutorbot runs "
                       "without them."))]
    when = desk.encourage(turn.session, alert.learner_id, draft.get("text", ""),
                          f"encourage:{alert.id}", turn.now)
    turn.state.draft = {}
    if when is None:
        return [Text(_("{name} cannot be reached by the bot (they blocked it or paused "
                       "reminders). Nothing was sent.", name=name))]
    _handled(turn, alert, "encouraged")
    if when <= turn.now:
        return [Text(_("💬 Your message to {name} goes out now.", name=name))]
    return [Text(_("💬 Your message to {name} goes out at {time} UTC, after their quiet "
                   "hours.", name=name, time=i18n.time_of_day(when)))]


def _handled(turn: Turn, alert: RiskAlert, status: str) -> None:
    identity = turn.event.identity
    alert.status = status
    alert.handled_by = f"{identity.platform}:{identity.user_id}"
    alert.handled_at = turn.now


def _name(turn: Turn, alert: RiskAlert) -> str:
    found = turn.session.scalar(select(Learner.display_name).where(
        Learner.id == alert.learner_id))
    return plain(found or "the learner")
