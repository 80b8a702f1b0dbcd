"""A group's own settings and its weekly leaderboard, as core commands for every platform:
`/group course ID` and `/group timezone ZONE` (teachers), `/leaderboard [optout|optin]`."""

from __future__ import annotations

from sqlalchemy import select

from tutor.flows.teaching import NOT_A_TEACHER, Teaching
from tutor.groups import SERVER, group_row, leaderboard
from tutor.i18n import N_, _
from tutor.markup import plain
from tutor.messages import Reply, Text
from tutor.preferences import update
from tutor.storage.models import CourseRow
from tutor.timezones import describe_zone, parse_timezone
from tutor.turn import Turn

__all__ = ["group_settings", "standings"]

ONLY_IN_GROUPS = N_("That is for groups: use it in a group chat or a server's channel.")
USAGE = N_("Say `/group course python-basics` or `/group timezone Berlin`.")


def group_settings(turn: Turn, teaching: Teaching) -> list[Reply]:
    event = turn.event
    if not event.is_group:
        return [Text(_(ONLY_IN_GROUPS))]
    if not teaching.is_teacher(turn):
        return [Text(_(NOT_A_TEACHER))]
    what, _space, value = event.text.strip().partition(" ")
    value = value.strip()
    platform = event.identity.platform
    if what == "course" and value:
        course = turn.session.scalar(select(CourseRow).where(CourseRow.slug == value.lower()))
        if course is None:
            return [Text(_("There is no course `{course}`. The courses are listed by /start.",
                           course=plain(value[:40])))]
        group_row(turn.session, platform, event.group, event.chat_id).course_id = course.id
        return [Text(_("📚 This chat now studies **{course}**. Try /groupquiz!",
                       course=plain(course.title)))]
    if what == "timezone" and value:
        found = parse_timezone(value)
        if found is None:
            return [Text(_("I don't know the time zone “{zone}”: a city, a name like "
                           "Europe/Paris, or an offset like +2.", zone=plain(value[:40])))]
        group_row(turn.session, platform, event.group, SERVER).timezone = found
        return [Text(_("🕰 The group's time zone: **{zone}**. Leaderboards reset on Monday "
                       "00:00 there.", zone=describe_zone(found)))]
    return [Text(_(USAGE))]


def standings(turn: Turn) -> list[Reply]:
    event = turn.event
    word = event.text.strip().lower()
    if word in ("optout", "optin"):
        update(turn.learner, leaderboard=word == "optin")
        return [Text(_("You're on the leaderboards.") if word == "optin"
                     else _("Your name stays off the leaderboards."))]
    if not event.is_group:
        return [Text(_(ONLY_IN_GROUPS))]
    found = leaderboard(turn.session, event.identity.platform, event.group, turn.now)
    lines = [f"**{i}.** {plain(s.name)}: {s.points}" for i, s in enumerate(found, 1)]
    return [Text(_("🏆 **This week's leaderboard**") + "\n\n" + ("\n".join(lines) or
                 _("No points yet this week: start one with /groupquiz.")))]
