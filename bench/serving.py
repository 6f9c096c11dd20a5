"""Serving a stand-in from its own process: on a free loopback port, its addresses printed as
one JSON line, until the benchmark closes its stdin. Imports only aiohttp, so a stand-in's
process stays small and quick to start."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterable

from aiohttp import web

# Who the Bot API stand-ins say the bot is (getMe).
BOT_USER = {"id": 42, "is_bot": True, "first_name": "bench", "username": "bench_bot"}


async def serve_until_stdin_closes(app: web.Application, names: Iterable[str]) -> None:
    """Each of ``names`` is printed with the one address the app answers on."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    print(json.dumps(dict.fromkeys(names, url)), flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await runner.cleanup()
