"""The dashboard's guards: who is signed in, CSRF tokens on every form, and an access log
that names routes, never the values in them (learner ids, names typed in a filter)."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from fastapi import HTTPException, Request
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response
from starlette.routing import Match

__all__ = ["AccessLog", "check_csrf", "csrf_token", "teacher"]

access_log = logging.getLogger("tutorbot.web.access")


def teacher(request: Request) -> str | None:
    """The signed-in teacher (platform:user_id), from the signed session cookie."""
    found = request.session.get("teacher")
    return found if isinstance(found, str) else None


def csrf_token(request: Request) -> str:
    """This session's form token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    """Every POST carries the session's token in its `csrf` field; 403 otherwise."""
    form = await request.form()
    sent = form.get("csrf")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) \
            or not secrets.compare_digest(sent, expected):
        raise HTTPException(403, "This form has expired or did not come from the dashboard: "
                                 "reload the page and try again.")


class AccessLog(BaseHTTPMiddleware):
    """One line a request: method, the route's pattern (`/courses/{course}/learners/{id}`),
    status and time. Paths hold learner ids and sign-in tokens and query strings hold what a
    teacher typed; none of it is written."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        access_log.info("%s %s %d %.0f ms", request.method, _route(request), response.status_code,
                        (time.perf_counter() - started) * 1000)
        return response


def _route(request: Request) -> str:
    app: Any = request.app
    for route in app.routes:
        match, _ = route.matches(request.scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "?"))
    return "(no route)"
