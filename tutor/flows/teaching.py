"""Teachers in a chat: drafting a campaign, the campaign list and its changes, the report.

A campaign draft lives in the teacher's conversation row (`ConversationState.draft`), so a
restart in the middle of one loses nothing and any platform can carry it: step by step
(course and audience with buttons, schedule and message typed) or in one line,
`/campaign COURSE | AUDIENCE | SCHEDULE | MESSAGE` (what Discord's form sends). Either way
the teacher sees a preview and creates the campaign with a button.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select

from tutor import i18n
from tutor.actions import AlertChoice, DraftSet
from tutor.content_report import CardVerdicts, content_feedback
from tutor.flows import alerts
from tutor.i18n import N_, _, ngettext
from tutor.markup import plain
from tutor.messages import Button, Identity, Image, Reply, Text
from tutor.overview import class_overview
from tutor.reports import AT_RISK, ClassState, own_work_questions, unanswered_questions
from tutor.storage.database import Database
from tutor.storage.models import CourseRow, Enrollment
from tutor.teaching import CampaignDesk
from tutor.turn import Turn

__all__ = ["NOT_A_TEACHER", "Teaching"]

NOT_A_TEACHER = N_("That is for teachers. If you teach this course, ask whoever runs "
                   "tutorbot to add you to TEACHERS (or, on Discord, for the server's teacher "
                   "role).")
NO_DESK = N_("Campaigns are not available here: this tutorbot runs without nudges.")
EXPIRED = N_("That draft has expired; /campaign starts a new one.")
CANCELLED = N_("Cancelled; nothing was created.")
TYPED_STEPS = ("schedule", "text", alerts.ENCOURAGE_STEP)


class Teaching:
    def __init__(self, desk: CampaignDesk | None, teachers: Sequence[str], database: Database,
                 charts_dir: Path | None) -> None:
        self.desk = desk
        self.teachers = frozenset(teachers)
        self._db = database
        self._charts = charts_dir

    def may_teach(self, who: Identity, *, staff: bool = False) -> bool:
        """The one teacher check: listed in TEACHERS, or the platform says so (a Discord
        member with Manage Server or the teacher role)."""
        return staff or f"{who.platform}:{who.user_id}" in self.teachers

    def is_teacher(self, turn: Turn) -> bool:
        return self.may_teach(turn.event.identity, staff=turn.event.staff)

    def _refused(self, turn: Turn) -> list[Reply] | None:
        if not self.is_teacher(turn):
            return [Text(_(NOT_A_TEACHER))]
        if self.desk is None:
            return [Text(_(NO_DESK))]
        return None

    # -- drafting --------------------------------------------------------------------------

    def campaign(self, turn: Turn) -> list[Reply]:
        if (refused := self._refused(turn)) is not None:
            return refused
        if "|" in turn.event.text:
            return self._all_at_once(turn, turn.event.text)
        turn.state.draft = {"step": "course"}
        courses = turn.session.execute(select(CourseRow.slug, CourseRow.title)
                                       .order_by(CourseRow.title)).all()
        return [Text(_("📣 A new campaign. Which course? (/cancel to stop)"),
                     tuple((Button(title[:40], DraftSet("course", slug)),)
                           for slug, title in courses))]

    def _all_at_once(self, turn: Turn, text: str) -> list[Reply]:
        parts = [p.strip() for p in text.split("|", 3)]
        if len(parts) != 4 or not all(parts):
            return [Text(_("Say `/campaign COURSE | AUDIENCE | SCHEDULE | MESSAGE`, e.g. "
                           "`/campaign python-basics | everyone | daily 18:00 | Hi {name}!`, "
                           "or `/campaign` alone to be asked one thing at a time."))]
        course, audience, schedule, message = parts
        assert self.desk is not None
        label = next((a for a in self.desk.audiences if a.lower() == audience.lower()), None)
        if label is None:
            return [Text(_("I don't know the audience “{audience}”; pick one of: {known}.",
                           audience=plain(audience[:40]),
                           known=", ".join(self.desk.audiences)))]
        if (problem := self.desk.schedule_problem(schedule)) is not None:
            return [Text(problem)]
        turn.state.draft = {"step": "text", "course": course.lower(), "audience": label,
                            "schedule": schedule}
        return self._preview(turn, message)

    def choose(self, turn: Turn, field: str, value: str) -> list[Reply]:
        """A button of the draft: its course, its audience, or create / cancel."""
        if (refused := self._refused(turn)) is not None:
            return refused
        assert self.desk is not None
        draft = dict(turn.state.draft or {})
        if draft.get("step") != field:
            return [Text(_(EXPIRED))]
        if field == "course":
            draft.update(step="audience", course=value)
            turn.state.draft = draft
            return [Text(_("Who should get it?"), tuple(
                (Button(label, DraftSet("audience", str(n))),)
                for n, label in enumerate(self.desk.audiences)))]
        if field == "audience" and value.isdigit() and int(value) < len(self.desk.audiences):
            draft.update(step="schedule", audience=self.desk.audiences[int(value)])
            turn.state.draft = draft
            return [Text(_("When? `daily 18:00`, `weekdays 8:30`, `once 2026-12-01 18:00` or "
                           "`after 3 days` (each learner's own time)."))]
        if field == "confirm":
            turn.state.draft = {}
            if value != "yes":
                return [Text(_(CANCELLED))]
            try:
                number = self.desk.create(turn.session, draft, _author(turn))
            except ValueError as problem:
                return [Text(_("Not created: {problem}", problem=problem))]
            return [Text(_("📣 Campaign {number} created. /report shows how it goes.",
                           number=number))]
        return [Text(_(EXPIRED))]

    def alert(self, turn: Turn, action: AlertChoice) -> list[Reply]:
        if not self.is_teacher(turn):
            return [Text(_(NOT_A_TEACHER))]
        return alerts.choose(turn, self.desk, action)

    def typed(self, turn: Turn, text: str) -> list[Reply]:
        """The schedule or the message of a draft, typed."""
        draft = dict(turn.state.draft or {})
        if draft.get("step") == alerts.ENCOURAGE_STEP:
            return alerts.typed(turn, text) if self.is_teacher(turn) \
                else [Text(_(NOT_A_TEACHER))]
        assert self.desk is not None
        if draft.get("step") == "schedule":
            if (problem := self.desk.schedule_problem(text)) is not None:
                return [Text(problem)]
            draft.update(step="text", schedule=text.strip())
            turn.state.draft = draft
            return [Text(_("The message? You can use {fields}.", fields=", ".join(
                f"`{{{p}}}`" for p in self.desk.placeholders)))]
        return self._preview(turn, text)

    def _preview(self, turn: Turn, message: str) -> list[Reply]:
        assert self.desk is not None
        draft = {**(turn.state.draft or {}), "text": message.strip()}
        try:
            shown = self.desk.preview(turn.session, draft, turn.now)
        except ValueError as problem:  # a placeholder we do not know, a missing course
            turn.state.draft = {**draft, "step": "text"}
            return [Text(f"{problem}\n\n" + _("The message again, please? (/cancel to stop)"))]
        turn.state.draft = {**draft, "step": "confirm"}
        return [Text(_("Preview:") + f"\n\n{shown}",
                     ((Button(_("✅ Create"), DraftSet("confirm", "yes")),
                       Button(_("✖️ Cancel"), DraftSet("confirm", "no"))),))]

    def cancel(self, turn: Turn) -> list[Reply]:
        if not turn.state.draft:
            return [Text(_("Nothing to cancel."))]
        turn.state.draft = {}
        return [Text(_(CANCELLED))]

    # -- the list and the report -----------------------------------------------------------

    def campaigns(self, turn: Turn) -> list[Reply]:
        if (refused := self._refused(turn)) is not None:
            return refused
        assert self.desk is not None
        if turn.event.text.strip():  # `/campaigns pause 3` and the like
            return [Text(self.desk.change_status(turn.session, turn.event.text))]
        return [Text(self.desk.listing(turn.session) + "\n\n"
                     + _("`/campaigns pause ID`, `resume ID` or `cancel ID` change one."))]

    def report(self, turn: Turn) -> list[Reply]:
        """The campaigns, the questions the course did not answer, and the class overview of
        a course: the one named, else the one with most learners."""
        if (refused := self._refused(turn)) is not None:
            return refused
        assert self.desk is not None
        lines = [self.desk.report(turn.session)]
        gaps = unanswered_questions(self._db)[:5]
        if gaps:
            lines.append("\n" + _("❓ **Asked, but not in the course**"))
            lines += [f"- “{plain(q.text[:80])}” ({q.times}×, {q.course})" for q in gaps]
        if own := own_work_questions(self._db):
            lines.append("\n" + ngettext(
                "🔍 {n} question about learners' own code that the course could not help "
                "with: worth a look at their work.", "🔍 {n} questions about learners' own code "
                "that the course could not help with: worth a look at their work.", own))
        course = turn.event.text.strip().lower() or turn.session.scalar(
            select(CourseRow.slug).join(Enrollment, Enrollment.course_id == CourseRow.id)
            .group_by(CourseRow.slug).order_by(func.count().desc()).limit(1))
        state = ClassState.load(self._db, course, turn.now) if course else None
        risky = [r for r in state.at_risk() if r.risk >= AT_RISK][:5] if state else []
        if risky:
            lines.append("\n" + _("⚠️ **Most at risk of dropping out** ({course})",
                                   course=course))
            lines += [f"- {plain(r.learner[:40])}: {i18n.percent(r.risk)}"
                      + (f" ({'; '.join(r.reasons)})" if r.reasons else "") for r in risky]
        confusing = content_feedback(self._db, course, most=3) if course else []
        if confusing:
            lines.append("\n" + _("😕 **Cards learners found confusing** ({course})",
                                   course=course))
            lines += [_verdict_line(v) for v in confusing]
        groups = state.groups() if state else []
        if groups:
            lines.append("\n" + _("👥 **Learner groups** ({course}; a campaign can target one)",
                                   course=course))
            lines += ["- " + _("{name}: {size}, risk {risk} ({traits})", name=g.name,
                                size=g.size, risk=i18n.percent(g.risk), traits=g.traits)
                      for g in groups]
        replies: list[Reply] = [Text("\n".join(lines))]
        if course and self._charts is not None:
            image = class_overview(self._db, course, turn.now,
                                   self._charts / f"class-{course}.png")
            if image is not None:
                replies.append(Image(image, caption=_("The class at a glance")))
        return replies


def _verdict_line(found: CardVerdicts) -> str:
    where = f"{plain(found.lesson)} › {plain(found.card)}" if found.card else \
        _("{lesson} (the lesson)", lesson=plain(found.lesson))
    line = f"- {where}: " + _("{confusing} confusing, {clear} clear",
                              confusing=found.confusing, clear=found.clear)
    if found.comments:
        line += f": “{plain(found.comments[0][:100])}”"
    if found.missed:
        worst = found.missed[0]
        line += "; " + _("most missed there: `{question}`, {share} right", question=worst.key,
                         share=i18n.percent(worst.share_right))
        if worst.discrimination is not None:
            line += " " + _("(discrimination {value})", value=f"{worst.discrimination:+.2f}")
    return line


def _author(turn: Turn) -> str:
    return f"{turn.event.identity.platform}:{turn.event.identity.user_id}"
