"""The teachers' dashboard: FastAPI, server-rendered Jinja2 pages, no CDN.

Every page under /courses/{course} is authorised by course: a course the signed-in teacher
does not teach, and anything (learner, alert, campaign) not in the course, is 404, the same
answer as for a thing that does not exist, so ids reveal nothing.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, which
# name aliases local to create_app.

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
)
from starlette.middleware.sessions import SessionMiddleware

from bot.web import campaign_form
from bot.web.security import AccessLog, check_csrf, csrf_token, teacher
from nudges.admin import CampaignProblem
from nudges.board import Campaigns, outbox
from tutor.dashboard import views
from tutor.dashboard.access import Access
from tutor.inbox import backlog
from tutor.storage.database import Database

__all__ = ["Dashboard", "create_app"]

HERE = Path(__file__).parent
SESSION_HOURS = 8


@dataclass
class Dashboard:
    """What the pages need, built once by the entry point."""

    database: Database
    access: Access
    secret: str
    base_url: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    on_import: Callable[[], None] | None = None  # e.g. catch the search index up
    cap: int | None = None  # NUDGE_DAILY_CAP, which a teacher's message keeps too
    index_problem: Callable[[], str | None] | None = None  # for /readyz
    index_size: Callable[[], int] | None = None  # chunks in the search index, for /metrics

    @property
    def campaigns(self) -> Campaigns:
        return Campaigns(self.database, self.cap)


def create_app(dashboard: Dashboard) -> FastAPI:
    app = FastAPI(title="tutorbot dashboard", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.add_middleware(SessionMiddleware, secret_key=dashboard.secret,
                       session_cookie="tutorbot_session", max_age=SESSION_HOURS * 3600,
                       same_site="lax", https_only=dashboard.base_url.startswith("https://"))
    app.add_middleware(AccessLog)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["percent"] = lambda v: "" if v is None else f"{v:.0%}"
    templates.env.filters["when"] = lambda v: "" if v is None else f"{v:%Y-%m-%d %H:%M} UTC"

    def courses(request: Request, who: str) -> list[tuple[str, str]]:
        """The teacher's courses, read once a request (the check and the page's nav)."""
        if not hasattr(request.state, "courses"):
            request.state.courses = dashboard.access.courses(who)
        found: list[tuple[str, str]] = request.state.courses
        return found

    def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        who = teacher(request)
        return templates.TemplateResponse(request, name, {
            "teacher": who, "csrf": csrf_token(request), "course": None, "tab": "",
            "courses": courses(request, who) if who else [], **context},
            status_code=status)

    def signed_in(request: Request) -> str:
        who = teacher(request)
        if who is None:
            raise HTTPException(401, "Sign in with a link from the bot: send it /dashboard.")
        return who

    def taught(request: Request, course: str, who: Annotated[str, Depends(signed_in)]
               ) -> str:
        if all(slug != course for slug, _ in courses(request, who)):
            raise HTTPException(404, "No such course among yours.")
        return course

    Course = Annotated[str, Depends(taught)]
    Teacher = Annotated[str, Depends(signed_in)]
    Csrf = Depends(check_csrf)

    @app.exception_handler(HTTPException)
    async def _problem(request: Request, problem: HTTPException) -> Response:
        return page(request, "problem.html", problem.status_code, detail=problem.detail,
                    code=problem.status_code)

    # -- for the operator: alive, and ready to serve ---------------------------------------

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "alive"})

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """503 with the reasons while the database is unreachable or the search index is
        not loaded; a load balancer sends no traffic until then."""
        problems = [p for p in (dashboard.database.problem(),
                                dashboard.index_problem() if dashboard.index_problem
                                else None) if p]
        return JSONResponse({"status": "not ready" if problems else "ready",
                             "problems": problems}, status_code=503 if problems else 200)

    @app.get("/metrics")
    def metrics() -> Response:
        """Prometheus text: the process's counters (tutor.metrics) and, read now, the
        outbox by status, the updates waiting in the inbox and the index's size. Counts
        only: no learner appears."""
        now = CollectorRegistry()
        rows = Gauge("tutorbot_outbox_nudges", "Nudges in the outbox, by status", ["status"],
                     registry=now)
        for status, count in outbox(dashboard.database).items():
            rows.labels(status).set(count)
        waiting = Gauge("tutorbot_inbox_waiting", "Platform updates received and not yet "
                        "handled (webhook mode)", ["platform"], registry=now)
        oldest = Gauge("tutorbot_inbox_oldest_waiting_seconds", "How long the oldest of them "
                       "has waited", ["platform"], registry=now)
        for platform, found in backlog(dashboard.database).items():
            waiting.labels(platform).set(found.waiting)
            oldest.labels(platform).set(found.oldest_seconds)
        if dashboard.index_size is not None:
            Gauge("tutorbot_index_chunks", "Chunks in the search index",
                  registry=now).set(dashboard.index_size())
        return Response(generate_latest(REGISTRY) + generate_latest(now),
                        media_type=CONTENT_TYPE_LATEST)

    # -- signing in ----------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        who = teacher(request)
        if who is None:
            return page(request, "welcome.html")
        taught = courses(request, who)
        if len(taught) == 1:
            return RedirectResponse(f"/courses/{taught[0][0]}", 303)
        return page(request, "courses.html")

    @app.get("/login/{token}", response_class=HTMLResponse)
    def login_page(request: Request, token: str) -> Response:
        # Spent only by the button's POST: chat apps fetch links to preview them, and a
        # GET that signed in would spend the link before the teacher ever clicked it.
        return page(request, "login.html", token=token)

    @app.post("/login/{token}", dependencies=[Csrf])
    def login(request: Request, token: str) -> Response:
        who = dashboard.access.redeem(token, dashboard.clock())
        if who is None:
            raise HTTPException(403, "This sign-in link has been used or has expired. Send "
                                     "/dashboard to the bot for a new one.")
        request.session.clear()  # a fresh session: nothing carried over from before
        request.session.update(teacher=who, csrf=secrets.token_urlsafe(32))
        return RedirectResponse("/", 303)

    @app.post("/logout", dependencies=[Csrf])
    def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/", 303)

    # -- the class -----------------------------------------------------------------------

    @app.get("/courses/{course}", response_class=HTMLResponse)
    def class_page(request: Request, course: Course, sort: str = "risk", q: str = "",
                   at_risk: bool = False) -> Response:
        found = views.class_view(dashboard.database, course, dashboard.clock())
        if found is None:
            raise HTTPException(404, "No such course among yours.")
        rows = [r for r in found.learners if q.lower() in r.name.lower()
                and (not at_risk or r.risk >= views.AT_RISK)]
        return page(request, "class.html", course=course, tab="class", view=found,
                    rows=_sorted(rows, sort), sort=sort, q=q, at_risk=at_risk, line=views.AT_RISK,
                    peak=max((n for _, n in found.activity), default=0))

    @app.post("/courses/{course}/alerts/{alert_id}", dependencies=[Csrf])
    def alert(course: Course, alert_id: int, who: Teacher,
              status: Annotated[str, Form()]) -> Response:
        try:
            done = views.answer_alert(dashboard.database, course, alert_id, status, who,
                                      dashboard.clock())
        except ValueError as problem:
            raise HTTPException(400, str(problem)) from problem
        if not done:
            raise HTTPException(404, "No such alert in this course.")
        return RedirectResponse(f"/courses/{course}#alerts", 303)

    # -- a learner -----------------------------------------------------------------------

    @app.get("/courses/{course}/learners/{learner_id}", response_class=HTMLResponse)
    def learner(request: Request, course: Course, learner_id: int,
                sent: str = "") -> Response:
        found = views.learner_view(dashboard.database, course, learner_id, dashboard.clock())
        if found is None:
            raise HTTPException(404, "No such learner in this course.")
        return page(request, "learner.html", course=course, tab="class", view=found, sent=sent,
                    nonce=secrets.token_urlsafe(12))

    @app.post("/courses/{course}/learners/{learner_id}/message", dependencies=[Csrf])
    def message(course: Course, learner_id: int, who: Teacher,
                text: Annotated[str, Form(min_length=1, max_length=1000)],
                nonce: Annotated[str, Form(min_length=8, max_length=40)]) -> Response:
        # The form's nonce keys the outbox row: a double-clicked Send goes out once.
        due = dashboard.campaigns.message(course, learner_id, text.strip(),
                                          f"web:{who}:{nonce}", dashboard.clock())
        if due is False:
            raise HTTPException(404, "No such learner in this course.")
        outcome = "unreachable" if due is None else "queued"
        return RedirectResponse(f"/courses/{course}/learners/{learner_id}?sent={outcome}",
                                303)

    # -- campaigns -----------------------------------------------------------------------

    @app.get("/courses/{course}/campaigns", response_class=HTMLResponse)
    def campaigns(request: Request, course: Course, problem: str = "") -> Response:
        return page(request, "campaigns.html", course=course, tab="campaigns",
                    campaigns=dashboard.campaigns.listing(course),
                    report=dashboard.campaigns.report(course), problem=problem)

    @app.post("/courses/{course}/campaigns/{campaign_id}/{verb}", dependencies=[Csrf])
    def change(course: Course, campaign_id: int, verb: str) -> Response:
        status = {"pause": "paused", "resume": "active", "cancel": "cancelled"}.get(verb)
        if status is None:
            raise HTTPException(404, "Campaigns are paused, resumed or cancelled.")
        try:
            changed = dashboard.campaigns.set_status(course, campaign_id, status)
        except CampaignProblem as problem:
            raise HTTPException(409, f"Not changed: {problem}.") from problem
        if changed is None:
            raise HTTPException(404, "No such campaign in this course.")
        return RedirectResponse(f"/courses/{course}/campaigns", 303)

    @app.get("/courses/{course}/new-campaign", response_class=HTMLResponse)
    def new_campaign(request: Request, course: Course) -> Response:
        return page(request, "new_campaign.html", course=course, tab="campaigns",
                    form=campaign_form.Choices.of(dashboard.database, course), values={},
                    errors=[], preview=None)

    @app.post("/courses/{course}/new-campaign", dependencies=[Csrf])
    async def create_campaign(request: Request, course: Course, who: Teacher) -> Response:
        values = {k: str(v) for k, v in (await request.form()).multi_items()}
        choices = campaign_form.Choices.of(dashboard.database, course)
        spec, errors = campaign_form.read(values, course)
        preview = None
        if spec is not None:
            try:
                preview = dashboard.campaigns.preview(spec, dashboard.clock())
            except CampaignProblem as problem:
                errors = [str(problem)]
        if spec is not None and not errors and values.get("go") == "create":
            number = dashboard.campaigns.create(spec, who)
            return RedirectResponse(f"/courses/{course}/campaigns#campaign-{number}", 303)
        return page(request, "new_campaign.html", 422 if errors else 200, course=course,
                    tab="campaigns",
                    form=choices, values=values, errors=errors, preview=preview, spec=spec)

    # -- content -------------------------------------------------------------------------

    @app.get("/courses/{course}/content", response_class=HTMLResponse)
    def content(request: Request, course: Course, who: Teacher, imported: str = "") -> Response:
        found = views.content_view(dashboard.database, course)
        if found is None:
            raise HTTPException(404, "No such course among yours.")
        return page(request, "content.html", course=course, tab="content", view=found,
                    imported=imported, grants=dashboard.access.grants(course),
                    admin=who in dashboard.access.admins)

    @app.post("/courses/{course}/content/reimport", dependencies=[Csrf])
    def reimport(request: Request, course: Course, who: Teacher) -> Response:
        report = views.reimport(dashboard.database, course)
        if report is None:
            raise HTTPException(404, "No such course among yours.")
        if report.rejected:
            problems = [str(p) for found in report.rejected.values() for p in found][:20]
            found = views.content_view(dashboard.database, course)
            return page(request, "content.html", 422, course=course, tab="content",
                        view=found, imported="", grants=dashboard.access.grants(course),
                        admin=who in dashboard.access.admins,
                        problems=problems)
        if dashboard.on_import is not None:
            dashboard.on_import()
        return RedirectResponse(f"/courses/{course}/content?imported=1", 303)

    @app.post("/courses/{course}/teachers", dependencies=[Csrf])
    def teachers(course: Course, who: Teacher, teacher: Annotated[str, Form(max_length=160)],
                 change: Annotated[str, Form()]) -> Response:
        """Admins (TEACHERS) list and unlist a course's teachers."""
        if who not in dashboard.access.admins:
            raise HTTPException(403, "Only the admins in TEACHERS change who teaches a course.")
        named = teacher.strip()
        if not re.fullmatch(r"(telegram|discord):\d{1,30}", named):
            raise HTTPException(400, f"{named[:40]!r} is not telegram:ID or discord:ID.")
        if change == "add":
            dashboard.access.grant(course, named, who, dashboard.clock())
        else:
            dashboard.access.revoke(course, named)
        return RedirectResponse(f"/courses/{course}/content#teachers", 303)

    return app


def _sorted(rows: list[views.LearnerRow], sort: str) -> list[views.LearnerRow]:
    """By risk (the default), name, last activity, or a skill's mastery (`skill:loops`),
    the ones that need attention first; unpractised skills last."""
    if sort == "name":
        return sorted(rows, key=lambda r: r.name.lower())
    if sort == "last":
        return sorted(rows, key=lambda r: (r.last_active is not None,
                                           r.last_active or datetime.min.replace(tzinfo=UTC)))
    if sort.startswith("skill:"):
        skill = sort.removeprefix("skill:")
        return sorted(rows, key=lambda r: (skill not in r.mastery, r.mastery.get(skill, 0)))
    return sorted(rows, key=lambda r: -r.risk)
