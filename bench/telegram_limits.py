"""A Bot API stand-in that enforces Telegram's limits as documented, in its own process.

About 30 messages a second per bot, one a second per chat, twenty a minute per group; past any
of them it answers 429 with ``retry_after``, as Telegram does. It records every message it
accepted, per chat, so that a benchmark can count what was lost or sent twice.

    python -m bench.telegram_limits      prints {"url": ...}, serves until stdin closes
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict, deque

from aiohttp import web

from bench.serving import BOT_USER, serve_until_stdin_closes

PER_BOT_PER_SECOND = 30
PER_CHAT_GAP = 1.0
PER_GROUP_PER_MINUTE = 20


class Limits:
    def __init__(self) -> None:
        self.recent: deque[float] = deque()
        self.last_in_chat: dict[int, float] = {}
        self.group_sends: dict[int, deque[float]] = defaultdict(deque)
        self.delivered: dict[int, int] = defaultdict(int)
        self.documents = 0
        self.refused = 0
        self.refused_by: dict[str, int] = defaultdict(int)
        self.first: float | None = None
        self.last: float | None = None

    def retry_after(self, chat_id: int, now: float) -> int | None:
        """Seconds to wait, or None when this message may go now."""
        while self.recent and self.recent[0] <= now - 1.0:
            self.recent.popleft()
        waits = {}
        if len(self.recent) >= PER_BOT_PER_SECOND:
            waits["bot"] = self.recent[0] + 1.0 - now
        last = self.last_in_chat.get(chat_id)
        if last is not None and now - last < PER_CHAT_GAP:
            waits["chat"] = last + PER_CHAT_GAP - now
        if chat_id < 0:
            sends = self.group_sends[chat_id]
            while sends and sends[0] <= now - 60.0:
                sends.popleft()
            if len(sends) >= PER_GROUP_PER_MINUTE:
                waits["group"] = sends[0] + 60.0 - now
        for reason in waits:
            self.refused_by[reason] += 1
        return max(1, math.ceil(max(waits.values()))) if waits else None

    def accept(self, chat_id: int, now: float) -> None:
        self.recent.append(now)
        self.last_in_chat[chat_id] = now
        if chat_id < 0:
            self.group_sends[chat_id].append(now)
        self.delivered[chat_id] += 1
        self.first = now if self.first is None else self.first
        self.last = now


LIMITS = Limits()


async def api(request: web.Request) -> web.Response:
    method = request.match_info["method"]
    form = await request.post()
    if method == "getMe":
        return web.json_response({"ok": True, "result": BOT_USER})
    if not method.startswith("send"):
        return web.json_response({"ok": True, "result": True})
    chat_id = int(str(form.get("chat_id", "0")))
    now = time.monotonic()
    wait = LIMITS.retry_after(chat_id, now)
    if wait is not None:
        LIMITS.refused += 1
        return web.json_response(
            {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {wait}",
                "parameters": {"retry_after": wait},
            },
            status=429,
        )
    LIMITS.accept(chat_id, now)
    chat = {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private", "title": "t"}
    result: dict[str, object] = {"message_id": LIMITS.delivered[chat_id], "date": 0, "chat": chat}
    if method == "sendDocument":
        LIMITS.documents += 1
        result["document"] = {"file_id": f"doc-{chat_id}", "file_unique_id": f"u{chat_id}"}
    return web.json_response({"ok": True, "result": result})


async def stats(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "delivered": {str(k): v for k, v in LIMITS.delivered.items()},
            "documents": LIMITS.documents,
            "refused": LIMITS.refused,
            "refused_by": LIMITS.refused_by,
            "seconds": (LIMITS.last or 0) - (LIMITS.first or 0),
        }
    )


async def serve() -> None:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/bot{token}/{method}", api)
    app.router.add_get("/stats", stats)
    await serve_until_stdin_closes(app, ["url"])


if __name__ == "__main__":
    asyncio.run(serve())
