"""`/dashboard`: a teacher's one-time sign-in link to the web dashboard.

A link is a key to the teacher's classes, so it is only ever given in a private chat; in a
group, a server's teacher (the platform vouches) is listed for the courses the group
studies and told to ask privately.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.dashboard.access import LINK_LIFETIME, Access, TooManyLinks
from tutor.i18n import N_, _
from tutor.messages import Reply, Text
from tutor.turn import Turn

__all__ = ["DashboardLinks"]

NOT_RUNNING = N_("The web dashboard is not running here: whoever runs tutorbot sets WEB_PORT "
                 "and WEB_BASE_URL (see the README).")
ASK_PRIVATELY = N_("A sign-in link is yours alone: send me /dashboard in a private chat.")
NOT_LISTED = N_("The dashboard shows the courses you teach, and none is listed for you. Ask "
                "whoever runs tutorbot to add you (`tutorbot web teachers add COURSE {who}`), "
                "or, on Discord, ask for /dashboard once in your server.")


@dataclass(frozen=True)
class DashboardLinks:
    access: Access
    base_url: str  # where teachers reach the dashboard, e.g. https://tutor.example.org

    def link(self, turn: Turn) -> list[Reply]:
        event = turn.event
        who = f"{event.identity.platform}:{event.identity.user_id}"
        if event.is_group:
            if event.staff:
                self.access.grant_server(event.identity.platform, event.group, who, turn.now,
                                         turn.session)
            return [Text(_(ASK_PRIVATELY))]
        if not self.access.may_sign_in(who, turn.session):
            return [Text(_(NOT_LISTED, who=who))]
        try:
            token = self.access.issue_link(who, turn.now, turn.session)
        except TooManyLinks as refused:
            return [Text(_("Not now: {reason}.", reason=refused))]
        minutes = LINK_LIFETIME.seconds // 60
        return [Text(_("🔑 Your dashboard: {link}", link=f"{self.base_url.rstrip('/')}/login/"
                                                         f"{token}") + "\n\n"
                     + _("The link works once, for {minutes} minutes. Do not share it.",
                         minutes=minutes))]

