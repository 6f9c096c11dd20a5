"""A fake Telegram Bot API server on loopback that tests control.

It serves getUpdates from a queue the test fills, answers the methods the bot uses with
believable objects, records every call (multipart files included), and can be told to fail
a method with 429 or 5xx, to refuse deleting messages in a chat, or to deny admin rights.
Like Telegram, it refuses with 400 a text or caption that is too long or whose HTML does not
parse (:mod:`tests.fakes.telegram_text`); :meth:`FakeTelegram.refusals` lists those calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import telegram_text

BOT_ID = 990001
BOT_USERNAME = "smsc_test_bot"
# Telegram's stand-in sender for messages of anonymous group administrators.
GROUP_ANONYMOUS_BOT = 1087968824


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    result: Any = None
    at: float = field(default_factory=time.monotonic)
    # Telegram's description when it refused the text (too long, HTML it cannot parse).
    refused: str | None = None

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        return int(raw) if raw is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def markup(self) -> dict[str, Any] | None:
        raw = self.params.get("reply_markup")
        return json.loads(raw) if isinstance(raw, str) else raw

    def buttons(self) -> list[dict[str, Any]]:
        markup = self.markup or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    def button(self, contains: str) -> dict[str, Any]:
        for button in self.buttons():
            if contains in button.get("text", "") or contains in button.get("callback_data", ""):
                return button
        raise AssertionError(f"no button with {contains!r} in {self.buttons()}")


@dataclass
class Held:
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Failure:
    method: str
    status: int
    retry_after: int | None
    times: int


class FakeTelegram:
    def __init__(self, token: str, host: str = "127.0.0.1") -> None:
        self.token = token
        self.host = host
        self.port = 0
        self.calls: list[Call] = []
        self.admins: dict[int, set[int]] = defaultdict(set)
        self.undeletable_chats: set[int] = set()
        self.blocked_chats: set[int] = set()
        self.migrations: dict[int, int] = {}
        self.files: dict[str, bytes] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._failures: list[Failure] = []
        self._held: dict[str, Held] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._file_ids = itertools.count(1)
        self.polls = 0

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        app = web.Application(client_max_size=100 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what users do -----------------------------------------------------------------------

    def user(self, user_id: int, language: str = "en") -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
            "username": f"user{user_id}",
            "language_code": language,
        }

    def chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"Team {abs(chat_id)}"}

    def message_update(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        *,
        language: str = "en",
        **extra: Any,
    ) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids[chat_id]),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": self.user(user_id, language),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def edited_update(self, chat_id: int, user_id: int, text: str, **extra: Any) -> dict[str, Any]:
        """A message edited after it was sent: Telegram sends it again, whole."""
        update = self.message_update(chat_id, user_id, text, **extra)
        edited = update.pop("message")
        edited["edit_date"] = edited["date"] + 5
        return {"update_id": update["update_id"], "edited_message": edited}

    def anonymous_update(self, group_id: int, text: str) -> dict[str, Any]:
        """A message from an anonymous administrator: it comes from the group itself."""
        return self.message_update(
            group_id,
            GROUP_ANONYMOUS_BOT,
            text,
            sender_chat=self.chat(group_id),
        )

    def document_update(
        self,
        chat_id: int,
        user_id: int,
        content: bytes,
        file_name: str,
        mime_type: str = "application/pdf",
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        file_id = f"upload-{next(self._file_ids)}"
        self.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        extra: dict[str, Any] = {"document": document}
        if reply_to is not None:
            extra["reply_to_message"] = reply_to
        return self.message_update(chat_id, user_id, None, **extra)

    def callback_update(
        self, call: Call, button_text: str, user_id: int, language: str = "en"
    ) -> dict[str, Any]:
        """Pressing an inline button of a message the bot sent (or edited)."""
        button = call.button(button_text)
        message = call.result if isinstance(call.result, dict) else None
        assert message is not None, "the call did not produce a message"
        update_id = next(self._update_ids)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": self.user(user_id, language),
                "chat_instance": "ci",
                "message": message,
                "data": button["callback_data"],
            },
        }

    def send(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        *,
        language: str = "en",
        **extra: Any,
    ) -> dict[str, Any]:
        update = self.message_update(chat_id, user_id, text, language=language, **extra)
        self._push(update)
        message: dict[str, Any] = update["message"]
        return message

    def send_document(
        self,
        chat_id: int,
        user_id: int,
        content: bytes,
        file_name: str,
        mime_type: str = "application/pdf",
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        update = self.document_update(chat_id, user_id, content, file_name, mime_type, reply_to)
        self._push(update)
        message: dict[str, Any] = update["message"]
        return message

    def press(self, call: Call, button_text: str, user_id: int, language: str = "en") -> None:
        self._push(self.callback_update(call, button_text, user_id, language))

    def press_data(self, chat_id: int, message_id: int, data: str, user_id: int) -> None:
        """Press a button with any callback data, as if on the bot's message ``message_id``."""
        message = self._message(chat_id, text="…")
        message["message_id"] = message_id
        update_id = next(self._update_ids)
        self._push(
            {
                "update_id": update_id,
                "callback_query": {
                    "id": str(update_id),
                    "from": self.user(user_id),
                    "chat_instance": "ci",
                    "message": message,
                    "data": data,
                },
            }
        )

    def _push(self, update: dict[str, Any]) -> None:
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- what the test controls --------------------------------------------------------------

    def fail(
        self, method: str, status: int, *, retry_after: int | None = None, times: int = 1
    ) -> None:
        self._failures.append(Failure(method, status, retry_after, times))

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "SMSC test bot",
            "username": BOT_USERNAME,
        }

    def hold(self, method: str) -> Held:
        """The next call of ``method`` waits, as on a slow connection, until released."""
        held = self._held[method] = Held()
        return held

    def mark(self) -> int:
        return len(self.calls)

    def refusals(self, since: int = 0) -> list[Call]:
        """Calls refused for their text: what the person never got."""
        return [c for c in self.calls[since:] if c.refused is not None]

    def find(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        since: int = 0,
        contains: str | None = None,
    ) -> list[Call]:
        return [
            c
            for c in self.calls[since:]
            if c.method == method
            and (chat_id is None or c.chat_id == chat_id)
            and (contains is None or contains in c.text)
        ]

    async def wait_for(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        since: int = 0,
        contains: str | None = None,
        timeout: float = 20.0,
    ) -> Call:
        """The first matching call at or after ``since``; waits for it to happen."""

        async def found() -> Call:
            async with self._changed:
                while True:
                    matches = self.find(method, chat_id=chat_id, since=since, contains=contains)
                    if matches:
                        return matches[0]
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(found(), timeout)
        except TimeoutError:
            seen = [(c.method, c.chat_id, c.text[:80]) for c in self.calls[since:]]
            raise AssertionError(
                f"no {method} to {chat_id} containing {contains!r}; calls since: {seen}"
            ) from None

    async def wait_polling(self, timeout: float = 30.0) -> None:
        async def polling() -> None:
            async with self._changed:
                while not self.polls:
                    await self._changed.wait()

        await asyncio.wait_for(polling(), timeout)

    async def reply_to(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        method: str = "sendMessage",
        language: str = "en",
        timeout: float = 20.0,
        contains: str | None = None,
    ) -> Call:
        since = self.mark()
        self.send(chat_id, user_id, text, language=language)
        return await self.wait_for(
            method, chat_id=chat_id, since=since, contains=contains, timeout=timeout
        )

    # -- the API -----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[key] = (value.filename, value.file.read())
                    else:
                        params[key] = value
                # aiogram sends {"document": "attach://<name>"} with the file under <name>.
                for key, value in list(params.items()):
                    if isinstance(value, str) and value.startswith("attach://"):
                        attached = value.removeprefix("attach://")
                        if attached in files:
                            files[key] = files[attached]
        if method == "getUpdates":
            self.polls += 1
            await self._notify()
            return await self._get_updates(params)
        call = Call(method, params, files)
        held = self._held.pop(method, None)
        if held is not None:
            held.arrived.set()
            await held.released.wait()
        for failure in self._failures:
            if failure.method == method and failure.times > 0:
                failure.times -= 1
                self._record(call)
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": failure.status,
                    "description": "Too Many Requests: retry later"
                    if failure.status == 429
                    else "Internal Server Error",
                }
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                return web.json_response(body, status=failure.status)
        ok, result = self._answer(call)
        call.result = result
        self._record(call)
        if not ok:
            return web.json_response(result, status=result["error_code"])
        return web.json_response({"ok": True, "result": result})

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        asyncio.get_running_loop().create_task(self._notify())

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]

        async def ready() -> None:
            async with self._changed:
                while not self._updates:
                    await self._changed.wait()

        if not self._updates and timeout:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready(), timeout)
        return web.json_response({"ok": True, "result": self._updates[:100]})

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids[chat_id]) + 100000,
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": self.bot_user,
            **content,
        }

    def _answer(self, call: Call) -> tuple[bool, Any]:
        method, params = call.method, call.params
        chat_id = call.chat_id
        if chat_id in self.migrations and method.startswith("send"):
            return False, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup",
                "parameters": {"migrate_to_chat_id": self.migrations[chat_id]},
            }
        if chat_id is not None and chat_id in self.blocked_chats and method.startswith("send"):
            return False, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        refused = _refused_text(call)
        if refused is not None:
            call.refused = refused
            return False, {"ok": False, "error_code": 400, "description": refused}
        if method == "getMe":
            return True, self.bot_user
        if method == "sendMessage":
            content: dict[str, Any] = {"text": params.get("text", "")}
            # As Telegram: a message carries only an inline keyboard; reply keys stay client-side.
            if params.get("reply_markup") and "inline_keyboard" in (call.markup or {}):
                content["reply_markup"] = call.markup
            return True, self._message(int(params["chat_id"]), **content)
        if method == "sendDocument":
            name, data = call.files.get("document", ("document", b""))
            file_id = f"sent-{next(self._file_ids)}"
            self.files[file_id] = data
            document = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": name,
                "file_size": len(data),
            }
            return True, self._message(
                int(params["chat_id"]), document=document, caption=params.get("caption", "")
            )
        if method in {"editMessageText", "editMessageReplyMarkup"}:
            content = {"text": params.get("text", "…")}
            if params.get("reply_markup"):
                content["reply_markup"] = call.markup
            message = self._message(int(params["chat_id"]), **content)
            message["message_id"] = int(params["message_id"])
            return True, message
        if method == "deleteMessage":
            if chat_id in self.undeletable_chats:
                return False, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message can't be deleted",
                }
            return True, True
        if method == "getChatMember":
            user_id = int(params["user_id"])
            status = "creator" if user_id in self.admins[int(params["chat_id"])] else "member"
            member: dict[str, Any] = {"status": status, "user": self.user(user_id)}
            if status == "creator":
                member["is_anonymous"] = False
            return True, member
        if method == "getFile":
            file_id = params["file_id"]
            return True, {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": f"documents/{file_id}",
            }
        return True, True

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            raise web.HTTPNotFound()
        return web.Response(body=self.files[file_id])


# The methods whose text Telegram checks, and whether it is a caption.
_TEXTS = {
    "sendMessage": ("text", False),
    "editMessageText": ("text", False),
    "sendDocument": ("caption", True),
    "sendPhoto": ("caption", True),
    "editMessageCaption": ("caption", True),
}


def _refused_text(call: Call) -> str | None:
    """Telegram's description of why it refuses this call's text, or None."""
    params = call.params
    if call.method == "answerCallbackQuery":
        alert = str(params.get("text") or "")
        if telegram_text.utf16_length(alert) > telegram_text.CALLBACK_ANSWER_LIMIT:
            return "Bad Request: MESSAGE_TOO_LONG"
        return None
    if call.method not in _TEXTS:
        return None
    key, caption = _TEXTS[call.method]
    if caption and not params.get(key):
        return None
    try:
        telegram_text.check(str(params.get(key) or ""), params.get("parse_mode"), caption=caption)
    except telegram_text.Refused as refusal:
        return str(refusal)
    return None
