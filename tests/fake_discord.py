"""The real discord.py bot and cogs, with Discord's side faked at the HTTP boundary.

dpytest fakes the gateway and the REST client (guilds, members, channel messages); here we
add what it lacks: interaction payloads as Discord sends them (built like discord.py's own
tests do), the interaction/webhook endpoints recorded instead of sent, and threads.

The fake is strict where Discord is: every message and form is checked against Discord's
limits (`tests.discord_rules`); an interaction must get its one initial response within
3 seconds, follow-ups only after it; a member can submit only a form they were shown. A
breach is refused as Discord refuses it (an HTTP error the bot sees) and kept in
`violations`, which `DiscordHarness.check` turns into a test failure.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import discord.ext.test as dpytest
from discord.ext.test import backend, callbacks
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from tests.discord_rules import message_problems, modal_problems

__all__ = ["DEADLINE", "Call", "DiscordHarness", "RecordingWebhooks"]

DEADLINE = 3.0  # seconds Discord waits for an interaction's initial response

_ids = itertools.count(10**17)


@dataclass
class Call:
    method: str
    path: str
    payload: dict[str, Any]
    files: list[str]

    @property
    def ephemeral(self) -> bool:
        data = self.payload.get("data", self.payload)
        return bool(int(data.get("flags", 0) or 0) & 64)

    @property
    def text(self) -> str:
        data = self.payload.get("data", self.payload)
        parts = [str(data.get("content") or "")]
        for embed in data.get("embeds") or []:
            parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        return "\n".join(p for p in parts if p)

    @property
    def custom_ids(self) -> list[str]:
        data = self.payload.get("data", self.payload)
        return [c.get("custom_id", "") for row in data.get("components") or []
                for c in row.get("components", [])]


def message_payload(channel_id: int, author: dict[str, Any], data: dict[str, Any]
                    ) -> dict[str, Any]:
    return {"id": str(next(_ids)), "channel_id": str(channel_id), "type": 0,
            "content": data.get("content") or "", "author": author,
            "embeds": data.get("embeds") or [], "attachments": [], "mentions": [],
            "mention_roles": [], "mention_everyone": False, "pinned": False, "tts": False,
            "timestamp": datetime.now(UTC).isoformat(), "edited_timestamp": None,
            "flags": int(data.get("flags", 0) or 0),
            "components": data.get("components") or []}


@dataclass
class Pending:
    """An interaction Discord has sent and waits on."""

    member: str
    started: float
    answered: bool = False


def _refusal(status: int, code: int, text: str) -> discord.HTTPException:
    kind = discord.NotFound if status == 404 else discord.HTTPException
    return kind(backend.FakeRequest(status, text), {"code": code, "message": text})  # type: ignore[arg-type]


class RecordingWebhooks(AsyncWebhookAdapter):
    """Interaction responses and follow-ups, kept instead of sent to discord.com, and
    refused where Discord would refuse them."""

    def __init__(self, bot_user: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.calls: list[Call] = []
        self.bot_user = bot_user
        self.deadline = DEADLINE
        self.pending: dict[str, Pending] = {}  # by interaction token
        self.forms: dict[str, list[str]] = {}  # a member's open forms, by custom id
        self.violations: list[str] = []

    def refuse(self, status: int, code: int, text: str) -> discord.HTTPException:
        self.violations.append(text)
        return _refusal(status, code, text)

    def _check(self, route: Any, body: dict[str, Any]) -> None:
        pending = self.pending.get(str(route.webhook_token))
        data = body.get("data", body)
        if pending is None:
            raise self.refuse(404, 10015, f"unknown interaction token on {route.path}")
        if route.path.endswith("/callback"):
            late = time.monotonic() - pending.started
            if pending.answered:
                raise self.refuse(400, 40060, "Interaction has already been acknowledged")
            if late > self.deadline:
                raise self.refuse(404, 10062, f"Unknown interaction: answered after {late:.1f} s")
            pending.answered = True
            if body.get("type") == 9:
                problems = modal_problems(data)
                self.forms.setdefault(pending.member, []).append(str(data.get("custom_id")))
            else:
                problems = message_problems(data) if body.get("type") in (4, 7) else []
        else:
            if not pending.answered:
                raise self.refuse(404, 10015, "Unknown Webhook: a follow-up before the "
                                              "interaction's initial response")
            problems = message_problems(data)
        if problems:
            raise self.refuse(400, 50035, "Invalid Form Body: " + "; ".join(problems))

    async def request(self, route: Any, session: Any = None, *,
                      payload: dict[str, Any] | None = None,
                      multipart: list[dict[str, Any]] | None = None,
                      files: Any = None, **_: Any) -> Any:
        if multipart:
            payload = json.loads(next(p["value"] for p in multipart
                                      if p.get("name") == "payload_json"))
        body = payload or {}
        self._check(route, body)
        self.calls.append(Call(route.method, route.path, body,
                               [f.filename for f in files or []]))
        data = body.get("data", body)
        if route.path.endswith("/callback"):
            message = message_payload(0, self.bot_user, data)
            return {"interaction": {"id": str(route.webhook_id), "type": 2,
                                    "response_message_id": message["id"],
                                    "response_message_ephemeral": bool(
                                        int(data.get("flags", 0) or 0) & 64)},
                    "resource": {"type": body.get("type", 4), "message": message}}
        return message_payload(0, self.bot_user, data)


class DiscordHarness:
    """A configured dpytest world around one bot, and interaction builders."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot
        self.config = dpytest.get_config()
        self.guild = self.config.guilds[0]
        self.channel = self.config.channels[0]
        user = bot.user
        assert user is not None
        self.bot_user = {"id": str(user.id), "username": user.name, "discriminator": "0000",
                         "avatar": None, "bot": True}
        self.webhooks = RecordingWebhooks(self.bot_user)
        async_context.set(self.webhooks)
        self.threads: list[discord.Thread] = []
        self.edits: list[dict[str, Any]] = []  # message edits, as the payloads sent
        self.forbid_threads = False
        self.sent: list[Call] = []  # channel messages (DMs, group quiz posts), as sent
        callbacks.set_callback(self._edited, "edit_message")
        bot.http.start_thread_without_message = self._start_thread  # type: ignore[method-assign,assignment]
        self._send = bot.http.send_message
        bot.http.send_message = self._send_message  # type: ignore[method-assign,assignment]

    @property
    def violations(self) -> list[str]:
        return self.webhooks.violations

    def check(self) -> None:
        """Fail the test on anything real Discord would have refused."""
        assert not self.violations, "Discord would refuse: " + " | ".join(self.violations)

    async def _send_message(self, channel_id: int, *, params: Any) -> Any:
        # dpytest reads the channel from its caller's locals: this frame must have one.
        channel = sys._getframe(1).f_locals.get("channel")  # noqa: F841
        payload = params.payload or {}
        problems = message_problems(payload)
        if problems:
            raise self.webhooks.refuse(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        self.sent.append(Call("POST", f"/channels/{channel_id}/messages", payload,
                              [f.filename for f in params.files or []]))
        return await self._send(channel_id, params=params)

    async def _edited(self, channel: Any, message: Any, fields: dict[str, Any]) -> None:
        params = fields.get("params")
        self.edits.append({"message_id": message.id, **(getattr(params, "payload", None) or {})})

    async def _start_thread(self, channel_id: int, *, name: str, **_: Any) -> dict[str, Any]:
        if self.forbid_threads:
            raise discord.Forbidden(backend.FakeRequest(403, "Missing Permissions"),  # type: ignore[arg-type]
                                    "Missing Permissions")
        data = {"id": str(next(_ids)), "guild_id": str(self.guild.id),
                "parent_id": str(channel_id), "owner_id": self.bot_user["id"], "name": name,
                "type": 11, "message_count": 0, "member_count": 0, "rate_limit_per_user": 0,
                "flags": 0, "thread_metadata": {
                    "archived": False, "auto_archive_duration": 60, "locked": False,
                    "archive_timestamp": datetime.now(UTC).isoformat()}}
        thread = discord.Thread(guild=self.guild, state=self.bot._connection, data=data)  # type: ignore[arg-type]
        self.guild._add_thread(thread)
        self.threads.append(thread)
        return data

    # -- who and where ---------------------------------------------------------------------

    def member(self, index: int) -> discord.Member:
        return self.config.members[index]

    def _user(self, member: discord.abc.User) -> dict[str, Any]:
        return {"id": str(member.id), "username": member.name, "discriminator": "0001",
                "avatar": None, "global_name": member.display_name}

    def _where(self, member: discord.abc.User, guild: bool,
               channel: discord.abc.Snowflake | None = None, permissions: int = 0
               ) -> dict[str, Any]:
        if not guild:
            return {"user": self._user(member), "channel_id": str(member.id),
                    "channel": {"id": str(member.id), "type": 1}, "context": 1}
        roles = [str(r.id) for r in getattr(member, "roles", []) if not r.is_default()]
        where = channel or self.channel
        return {"guild_id": str(self.guild.id), "channel_id": str(where.id),
                "channel": {"id": str(where.id), "type": 0, "guild_id": str(self.guild.id),
                            "name": "general"},
                "member": {"user": self._user(member), "roles": roles,
                           "joined_at": datetime.now(UTC).isoformat(), "deaf": False,
                           "mute": False, "flags": 0, "permissions": str(permissions)},
                "context": 0}

    def _base(self, kind: int, data: dict[str, Any], member: discord.abc.User, guild: bool,
              **where: Any) -> dict[str, Any]:
        return {"id": str(next(_ids)), "application_id": str(self.bot.application_id or 1),
                "type": kind, "token": f"token-{next(_ids)}", "version": 1, "data": data,
                "locale": "en-GB", "guild_locale": "en-GB", "app_permissions": str(2**53 - 1),
                "entitlements": [], "authorizing_integration_owners": {},
                "attachment_size_limit": 8 * 1024 * 1024,
                **self._where(member, guild, **where)}

    # -- what members do -------------------------------------------------------------------

    async def command(self, name: str, member: discord.abc.User, *, guild: bool = True,
                      group: str | None = None, permissions: int = 0,
                      **options: str | int) -> list[Call]:
        option_list = [{"name": k, "type": 4 if isinstance(v, int) else 3, "value": v}
                       for k, v in options.items()]
        data: dict[str, Any] = {"id": str(next(_ids)), "name": name, "type": 1,
                                "options": option_list}
        if group is not None:
            data = {"id": str(next(_ids)), "name": group, "type": 1,
                    "options": [{"name": name, "type": 1, "options": option_list}]}
        return await self._dispatch(self._base(2, data, member, guild,
                                               permissions=permissions))

    async def click(self, custom_id: str, member: discord.abc.User, *, guild: bool = True,
                    channel: discord.abc.Snowflake | None = None,
                    message_id: int | None = None, on: Call | None = None,
                    values: list[str] | None = None, settle: float = 0.05) -> list[Call]:
        """A button press, or a pick in a select menu (`values`), on the message `on` (as
        it was sent: Discord sends its components with the interaction) or on a message
        holding just that button."""
        where = channel or self.channel
        components = [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "x", "custom_id": custom_id}]}]
        if on is not None:
            assert custom_id in on.custom_ids, f"{custom_id} is not on that message"
            components = on.payload.get("data", on.payload).get("components")
        message = message_payload(where.id if guild else member.id, self.bot_user,
                                  {"components": components})
        if message_id is not None:
            message["id"] = str(message_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if values is not None:
            data = {"custom_id": custom_id, "component_type": 3, "values": values}
        payload = self._base(3, data, member, guild, channel=channel)
        payload["message"] = message
        return await self._dispatch(payload, settle)

    async def first_question(self, member: discord.abc.User, prefix: str, lessons: int = 8
                             ) -> list[Call]:
        """`/quiz` lesson by lesson, skipping, until a question shows a component whose
        custom id starts with `prefix` (`tb:tog:` a select-all question, `tbt:` a typed one)."""
        def found(calls: list[Call], start: str) -> list[str]:
            return [i for c in calls for i in c.custom_ids if i.startswith(start)]

        for lesson in range(1, lessons + 1):
            calls = await self.command("quiz", member, lesson=str(lesson))
            for _ in range(8):
                if found(calls, prefix) or not found(calls, "tb:skip:"):
                    break
                calls = await self.click(found(calls, "tb:skip:")[0], member)
            if found(calls, prefix):
                return calls
        raise AssertionError(f"no question with {prefix} components in {lessons} lessons")

    def form(self, member: discord.abc.User) -> str:
        """The custom id of the last form `member` was shown and has not sent."""
        opened = self.webhooks.forms.get(str(member.id)) or []
        assert opened, f"{member} has no form open"
        return opened[-1]

    async def submit(self, value: str, member: discord.abc.User, *, form: str | None = None,
                     guild: bool = True, field: str = "answer") -> list[Call]:
        """`member` sends a form they were shown (by default, the last one)."""
        custom_id = form or self.form(member)
        opened = self.webhooks.forms.get(str(member.id)) or []
        if custom_id not in opened:
            raise AssertionError(f"{member} was never shown the form {custom_id}")
        opened.remove(custom_id)
        data = {"custom_id": custom_id, "components": [{"type": 1, "components": [
            {"type": 4, "custom_id": field, "value": value}]}]}
        return await self._dispatch(self._base(5, data, member, guild))

    async def _dispatch(self, payload: dict[str, Any], settle: float = 0.05) -> list[Call]:
        before = len(self.webhooks.calls)
        member = payload.get("member", {}).get("user") or payload["user"]
        self.webhooks.pending[payload["token"]] = Pending(str(member["id"]), time.monotonic())
        refused = len(self.violations)
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        await wait_for(lambda: len(self.webhooks.calls) > before or
                       len(self.violations) > refused)
        count = -1
        while count != len(self.webhooks.calls):  # let follow-ups arrive
            count = len(self.webhooks.calls)
            await asyncio.sleep(settle)
        return self.webhooks.calls[before:]


async def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)
