"""A fake Telegram Bot API server: the real HTTP/JSON protocol on 127.0.0.1, for PTB.

It keeps every message the bot sends, feeds updates through getUpdates long polling, and
answers 429 or 403 on demand, so the real python-telegram-bot client runs unchanged. What
Telegram refuses (a text over 4096 characters, a keyboard over its limits) it refuses with
Telegram's 400 and keeps in `violations`: `running` fails the test on any.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["BOT", "FakeTelegram", "Sent", "refusal"]

TEXT, CAPTION = 4096, 1024
ROW_BUTTONS, KEYBOARD_BUTTONS, CALLBACK_BYTES = 8, 100, 64  # as the Bot API enforces them


class Refused(Exception):
    """What a method handler raises for Telegram's error reply."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


def refusal(method: str, params: dict[str, Any]) -> str | None:
    """Telegram's "Bad Request" for what it would not take, or None."""
    if len(str(params.get("text") or "")) > TEXT:
        return "Bad Request: message is too long"
    if len(str(params.get("caption") or "")) > CAPTION:
        return "Bad Request: message caption is too long"
    rows = (params.get("reply_markup") or {}).get("inline_keyboard") or []
    if sum(len(row) for row in rows) > KEYBOARD_BUTTONS or any(
            len(row) > ROW_BUTTONS for row in rows):
        return "Bad Request: reply markup is too long"
    if any(len(str(b.get("callback_data", "")).encode()) > CALLBACK_BYTES or
           not str(b.get("text") or "") for row in rows for b in row):
        return "Bad Request: BUTTON_DATA_INVALID"
    return None

BOT = {"id": 4242, "is_bot": True, "first_name": "Tutorbot", "username": "tutorbot_test_bot",
       "can_join_groups": True, "can_read_all_group_messages": False,
       "supports_inline_queries": False}


@dataclass
class Sent:
    method: str
    chat_id: int
    message_id: int
    params: dict[str, Any]
    at: float

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("question") or
                   self.params.get("caption") or "")

    @property
    def buttons(self) -> list[str]:
        markup = self.params.get("reply_markup") or {}
        return [b.get("callback_data", "") for row in markup.get("inline_keyboard", [])
                for b in row]

    @property
    def poll_id(self) -> str:
        return str(self.params.get("_poll_id", ""))


