"""The real discord.py bot and cogs, with Discord's side faked at the HTTP boundary.

dpytest fakes the gateway and the REST client (guilds, members, channel messages); here we
add what it lacks: interaction payloads as Discord sends them (built like discord.py's own
tests do), the interaction/webhook endpoints recorded instead of sent, and threads.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import discord.ext.test as dpytest
from discord.ext.test import backend, callbacks
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

__all__ = ["Call", "DiscordHarness", "RecordingWebhooks"]

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


class RecordingWebhooks(AsyncWebhookAdapter):
    """Interaction responses and follow-ups, kept instead of sent to discord.com."""

    def __init__(self, bot_user: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.calls: list[Call] = []
        self.bot_user = bot_user

    async def request(self, route: Any, session: Any = None, *,
                      payload: dict[str, Any] | None = None,
                      multipart: list[dict[str, Any]] | None = None,
                      files: Any = None, **_: Any) -> Any:
        if multipart:
            payload = json.loads(next(p["value"] for p in multipart
                                      if p.get("name") == "payload_json"))
        body = payload or {}
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
        callbacks.set_callback(self._edited, "edit_message")
        bot.http.start_thread_without_message = self._start_thread  # type: ignore[method-assign,assignment]

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
                    message_id: int | None = None) -> list[Call]:
        where = channel or self.channel
        message = message_payload(where.id if guild else member.id, self.bot_user, {
            "components": [{"type": 1, "components": [
                {"type": 2, "style": 1, "label": "x", "custom_id": custom_id}]}]})
        if message_id is not None:
            message["id"] = str(message_id)
        payload = self._base(3, {"custom_id": custom_id, "component_type": 2}, member, guild,
                             channel=channel)
        payload["message"] = message
        return await self._dispatch(payload)

    async def submit(self, custom_id: str, value: str, member: discord.abc.User, *,
                     guild: bool = True, field: str = "answer") -> list[Call]:
        data = {"custom_id": custom_id, "components": [{"type": 1, "components": [
            {"type": 4, "custom_id": field, "value": value}]}]}
        return await self._dispatch(self._base(5, data, member, guild))

    async def _dispatch(self, payload: dict[str, Any], settle: float = 0.05) -> list[Call]:
        before = len(self.webhooks.calls)
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        await wait_for(lambda: len(self.webhooks.calls) > before)
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
