"""An aiohttp server that answers like SMSC's ``/sys/*.php`` scripts, for tests and the demo.

Written from the provider's pages, not from the client: it applies the documented limits
(error 9), blocks an address that keeps sending failing requests (error 4, for every login from
that address), reads parameters in the charset the request names (windows-1251 when it names
none, as the provider does), treats a flag ``0`` as unset, answers errors in all four ``fmt``
forms, and words its answers in one of several dialects (:mod:`bot.sandbox.dialects`). It
records every request it saw (to prove that no credential ever travels in a URL), and can be
told to misbehave (slow, HTTP 500, garbage, a given error code, a given body) per login or for
everyone, on every script or one, or to hold a script's answers until a test lets them go.

One module per script holds its handlers: ``phones`` (also ``mails.php``), ``senders``,
``documents``, ``downloads``, ``balance``.
"""

from __future__ import annotations

import asyncio
import codecs
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.sandbox import balance, documents, downloads, phones, senders
from bot.sandbox.call import NO_CONTENT_TYPE, Call, Handler, SmscFail, encoded, is_set
from bot.sandbox.dialects import PLAIN, Dialect
from bot.sandbox.faults import Fault, Hold, RecordedRequest, misbehave
from bot.sandbox.formats import render_error
from bot.sandbox.state import SandboxState

_AUTH_KEYS = frozenset({"login", "psw", "apikey"})
_TRANSPORT_KEYS = frozenset({"fmt", "charset"})
# The provider's default charset when a request names none.
DEFAULT_CHARSET = "windows-1251"
# Failing requests from one address within a rate window before it is blocked (error 4).
IP_BLOCK_AFTER = 30

ACTIONS: dict[str, dict[str, Handler]] = {
    "phones": phones.ACTIONS,
    "mails": phones.ACTIONS,
    "senders": senders.ACTIONS,
    "documents": documents.ACTIONS,
    "downloads": downloads.ACTIONS,
    "balance": balance.ACTIONS,
}


