"""What the sandbox can be told to do wrong, and what it records of each request."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web

from bot.sandbox.call import TEXTS, encoded
from bot.sandbox.dialects import Dialect
from bot.sandbox.formats import render_error


@dataclass
class Fault:
    """A misbehaviour: ``delay`` seconds before answering, then one of ``mode``'s answers."""

    mode: str  # "slow", "http500", "garbage", "error", "reset", "body"
    delay: float = 0.0
    code: int = 0
    fmt: int | None = None  # answer an "error" in this form whatever the request asked
    body: str = ""  # "body": this text, as a JSON answer (a balance SMSC might send, say)
    script: str | None = None  # only requests to this script misbehave
    action: str | None = None  # only requests with this action flag misbehave


@dataclass
class Hold:
    """Answers held back until the test lets them go: ``arrived`` is set when the first of
    them reaches the sandbox (authenticated, within the limits), ``released`` lets them all
    be answered."""

    script: str
    password: str | None = None  # only requests sent with this password
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def applies(self, script: str, params: dict[str, str]) -> bool:
        return script == self.script and self.password in (None, params.get("psw"))


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    form_keys: tuple[str, ...]
    login: str | None
    script: str
    action: str
    status: str = "ok"
    params: dict[str, str] = field(default_factory=dict, repr=False)


async def misbehave(
    fault: Fault, request: web.Request, fmt: int, charset: str, dialect: Dialect
) -> web.StreamResponse | None:
    """The fault's answer, or None to answer as usual after its delay."""
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.mode == "http500":
        return web.Response(status=500, text="Internal Server Error")
    if fault.mode == "garbage":
        return web.Response(text="<html><body>Bad gateway</body></html>", content_type="text/html")
    if fault.mode == "error":
        form = fmt if fault.fmt is None else fault.fmt
        body, content_type = render_error(form, fault.code, TEXTS.get(fault.code, "error"))
        return encoded(body, content_type, charset)
    if fault.mode == "body":
        return encoded(fault.body, dialect.json_type, charset)
    if fault.mode == "reset":
        assert request.transport is not None
        request.transport.close()
        return web.Response(status=500)
    return None