@dataclass
class FakeTelegram:
    token: str = "123456:TEST" + "t" * 30  # the shape of a real token
    sent: list[Sent] = field(default_factory=list)
    # The same messages by chat: benchmarks poll every chat's count many times a second.
    _by_chat: dict[int, list[Sent]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    # method -> error replies to give before answering normally, e.g. a 429 storm
    failures: dict[str, list[tuple[int, str, int | None]]] = field(
        default_factory=lambda: defaultdict(list))
    per_chat_limit: float | None = None  # seconds between messages to one private chat
    too_fast: int = 0  # messages that broke per_chat_limit
    overall_limit: int | None = None  # messages a second in all; beyond it: 429
    refused: int = 0  # 429s given for overall_limit
    violations: list[str] = field(default_factory=list)  # what Telegram would refuse
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> what a user sent
    downloads: list[str] = field(default_factory=list)  # file ids fetched by the bot
    language_codes: dict[int, str] = field(default_factory=dict)  # user -> their app's language
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # by language_code
    _recent: list[float] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _new: asyncio.Event | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _last_to_chat: dict[int, float] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        self._new = asyncio.Event()
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @contextlib.contextmanager
    def in_a_thread(self) -> Iterator[FakeTelegram]:
        """Served from an event loop of its own: when it counts messages per second, a busy
        test loop must not bunch their arrivals (Telegram's clock is not the bot's)."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="fake-telegram", daemon=True)
        thread.start()
        asyncio.run_coroutine_threadsafe(self.start(), loop).result(10)
        try:
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()

    # -- what a test does ------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        assert self._new is not None
        self._new.set()
        return update_id

    def user(self, user_id: int, name: str = "Ann") -> dict[str, Any]:
        found = {"id": user_id, "is_bot": False, "first_name": name}
        if user_id in self.language_codes:
            found["language_code"] = self.language_codes[user_id]
        return found

    def chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Ann"}
        return {"id": chat_id, "type": "supergroup", "title": "Study group"}

    def message(self, user_id: int, text: str, chat_id: int | None = None,
                name: str = "Ann", **extra: Any) -> int:
        message: dict[str, Any] = {"message_id": next(self._ids), "date": int(time.time()),
                                   "chat": self.chat(chat_id or user_id),
                                   "from": self.user(user_id, name), "text": text, **extra}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return self.push({"message": message})

    def document(self, user_id: int, caption: str, file_name: str, data: bytes,
                 size: int | None = None) -> int:
        """A user sends a file with a caption (`size`: what Telegram reports, when a test
        pretends the file is bigger than the bytes it holds)."""
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = data
        message: dict[str, Any] = {
            "message_id": next(self._ids), "date": int(time.time()),
            "chat": self.chat(user_id), "from": self.user(user_id), "caption": caption,
            "document": {"file_id": file_id, "file_unique_id": f"u{file_id}",
                         "file_name": file_name, "file_size": size or len(data)}}
        if caption.startswith("/"):
            message["caption_entities"] = [{"type": "bot_command", "offset": 0,
                                            "length": len(caption.split()[0])}]
        return self.push({"message": message})

    def press(self, user_id: int, sent: Sent, data: str, name: str = "Ann") -> int:
        return self.push({"callback_query": {
            "id": str(next(self._ids)), "from": self.user(user_id, name),
            "chat_instance": "ci", "data": data,
            "message": {"message_id": sent.message_id, "date": int(time.time()),
                        "chat": self.chat(sent.chat_id), "from": BOT,
                        "text": sent.text or "?"}}})

    def vote(self, user_id: int, poll_id: str, option: int, name: str = "Ann") -> int:
        return self.push({"poll_answer": {"poll_id": poll_id, "user": self.user(user_id, name),
                                          "option_ids": [option],
                                          "option_persistent_ids": [f"o{option}"]}})

    def member_status(self, user_id: int, status: str) -> int:
        old = "member" if status == "kicked" else "kicked"
        return self.push({"my_chat_member": {
            "chat": self.chat(user_id), "from": self.user(user_id), "date": int(time.time()),
            "old_chat_member": {"user": BOT, "status": old, **(
                {"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": {"user": BOT, "status": status, **(
                {"until_date": 0} if status == "kicked" else {})}}})

    def to(self, chat_id: int) -> list[Sent]:
        return list(self._by_chat.get(chat_id, ()))

    async def wait(self, condition: Callable[[], bool], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; sent so far: {[s.text[:60] for s in self.sent]}")
            await asyncio.sleep(0.02)

    async def reply_to(self, chat_id: int, after: int, timeout: float = 15.0,
                       settle: float = 0.3) -> list[Sent]:
        """The messages sent to a chat after the first `after` ones, once they stop coming."""
        await self.wait(lambda: len(self.to(chat_id)) > after, timeout)
        count = -1
        while count != len(self.to(chat_id)):
            count = len(self.to(chat_id))
            await asyncio.sleep(settle)
        return self.to(chat_id)[after:]

    # -- the protocol ----------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.content_type.startswith("multipart/"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = {"filename": value.filename, "size": len(value.file.read())}
                else:
                    params[key] = value if isinstance(value, str) else bytes(value).decode()
        elif request.can_read_body:
            params.update(await request.post())
        for key, value in list(params.items()):
            if isinstance(value, str) and (value[:1] in "[{" or value in ("true", "false")):
                params[key] = json.loads(value)  # PTB sends objects as JSON strings
        return params

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        self.downloads.append(file_id)
        return web.Response(body=self.files[file_id],
                            content_type="application/octet-stream")

    async def _getFile(self, params: dict[str, Any]) -> Any:
        data = self.files.get(params["file_id"])
        if data is None:
            raise Refused(400, "Bad Request: invalid file_id")
        if len(data) > 20 * 1024 * 1024:
            raise Refused(400, "Bad Request: file is too big")
        return {"file_id": params["file_id"], "file_unique_id": f"u{params['file_id']}",
                "file_size": len(data), "file_path": f"documents/{params['file_id']}"}

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        if self.failures.get(method):
            code, description, retry_after = self.failures[method].pop(0)
            body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
            return web.json_response(body, status=code)
        chat_id = params.get("chat_id")
        if self.overall_limit is not None and method.startswith("send"):
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < 1.0]
            if len(self._recent) >= self.overall_limit:
                self.refused += 1
                return web.json_response({"ok": False, "error_code": 429, "description":
                                          "Too Many Requests: retry after 1",
                                          "parameters": {"retry_after": 1}}, status=429)
            self._recent.append(now)
        if chat_id is not None and int(chat_id) in self.blocked:
            return web.json_response({"ok": False, "error_code": 403, "description":
                                      "Forbidden: bot was blocked by the user"}, status=403)
        refused = refusal(method, params)
        if refused is not None:
            self.violations.append(f"{method}: {refused}")
            return web.json_response({"ok": False, "error_code": 400, "description": refused},
                                     status=400)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": f"Not Found: method {method}"}, status=404)
        try:
            result = await handler(params)
        except Refused as exc:
            return web.json_response({"ok": False, "error_code": exc.code,
                                      "description": exc.description}, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def _getMe(self, params: dict[str, Any]) -> Any:
        return BOT

    async def _setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        commands = json.loads(commands) if isinstance(commands, str) else commands
        language = str(params.get("language_code") or "")
        if not isinstance(commands, list) or len(commands) > 100 or any(
                not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command"))) or
                not 1 <= len(str(c.get("description") or "")) <= 256 for c in commands):
            raise Refused(400, "Bad Request: BOT_COMMAND_INVALID")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise Refused(400, "Bad Request: LANG_CODE_INVALID")  # ISO 639-1 only
        self.commands[language] = commands
        return True

    async def _deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def _setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    async def _answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        assert self._new is not None
        if not self._updates and timeout:
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), min(timeout, 1.0))
        return self._updates[:100]

    def _record(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        now = time.monotonic()
        if self.per_chat_limit and chat_id > 0:
            last = self._last_to_chat.get(chat_id)
            if last is not None and now - last < self.per_chat_limit - 0.05:
                self.too_fast += 1
            self._last_to_chat[chat_id] = now
        sent = Sent(method, chat_id, next(self._ids), params, now)
        self.sent.append(sent)
        self._by_chat.setdefault(chat_id, []).append(sent)
        return {"message_id": sent.message_id, "date": int(time.time()),
                "chat": self.chat(chat_id), "from": BOT}

    async def _sendMessage(self, params: dict[str, Any]) -> Any:
        return {**self._record("sendMessage", params), "text": params.get("text", "")}

    async def _sendPoll(self, params: dict[str, Any]) -> Any:
        poll_id = str(next(self._ids))
        params["_poll_id"] = poll_id
        message = self._record("sendPoll", params)
        options = params.get("options", [])
        return {**message, "poll": {
            "id": poll_id, "question": params.get("question", ""),
            "options": [{"text": o if isinstance(o, str) else o.get("text", ""),
                         "voter_count": 0, "persistent_id": f"o{i}"}
                        for i, o in enumerate(options)],
            "total_voter_count": 0, "is_closed": False,
            "is_anonymous": params.get("is_anonymous", True) in (True, "true", "True"),
            "type": params.get("type", "regular"), "allows_multiple_answers": False,
            "allows_revoting": False, "members_only": False,
            "correct_option_ids": params.get("correct_option_ids", [])}}

    async def _sendPhoto(self, params: dict[str, Any]) -> Any:
        return {**self._record("sendPhoto", params), "photo": [
            {"file_id": "f1", "file_unique_id": "u1", "width": 640, "height": 480}]}

    async def _editMessageText(self, params: dict[str, Any]) -> Any:
        self.calls.append(("edited", params))
        return {"message_id": int(params.get("message_id", 0)), "date": int(time.time()),
                "chat": self.chat(int(params["chat_id"])), "text": params.get("text", "")}

    async def _editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return True
