"""Loopback servers for benchmarks, run in their own process so their work is not ours:
a Bot API that answers at once, and an SMSC that answers every script with ``{"id": 1}``.

    python -m bench.servers      prints "telegram=<url> smsc=<url>", serves until stdin closes
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from bench.serving import BOT_USER, serve_until_stdin_closes

SMSC_ANSWER = b'{"id": 1}'


POLLS = {"count": 0}


async def telegram(request: web.Request) -> web.Response:
    method = request.match_info["method"]
    form = await request.post()
    if method == "getUpdates":
        POLLS["count"] += 1
        # An idle bot: nothing to deliver, after a short long-poll.
        await asyncio.sleep(min(float(str(form.get("timeout", 0) or 0)), 0.5))
        return web.json_response({"ok": True, "result": []})
    if method == "getMe":
        result: object = BOT_USER
    elif method.startswith(("send", "edit")):
        chat_id = int(str(form.get("chat_id", "1")))
        result = {
            "message_id": 1,
            "date": int(time.time()),
            "text": "ok",
            "chat": {"id": chat_id, "type": "private"},
        }
    else:
        result = True
    return web.json_response({"ok": True, "result": result})


async def smsc(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=SMSC_ANSWER, content_type="application/json")


async def stats(request: web.Request) -> web.Response:
    return web.json_response({"polls": POLLS["count"]})


async def serve() -> None:
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", telegram)
    app.router.add_post("/sys/{script}.php", smsc)
    app.router.add_get("/stats", stats)
    await serve_until_stdin_closes(app, ["telegram", "smsc"])


if __name__ == "__main__":
    asyncio.run(serve())
