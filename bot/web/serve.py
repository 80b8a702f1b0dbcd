"""Running the dashboard: its secret, its server, and its place beside the bots."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from bot.web.app import Dashboard, create_app
from tutor import Database, Settings
from tutor.dashboard.access import Access

__all__ = ["dashboard_for", "listening_socket", "serve_asgi", "serve_dashboard"]

log = logging.getLogger(__name__)


def _secret(settings: Settings) -> str:
    """WEB_SECRET, else one made once and kept in DATA_DIR (readable by its owner only), so
    sessions outlive a restart and every process on the machine signs alike."""
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value()
    path = settings.data_dir / "web-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return Path(path).read_text().strip()


def dashboard_for(settings: Settings, database: Database,
                  on_import: Callable[[], None] | None = None,
                  index_problem: Callable[[], str | None] | None = None,
                  index_size: Callable[[], int] | None = None) -> Dashboard:
    return Dashboard(database, Access(database, settings.teachers), _secret(settings),
                     settings.resolved_web_base_url, on_import=on_import,
                     cap=settings.nudge_daily_cap, index_problem=index_problem,
                     index_size=index_size)


async def serve_dashboard(dashboard: Dashboard, host: str, port: int,
                          stop: asyncio.Event) -> None:
    """Serve until `stop` is set. The access log is the dashboard's own (routes, never
    values); uvicorn's would write every path with its ids."""
    sock = listening_socket(host, port)
    log.info("the dashboard is at %s (listening on %s:%d)", dashboard.base_url, host, port)
    await serve_asgi(create_app(dashboard), sock, stop, proxy_headers=True)


async def serve_asgi(app: Any, sock: socket.socket, stop: asyncio.Event,
                     **options: Any) -> None:
    """Serve an ASGI app on a listening socket (`listening_socket`) until `stop` is set
    or the server ends; the socket is closed after. uvicorn's access log and lifespan are
    off: each app logs what it should, and its owner starts and stops what it needs."""
    config = uvicorn.Config(app, access_log=False, log_config=None, lifespan="off", **options)
    server = QuietServer(config)
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([serving, stopped], return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        stopped.cancel()
        await serving
        sock.close()


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket on host:port that the bot's other processes may listen on too
    (SO_REUSEPORT): the kernel hands each new connection to one of them, so N workers share
    one port with no balancer of their own."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the process's owner (`tutorbot run`,
    `tutorbot web`) stops every part of it together."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
