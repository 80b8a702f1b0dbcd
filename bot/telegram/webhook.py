"""Webhook mode: Telegram's POSTs kept in the core's inbox, then handled per sender in order,
by whichever of the bot's processes holds the sender's oldest update.

Every process listens on the same port (`listening_socket`), so N workers need nothing
between them and the one reverse proxy with HTTPS in front. A POST is answered 200 once
its update is in the database, never before: an update Telegram was told we have is not
lost when a process is killed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.web.serve import listening_socket, serve_asgi
from tutor.inbox import LEASE, Inbox

__all__ = ["MAX_BODY", "PATH", "Webhook", "serve_webhook"]

log = logging.getLogger(__name__)

PATH = "/telegram"
MAX_BODY = 1 << 20  # an update is a few kB; a document's bytes never come this way
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SWEEP_EVERY = 5.0  # seconds between looks for updates a dead process left
PRUNE_EVERY = 3600.0


class Webhook:
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], inbox: Inbox,
                 secret: str | None) -> None:
        self.application = application
        self.inbox = inbox
        self.secret = secret
        self._draining: set[asyncio.Task[None]] = set()
        self._closing = False
        self.handled = 0  # by this process, said in the log when it stops

    def asgi(self) -> Starlette:
        return Starlette(routes=[Route(PATH, self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        if self.secret is not None and not secrets.compare_digest(
                request.headers.get(SECRET_HEADER, "").encode(), self.secret.encode()):
            return Response("wrong secret token", status_code=403)
        body = bytearray()
        async for piece in request.stream():
            body += piece
            if len(body) > MAX_BODY:
                return Response("too large for an update", status_code=413)
        try:
            data = json.loads(body)
            update = Update.de_json(data, self.application.bot)
            seq, sender = int(data["update_id"]), _sender(update)
            if not (0 <= seq < 2**63 and -(2**63) <= sender < 2**63):
                raise ValueError("a number out of range")
            payload = body.decode()  # JSON may come in UTF-16 too; what we keep is UTF-8
        except Exception as exc:  # whatever a hostile body breaks in the parsing: refused
            log.warning("refused a webhook POST that is not a Telegram update: %s",
                        type(exc).__name__)
            return Response("not a Telegram update", status_code=400)
        if not await asyncio.to_thread(self.inbox.put, seq, sender, payload):
            log.info("ignored a second delivery of update %s", seq)
            return Response(status_code=200)
        if not self._closing:
            self._drain_soon(sender)
        return Response(status_code=200)

    async def sweep(self) -> None:
        """Forever: take over what nobody is handling (a killed process's updates), and
        forget handled updates after a day."""
        loop = asyncio.get_running_loop()
        pruned = loop.time()
        while True:
            try:
                for sender in await asyncio.to_thread(self.inbox.stranded):
                    self._drain_soon(sender)
                if loop.time() - pruned > PRUNE_EVERY:
                    await asyncio.to_thread(self.inbox.prune)
                    pruned = loop.time()
            except Exception as exc:  # the database is back next time, say
                log.warning("could not look for updates left unhandled: %s", exc)
            await asyncio.sleep(SWEEP_EVERY)

    async def close(self) -> None:
        """Stop taking new work and finish the turns in flight (a turn cut short would be
        taken over by another process once its lease ran out, but later)."""
        self._closing = True
        if self._draining:
            await asyncio.wait(self._draining)
        log.info("this process handled %d Telegram updates", self.handled)

    def _drain_soon(self, sender: int) -> None:
        # Nothing of the conversation is in the task: the updates wait in the database, and
        # a restart's sweep finds them. PTB's create_task logs what a task raises.
        task = self.application.create_task(self._drain(sender))
        self._draining.add(task)
        task.add_done_callback(self._draining.discard)

    async def _drain(self, sender: int) -> None:
        """Handle the sender's waiting updates in order while this process holds the oldest;
        another process that holds it will get to the ones after it."""
        processor = self.application.update_processor
        while not self._closing and (claimed := await asyncio.to_thread(
                self.inbox.claim, sender)) is not None:
            kept = asyncio.create_task(self._keep_lease(claimed.seq))  # within one interaction
            try:
                update = Update.de_json(json.loads(claimed.payload), self.application.bot)
                # PTB's own processor: at most `concurrent_updates` turns at once. Handlers'
                # errors go to the adapter's error handler, which tells the learner.
                await processor.process_update(update, self.application.process_update(update))
            except Exception:  # done all the same: retried, it would fail every time
                log.exception("could not handle Telegram update %s", claimed.seq)
            finally:
                kept.cancel()
            await asyncio.to_thread(self.inbox.done, claimed.seq)
            self.handled += 1

    async def _keep_lease(self, seq: int) -> None:
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 3)
            await asyncio.to_thread(self.inbox.extend, seq)


def _sender(update: Update) -> int:
    """Whose turn order an update belongs to: its user's, else its chat's (a channel)."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return 0


async def serve_webhook(webhook: Webhook, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve Telegram's POSTs until `stop` is set, then finish the turns in flight."""
    if webhook.secret is None:
        log.warning("TELEGRAM_WEBHOOK_SECRET is not set: anyone who finds the webhook's "
                    "address can send the bot updates in any learner's name")
    sock = listening_socket(host, port)
    sweeping = asyncio.ensure_future(webhook.sweep())
    log.info("taking Telegram updates on %s:%d%s", host, port, PATH)
    try:
        await serve_asgi(webhook.asgi(), sock, stop)
    finally:
        sweeping.cancel()
        await webhook.close()
