"""`tutorbot web`: serve the teachers' dashboard, hand out sign-in links, and say who
teaches which course."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from tutor import Settings
from tutor.dashboard.access import Access, TooManyLinks

__all__ = ["web_app"]

web_app = typer.Typer(help="The teachers' web dashboard: with no command, serve it until "
                           "stopped (Ctrl-C or SIGTERM).", invoke_without_command=True)
teachers_app = typer.Typer(no_args_is_help=True, help="Who teaches which course.")
web_app.add_typer(teachers_app, name="teachers")
console = Console()
errors = Console(stderr=True)
Teacher = Annotated[str, typer.Option("--teacher", metavar="PLATFORM:ID",
                                      help="e.g. telegram:123456789 or discord:42")]


@contextmanager
def _access() -> Iterator[tuple[Access, Settings]]:
    """Who sees which course, in the configured database (closed after)."""
    from bot.cli import _database, _settings

    settings = _settings()
    database = _database(settings)
    try:
        yield Access(database, settings.teachers), settings
    finally:
        database.dispose()


def _who(teacher: str) -> str:
    platform, _, user = teacher.partition(":")
    if platform not in ("telegram", "discord", "terminal") or not user.strip():
        errors.print(f"[red]{teacher!r} is not PLATFORM:ID (e.g. telegram:123456789).[/red]")
        raise typer.Exit(2)
    return f"{platform}:{user.strip()}"


@web_app.callback()
def web(context: typer.Context,
        port: Annotated[int | None, typer.Option(metavar="PORT",
                                                  help="Port (default WEB_PORT, else 8080).")]
        = None) -> None:
    """Serve the dashboard until stopped (Ctrl-C or SIGTERM)."""
    if context.invoked_subcommand is not None:
        return
    import asyncio
    import signal

    from bot.cli import _app, _settings
    from bot.web.serve import dashboard_for, serve_dashboard

    settings = _settings()
    chosen = port or settings.web_port or 8080
    if settings.web_base_url is None:
        settings = settings.model_copy(update={"web_port": chosen})
    tutor_app = _app(settings)

    async def main() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        dashboard = dashboard_for(settings, tutor_app.database, on_import=tutor_app.reindex,
                                  index_problem=tutor_app.index_problem,
                                  index_size=tutor_app.index_size)
        await serve_dashboard(dashboard, settings.web_host, chosen, stop)

    try:
        asyncio.run(main())
    finally:
        tutor_app.close()


@web_app.command("login-link")
def login_link(teacher: Teacher) -> None:
    """A one-time sign-in link (15 minutes) for a teacher."""
    with _access() as (access, settings):
        who = _who(teacher)
        if not access.may_sign_in(who):
            errors.print(f"[red]{who} teaches no course here: add them to TEACHERS, or "
                         f"`tutorbot web teachers add COURSE {who}`.[/red]")
            raise typer.Exit(1)
        try:
            token = access.issue_link(who, datetime.now(UTC))
        except TooManyLinks as refused:
            errors.print(f"[red]Not now: {refused}.[/red]")
            raise typer.Exit(1) from refused
        console.print(f"{settings.resolved_web_base_url}/login/{token}", soft_wrap=True)


@teachers_app.command("add")
def teachers_add(course: Annotated[str, typer.Argument(metavar="COURSE")],
                 teacher: Annotated[str, typer.Argument(metavar="PLATFORM:ID")]) -> None:
    """Let a teacher see a course on the dashboard."""
    with _access() as (access, _):
        who = _who(teacher)
        try:
            added = access.grant(course, who, "admin", datetime.now(UTC))
        except KeyError:
            errors.print(f"[red]There is no course {course!r}.[/red]")
            raise typer.Exit(1) from None
        console.print(f"{who} {'now teaches' if added else 'already teaches'} {course}.")


@teachers_app.command("remove")
def teachers_remove(course: Annotated[str, typer.Argument(metavar="COURSE")],
                    teacher: Annotated[str, typer.Argument(metavar="PLATFORM:ID")]) -> None:
    """Take a course off a teacher's dashboard."""
    with _access() as (access, _):
        who = _who(teacher)
        removed = access.revoke(course, who)
        console.print(f"{who} {'no longer teaches' if removed else 'was not listed for'} "
                      f"{course}.")


@teachers_app.command("list")
def teachers_list(course: Annotated[str | None, typer.Argument(metavar="[COURSE]")] = None
                  ) -> None:
    """Who teaches which course (TEACHERS see every course)."""
    with _access() as (access, settings):
        for grant in access.grants(course):
            console.print(f"{grant.course}\t{grant.teacher}\t(added by {grant.added_by}, "
                          f"{grant.added_at:%Y-%m-%d})")
        if settings.teachers:
            console.print(f"Every course: {', '.join(settings.teachers)} (TEACHERS)")