@dataclass
class _Limits:
    identical: dict[tuple[Any, ...], deque[float]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    in_flight: int = 0
    peak_in_flight: int = 0


@dataclass
class _Address:
    """Failing requests from one client address, and until when it is blocked."""

    failures: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0


class SandboxServer:
    """Run with ``await server.start()`` (port 0 picks a free one) and ``await server.stop()``."""

    def __init__(
        self,
        state: SandboxState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_window: float = 60.0,
        latency: float = 0.0,
        dialect: Dialect = PLAIN,
        ip_block_after: int = IP_BLOCK_AFTER,
        ip_block_for: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock`` measures the provider's windows and blocks; tests may move it."""
        self.state = state if state is not None else SandboxState()
        self.host = host
        self.port = port
        self.rate_window = rate_window
        self.latency = latency
        self.dialect = dialect
        self.clock = clock
        self.ip_block_after = ip_block_after
        self.ip_block_for = ip_block_for if ip_block_for is not None else 10 * rate_window
        self.requests: list[RecordedRequest] = []
        self.record_requests = True
        self.error9_count = 0
        self.error4_count = 0
        self.answered = 0
        self._faults: dict[str | None, Fault] = {}
        self._holds: list[Hold] = []
        self._limits: dict[str, _Limits] = defaultdict(_Limits)
        self._addresses: dict[str, _Address] = defaultdict(_Address)
        self._runner: web.AppRunner | None = None
        self.app = self._build_app()

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self.base_url

    async def stop(self) -> None:
        for held in self._holds:
            held.released.set()  # the server waits for every request under way
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- control ------------------------------------------------------------------------------

    def set_fault(self, fault: Fault | None, *, login: str | None = None) -> None:
        """Misbehave for one login, or for every request when ``login`` is None."""
        if fault is None:
            self._faults.pop(login, None)
        else:
            self._faults[login] = fault

    def clear_faults(self) -> None:
        self._faults.clear()

    def hold(self, script: str, *, password: str | None = None) -> Hold:
        """Keep the answers to ``script`` (only those sent with ``password``, if given) until
        the hold is released: a request still waiting at SMSC, without timing."""
        held = Hold(script, password)
        self._holds.append(held)
        return held

    def peak_in_flight(self, login: str) -> int:
        return self._limits[login].peak_in_flight

    def block_address(self, address: str, seconds: float) -> None:
        """Answer error 4 to everything from ``address`` for ``seconds``, as the provider does."""
        self._addresses[address].blocked_until = self.clock() + seconds

    def unblock_address(self, address: str) -> None:
        self._addresses.pop(address, None)

    def reached(self, script: str | None = None) -> list[RecordedRequest]:
        """Requests that got past the address block, authentication and faults."""
        return [
            r
            for r in self.requests
            if r.status != "error 4" and (script is None or r.script == script)
        ]

    # -- HTTP ---------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/sys/{script}.php", self._handle)
        app.router.add_post("/_sandbox/tasks/{login}/{task_id}", self._control_task)
        app.router.add_post("/_sandbox/senders/{login}/{sender_id}", self._control_sender)
        app.router.add_get("/_sandbox/health", self._health)
        app.on_response_prepare.append(_drop_content_type)
        return app

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "accounts": len(self.state.accounts),
                "answered": self.answered,
                "error9": self.error9_count,
                "dialect": self.dialect.name,
            }
        )

    async def _control_task(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.state.set_task_status(
            request.match_info["login"], int(request.match_info["task_id"]), int(body["status"])
        )
        return web.json_response({"ok": True})

    async def _control_sender(self, request: web.Request) -> web.Response:
        body = await request.json()
        login, sender_id = request.match_info["login"], int(request.match_info["sender_id"])
        if "status" in body:
            self.state.set_sender_status(login, sender_id, int(body["status"]))
        for operator, status in body.get("operators", {}).items():
            self.state.set_operator_status(login, sender_id, operator, int(status))
        return web.json_response({"ok": True})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        script = request.match_info["script"]
        params, upload = await _read_params(request)
        charset = _charset(params.get("charset"))
        fmt = _int(params.get("fmt"), 0)
        self.answered += 1
        action = next((a for a in ACTIONS.get(script, {}) if is_set(params.get(a))), "")
        record = RecordedRequest(
            request.method,
            request.path,
            request.query_string,
            tuple(sorted(params)),
            params.get("login"),
            script,
            action,
            params=params,
        )
        if self.record_requests:
            self.requests.append(record)
        address = self._addresses[request.remote or ""]
        try:
            if address.blocked_until > self.clock():
                raise SmscFail(4)
            fault = self._faults.get(params.get("login")) or self._faults.get(None)
            if (
                fault is not None
                and fault.script in (None, script)
                and fault.action in (None, action)
            ):
                faulty = await misbehave(fault, request, fmt, charset, self.dialect)
                if faulty is not None:
                    record.status = fault.mode
                    return faulty
            return await self._answer(script, action, params, upload, fmt, charset)
        except SmscFail as fail:
            return self._refuse(fail, record, address, fmt, charset)

    async def _answer(
        self,
        script: str,
        action: str,
        params: dict[str, str],
        upload: bytes | None,
        fmt: int,
        charset: str,
    ) -> web.StreamResponse:
        """The answer to an authenticated request, within the provider's limits."""
        account = self.state.authenticate(
            params.get("login"), params.get("psw"), params.get("apikey")
        )
        if account is None:
            raise SmscFail(2)
        if script not in ACTIONS:
            raise SmscFail(1, "unknown script")
        handler = ACTIONS[script].get(action)
        if handler is None:
            raise SmscFail(1)
        limits = self._limits[account.login]
        self._check_limits(limits, script, action, params)
        limits.in_flight += 1
        limits.peak_in_flight = max(limits.peak_in_flight, limits.in_flight)
        try:
            if limits.in_flight >= 15:
                raise SmscFail(9, "too many concurrent requests")
            if self.latency:
                await asyncio.sleep(self.latency)
            for held in [h for h in self._holds if h.applies(script, params)]:
                held.arrived.set()
                await held.released.wait()
            call = Call(self.state, account, script, params, upload, fmt, self.dialect, charset)
            return await handler(call)
        finally:
            limits.in_flight -= 1

    def _refuse(
        self, fail: SmscFail, record: RecordedRequest, address: _Address, fmt: int, charset: str
    ) -> web.StreamResponse:
        record.status = f"error {fail.code}"
        if fail.code == 9:
            self.error9_count += 1
        if fail.code == 4:
            self.error4_count += 1
        elif fail.code != 3:
            # "No records" is an answer, not a mistake; everything else counts.
            self._failed(address)
        body, content_type = render_error(fmt, fail.code, fail.text)
        if fmt == 3:
            body = self.dialect.json_text(body, charset)
            content_type = self.dialect.json_type
        return encoded(body, content_type, charset)

    def _failed(self, address: _Address) -> None:
        now = self.clock()
        address.failures.append(now)
        while address.failures and address.failures[0] <= now - self.rate_window:
            address.failures.popleft()
        if len(address.failures) >= self.ip_block_after:
            address.blocked_until = now + self.ip_block_for
            address.failures.clear()

    def _check_limits(
        self, limits: _Limits, script: str, action: str, params: dict[str, str]
    ) -> None:
        now = self.clock()
        significant = tuple(
            sorted((k, v) for k, v in params.items() if k not in _AUTH_KEYS | _TRANSPORT_KEYS)
        )
        rules: list[tuple[tuple[Any, ...], int]] = [
            (("same", script, significant), 10 if script == "balance" else 3)
        ]
        if script == "documents" and action in {"add_account", "chg_account"}:
            rules.append((("kind", script, "change"), 1))
        if script == "senders" and action == "add":
            rules.append((("kind", script, action), 5))
        for key, limit in rules:
            stamps = limits.identical[key]
            while stamps and stamps[0] <= now - self.rate_window:
                stamps.popleft()
            if len(stamps) >= limit:
                raise SmscFail(9)
        for key, _ in rules:
            limits.identical[key].append(now)


async def _read_params(request: web.Request) -> tuple[dict[str, str], bytes | None]:
    """Query and form parameters, decoded in the charset the request names."""
    pairs = parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True, encoding="latin-1")
    upload: bytes | None = None
    if request.method == "POST":
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    upload = value.file.read()
                else:
                    # aiohttp decoded the part as UTF-8; back to bytes for the charset below.
                    pairs.append((key, str(value).encode("utf-8").decode("latin-1")))
        else:
            body = (await request.read()).decode("latin-1")
            pairs += parse_qsl(body, keep_blank_values=True, encoding="latin-1")
    raw = dict(pairs)
    charset = _charset(raw.get("charset"))
    decoded = {
        key: raw_value.encode("latin-1").decode(charset, "replace")
        for key, raw_value in raw.items()
    }
    return decoded, upload


def _charset(raw: str | None) -> str:
    name = (raw or "").strip().lower() or DEFAULT_CHARSET
    try:
        return codecs.lookup(name).name
    except LookupError:
        return DEFAULT_CHARSET


async def _drop_content_type(request: web.Request, response: web.StreamResponse) -> None:
    if response.headers.pop(NO_CONTENT_TYPE, None) is not None:
        response.headers.popall("Content-Type", None)


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default
