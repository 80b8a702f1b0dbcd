"""The teachers' web dashboard (FastAPI + Jinja2): `tutorbot web`, or `tutorbot run` with
WEB_PORT set."""

from bot.web.app import Dashboard, create_app

__all__ = ["Dashboard", "create_app"]
