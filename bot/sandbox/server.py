"""An aiohttp server that answers like SMSC's ``/sys/*.php`` scripts, for tests and the demo.

It applies the provider's documented limits (error 9), answers errors in all four ``fmt`` forms,
records every request it saw (to prove that no credential ever travels in a URL), and can be told
to misbehave (slow, HTTP 500, garbage, a given error code) per login or for everyone.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.sandbox.formats import render_answer, render_error
from bot.sandbox.pdf import render_pdf
from bot.sandbox.state import (
    UNDELIVERABLE_PREFIX,
    Account,
    AddressBook,
    SandboxState,
    SbBlacklisted,
    SbCode,
    SbContact,
    SbFile,
    SbGroup,
    SbInvoice,
    SbSender,
    csv_rows,
    split_addresses,
)

_AUTH_KEYS = frozenset({"login", "psw", "apikey"})
_TRANSPORT_KEYS = frozenset({"fmt", "charset"})
_PHONE = re.compile(r"^\+?\d{7,15}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_ALPHA_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 .\-_!&']{1,11}$")
_DIGITAL_SENDER = re.compile(r"^\d{10,15}$")
_SUM = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
MAX_DOCUMENT = 3 * 1024 * 1024
_TEXTS = {
    1: "parameters error",
    2: "authorise error",
    3: "no records found",
    4: "IP temporarily blocked",
    5: "operation failed",
    7: "invalid number",
    8: "message to the number cannot be delivered",
    9: "duplicate request, wait a minute",
    10: "code already sent, try again in 8 hours",
    11: "wrong code",
}


class SmscFail(Exception):
    def __init__(self, code: int, text: str | None = None) -> None:
        self.code = code
        self.text = text or _TEXTS.get(code, "error")
        super().__init__(self.text)


@dataclass
class Fault:
    """A misbehaviour: ``delay`` seconds before answering, then one of ``mode``'s answers."""

    mode: str  # "slow", "http500", "garbage", "error", "reset"
    delay: float = 0.0
    code: int = 0
    fmt: int | None = None  # answer an "error" in this form whatever the request asked


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


@dataclass
class _Limits:
    identical: dict[tuple[Any, ...], deque[float]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    in_flight: int = 0
    peak_in_flight: int = 0


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
    ) -> None:
        self.state = state if state is not None else SandboxState()
        self.host = host
        self.port = port
        self.rate_window = rate_window
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self.record_requests = True
        self.error9_count = 0
        self.answered = 0
        self._faults: dict[str | None, Fault] = {}
        self._limits: dict[str, _Limits] = defaultdict(_Limits)
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
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self.base_url

    async def stop(self) -> None:
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

    def peak_in_flight(self, login: str) -> int:
        return self._limits[login].peak_in_flight

    # -- HTTP ---------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/sys/{script}.php", self._handle)
        app.router.add_post("/_sandbox/tasks/{login}/{task_id}", self._control_task)
        app.router.add_post("/_sandbox/senders/{login}/{sender_id}", self._control_sender)
        app.router.add_get("/_sandbox/health", self._health)
        return app

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "accounts": len(self.state.accounts),
                "answered": self.answered,
                "error9": self.error9_count,
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
        params: dict[str, str] = dict(request.query)
        upload: bytes | None = None
        if request.method == "POST":
            form: MultiDictProxy[Any] = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    upload = value.file.read()
                else:
                    params[key] = str(value)
        fmt = _int(params.get("fmt"), 0)
        self.answered += 1
        action = next((a for a in _ACTIONS.get(script, {}) if params.get(a)), "")
        record = RecordedRequest(
            request.method,
            request.path,
            request.query_string,
            tuple(sorted(params)),
            params.get("login"),
            script,
            action,
        )
        if self.record_requests:
            self.requests.append(record)
        try:
            fault = self._faults.get(params.get("login")) or self._faults.get(None)
            if fault is not None:
                faulty = await self._misbehave(fault, request, fmt)
                if faulty is not None:
                    record.status = fault.mode
                    return faulty
            account = self.state.authenticate(
                params.get("login"), params.get("psw"), params.get("apikey")
            )
            if account is None:
                raise SmscFail(2)
            if script not in _ACTIONS:
                raise SmscFail(1, "unknown script")
            handler = _ACTIONS[script].get(action)
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
                context = _Call(self.state, account, script, params, upload, fmt)
                return await handler(context)
            finally:
                limits.in_flight -= 1
        except SmscFail as fail:
            record.status = f"error {fail.code}"
            if fail.code == 9:
                self.error9_count += 1
            body, content_type = render_error(fmt, fail.code, fail.text)
            return web.Response(text=body, content_type=content_type, charset="utf-8")

    async def _misbehave(
        self, fault: Fault, request: web.Request, fmt: int
    ) -> web.StreamResponse | None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.mode == "http500":
            return web.Response(status=500, text="Internal Server Error")
        if fault.mode == "garbage":
            return web.Response(
                text="<html><body>Bad gateway</body></html>", content_type="text/html"
            )
        if fault.mode == "error":
            form = fmt if fault.fmt is None else fault.fmt
            body, content_type = render_error(form, fault.code, _TEXTS.get(fault.code, "error"))
            return web.Response(text=body, content_type=content_type, charset="utf-8")
        if fault.mode == "reset":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        return None

    def _check_limits(
        self, limits: _Limits, script: str, action: str, params: dict[str, str]
    ) -> None:
        now = time.monotonic()
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


@dataclass
class _Call:
    state: SandboxState
    account: Account
    script: str
    params: dict[str, str]
    upload: bytes | None
    fmt: int

    def answer(self, payload: Any, item_tag: str = "item") -> web.Response:
        body, content_type = render_answer(self.fmt, payload, item_tag)
        return web.Response(text=body, content_type=content_type, charset="utf-8")

    def ok(self) -> web.Response:
        return self.answer({"result": "OK"})

    def int_param(self, key: str, *, required: bool = False) -> int | None:
        raw = self.params.get(key, "").strip()
        if not raw:
            if required:
                raise SmscFail(1)
            return None
        if not raw.lstrip("-").isdigit():
            raise SmscFail(1)
        return int(raw)

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.params.get(key, "").strip()
        if required and not value:
            raise SmscFail(1)
        return value

    @property
    def book(self) -> AddressBook:
        return self.account.book(self.script)

    @property
    def field(self) -> str:
        return "mail" if self.script == "mails" else "phone"

    def address(self, key: str | None = None) -> str:
        value = self.text(key or self.field, required=True)
        self.check_address(value)
        return value

    def check_address(self, value: str) -> None:
        pattern = _EMAIL if self.script == "mails" else _PHONE
        if not pattern.match(value):
            raise SmscFail(1, f"invalid {self.field}")

    def count(self, maximum: int) -> int:
        count = self.int_param("cnt")
        if count is None:
            return maximum
        if not 1 <= count <= maximum:
            raise SmscFail(1)
        return count


Handler = Callable[[_Call], Awaitable[web.StreamResponse]]


# -- phones.php / mails.php ------------------------------------------------------------------


async def _add_contact(call: _Call) -> web.Response:
    addresses = split_addresses(call.text(call.field, required=True))
    for address in addresses:
        call.check_address(address)
    groups = _group_ids(call)
    for address in addresses:
        if call.book.find_contact(address):
            raise SmscFail(5, "contact already exists")
    contact = SbContact(
        call.account.new_id(),
        ",".join(addresses),
        call.text("name"),
        groups,
        call.text("fnm"),
        call.text("lnm"),
        call.text("mnm"),
        call.text("bd"),
        call.text("myid"),
        call.text("cmt"),
        call.text("tags"),
        call.text("pho"),
    )
    call.book.contacts[contact.id] = contact
    return call.answer({"id": contact.id}, call.field)


def _group_ids(call: _Call) -> list[int]:
    raw = call.text("grp")
    if not raw:
        return []
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise SmscFail(1) from None
    if any(group_id not in call.book.groups for group_id in ids):
        raise SmscFail(3, "group not found")
    return ids


async def _change_contact(call: _Call) -> web.Response:
    contact = call.book.find_contact(call.address())
    if contact is None:
        raise SmscFail(3)
    new = call.text(f"new_{call.field}")
    if new:
        for address in split_addresses(new):
            call.check_address(address)
        contact.address = ",".join(split_addresses(new))
    for key, attr in (
        ("name", "name"),
        ("fnm", "first_name"),
        ("lnm", "last_name"),
        ("mnm", "middle_name"),
        ("bd", "birthday"),
        ("cmt", "comment"),
        ("tags", "tags"),
        ("pho", "other"),
        ("myid", "my_id"),
    ):
        if key in call.params:
            setattr(contact, attr, call.text(key))
    if "grp" in call.params:
        contact.groups = _group_ids(call)
    return call.ok()


async def _delete_contact(call: _Call) -> web.Response:
    contact = call.book.find_contact(call.address())
    if contact is None:
        raise SmscFail(3)
    del call.book.contacts[contact.id]
    return call.ok()


async def _list_contacts(call: _Call) -> web.Response:
    group = call.int_param("grp")
    after = call.int_param("after_id") or 0
    count = call.count(1000)
    address, fio, search = call.text(call.field), call.text("fio").lower(), call.text("search")
    found = []
    for contact in sorted(call.book.contacts.values(), key=lambda c: c.id):
        if contact.id <= after:
            continue
        if group is not None and group not in contact.groups:
            continue
        if address and address not in split_addresses(contact.address):
            continue
        names = " ".join(
            (contact.name, contact.first_name, contact.last_name, contact.middle_name)
        ).lower()
        if fio and fio not in names:
            continue
        if search and search.lower() not in names and search.lstrip("+") not in contact.address:
            continue
        found.append(contact)
        if len(found) >= count:
            break
    if not found:
        raise SmscFail(3)
    other = "mail_other" if call.script == "mails" else "phone_other"
    return call.answer(
        [
            {
                call.field: c.address,
                "name": c.name,
                "group": ",".join(str(g) for g in c.groups),
                "first_name": c.first_name,
                "last_name": c.last_name,
                "middle_name": c.middle_name,
                "birthday": c.birthday,
                "id": str(c.id),
                "comments": c.comment,
                "tags": c.tags,
                other: c.other,
            }
            for c in found
        ],
        "contact",
    )


async def _add_group(call: _Call) -> web.Response:
    name = call.text("name", required=True)
    if any(g.name == name for g in call.book.groups.values()):
        raise SmscFail(5, "group already exists")
    group = SbGroup(call.account.new_id(), name, call.text("num"))
    call.book.groups[group.id] = group
    return call.answer({"id": group.id}, "group")


def _group(call: _Call) -> SbGroup:
    group = call.book.groups.get(call.int_param("grp", required=True) or 0)
    if group is None:
        raise SmscFail(3, "group not found")
    return group


async def _rename_group(call: _Call) -> web.Response:
    _group(call).name = call.text("name", required=True)
    return call.ok()


async def _delete_group(call: _Call) -> web.Response:
    group = _group(call)
    del call.book.groups[group.id]
    for contact in call.book.contacts.values():
        if group.id in contact.groups:
            contact.groups.remove(group.id)
    return call.ok()


async def _move_group(call: _Call) -> web.Response:
    mode = call.int_param("move_group")
    group = _group(call)
    contact = call.book.find_contact(call.address())
    if contact is None:
        raise SmscFail(3)
    if mode == 1:
        contact.groups = [group.id]
    elif mode == 2:
        if group.id not in contact.groups:
            contact.groups.append(group.id)
    elif mode == 3:
        if group.id not in contact.groups:
            raise SmscFail(3, "contact is not in this group")
        contact.groups.remove(group.id)
    else:
        raise SmscFail(1)
    return call.ok()


async def _list_groups(call: _Call) -> web.Response:
    kind = call.int_param("type")
    wanted = 1 if call.script == "mails" else 0
    if kind is not None and kind != wanted:
        raise SmscFail(3)
    groups = sorted(call.book.groups.values(), key=lambda g: g.id)
    if not groups:
        raise SmscFail(3)
    return call.answer(
        [
            {
                "id": g.id,
                "name": g.name,
                "number": g.number,
                "cnt": str(sum(1 for c in call.book.contacts.values() if g.id in c.groups)),
            }
            for g in groups
        ],
        "group",
    )


async def _block(call: _Call) -> web.Response:
    address = call.address()
    kind = call.int_param("type") or 0
    if kind not in (0, 1, 2):
        raise SmscFail(1)
    existing = call.book.find_blacklisted(address)
    if existing is not None:
        existing.type, existing.comment = kind, call.text("cmt")
        return call.answer({"id": existing.id}, call.field)
    entry = SbBlacklisted(call.account.new_id(), address, kind, call.text("cmt"))
    call.book.blacklist[entry.id] = entry
    return call.answer({"id": entry.id}, call.field)


async def _unblock(call: _Call) -> web.Response:
    entry = call.book.find_blacklisted(call.address())
    if entry is None:
        raise SmscFail(3)
    del call.book.blacklist[entry.id]
    return call.ok()


async def _list_blacklist(call: _Call) -> web.Response:
    before = call.int_param("prev_id")
    count = call.count(1000)
    entries = [
        e
        for e in sorted(call.book.blacklist.values(), key=lambda e: -e.id)
        if before is None or e.id < before
    ][:count]
    if not entries:
        raise SmscFail(3)
    return call.answer(
        [
            {"id": e.id, call.field: e.address, "type": e.type, "comment": e.comment}
            for e in entries
        ],
        "record",
    )


# -- senders.php -----------------------------------------------------------------------------

_OPERATOR_FLAGS = (
    "mts_step",
    "sber_step",
    "tele2",
    "motiv",
    "mega_step",
    "bee_step",
    "motiv_step",
    "winmob_step",
    "volnamob_step",
    "tele2_step",
    "ua_reg",
    "ua_int",
    "by_reg",
    "by_int",
)
_DETAILS = {
    "ua_reg": ("fio", "inn", "site", "email", "address", "desc", "subj"),
    "ua_int": ("fio", "inn", "site", "email", "address", "desc", "subj"),
    "by_reg": ("by_fio", "by_inn", "by_address", "by_ocup", "by_type", "by_mes", "by_site"),
    "by_int": ("by_fio", "by_inn", "by_address", "by_ocup", "by_type", "by_mes", "by_site"),
}


def _sender_row(sender: SbSender, operators: bool, files: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"id": sender.id, "sender": sender.name, "status": sender.status}
    if operators:
        row.update({f"{op}_status": status for op, status in sender.operators.items()})
    if files:
        row["files"] = [
            {"file": f.file, "fid": f.fid, "fstatus": f.status, "fcomment": f.comment}
            for f in sender.files
        ]
    return row


async def _list_senders(call: _Call) -> web.Response:
    if call.text("user"):
        raise SmscFail(3, "sub-client not found")
    everything = call.text("all") == "1"
    before = call.int_param("prev_id")
    count = call.count(15000)
    since_raw = call.text("from_date")
    senders = [s for s in call.account.senders.values() if everything or s.status == 1]
    if since_raw:
        try:
            since = datetime.strptime(since_raw, "%d.%m.%Y").date()
        except ValueError:
            raise SmscFail(1) from None
        senders = sorted(
            (s for s in senders if s.changed >= since),
            key=lambda s: (s.changed, s.id),
            reverse=True,
        )
    else:
        senders.sort(key=lambda s: -s.id)
    if before is not None:
        senders = [s for s in senders if s.id < before]
    senders = senders[:count]
    if not senders:
        raise SmscFail(3)
    return call.answer(
        [_sender_row(s, call.text("operators") == "1", call.text("files") == "1") for s in senders],
        "sender",
    )


def _attach(call: _Call, sender: SbSender) -> None:
    if call.upload is None:
        return
    if len(call.upload) > MAX_DOCUMENT:
        raise SmscFail(1, "file is too large")
    sender.files.append(SbFile(call.account.new_id(), call.text("doc_info") or "document", 0))


async def _add_sender(call: _Call) -> web.Response:
    name = call.text("sender", required=True)
    if not (_ALPHA_SENDER.match(name) or _DIGITAL_SENDER.match(name)):
        raise SmscFail(1, "invalid sender name")
    if call.account.sender(name=name):
        raise SmscFail(5, "sender name already exists")
    operators = {flag: 0 for flag in _OPERATOR_FLAGS if call.text(flag) == "1"}
    for flag in operators:
        if any(not call.text(key) for key in _DETAILS.get(flag, ())):
            raise SmscFail(1, f"{flag} requires company details")
    sender = SbSender(
        call.account.new_id(),
        name,
        0,
        operators,
        call.text("cmt"),
        changed=call.state.clock().date(),
    )
    _attach(call, sender)
    call.account.senders[sender.id] = sender
    return call.answer({"id": sender.id}, "sender")


def _find_sender(call: _Call) -> SbSender:
    sender = call.account.sender(name=call.text("sender") or None, sender_id=call.int_param("id"))
    if sender is None:
        if not call.text("sender") and call.int_param("id") is None:
            raise SmscFail(1)
        raise SmscFail(3, "sender name not found")
    return sender


async def _change_sender(call: _Call) -> web.Response:
    sender = _find_sender(call)
    if "cmt" in call.params:
        sender.comment = call.text("cmt")
    _attach(call, sender)
    return call.ok()


async def _delete_sender(call: _Call) -> web.Response:
    del call.account.senders[_find_sender(call).id]
    return call.ok()


async def _send_code(call: _Call) -> web.Response:
    name = call.text("sender", required=True)
    if not _DIGITAL_SENDER.match(name):
        raise SmscFail(7)
    sender = _find_sender(call)
    if name.startswith(UNDELIVERABLE_PREFIX):
        raise SmscFail(8)
    now = call.state.clock()
    previous = call.account.codes.get(sender.name)
    if previous and now - previous.sent_at < timedelta(hours=8):
        raise SmscFail(10)
    call.account.codes[sender.name] = SbCode(f"{secrets.randbelow(9000) + 1000}", now)
    return call.ok()


async def _check_code(call: _Call) -> web.Response:
    sender = _find_sender(call)
    code = call.text("code", required=True)
    sent = call.account.codes.get(sender.name)
    if sent is None or not secrets.compare_digest(sent.code, code):
        raise SmscFail(11)
    sender.status = 1
    sender.changed = call.state.clock().date()
    return call.ok()


# -- documents.php ---------------------------------------------------------------------------


def _sub_client(call: _Call) -> str:
    login = call.text("user") or None
    user_id = call.int_param("user_id")
    if login is None and user_id is None:
        raise SmscFail(1)
    found = call.account.sub_client(login=login, user_id=user_id)
    if found is None:
        raise SmscFail(3, "sub-client not found")
    return found


async def _add_invoice(call: _Call) -> web.Response:
    user = _sub_client(call)
    raw_sum = call.text("sum", required=True)
    if not _SUM.match(raw_sum):
        raise SmscFail(1, "invalid sum")
    try:
        amount = Decimal(raw_sum)
    except InvalidOperation:
        raise SmscFail(1, "invalid sum") from None
    if amount <= 0:
        raise SmscFail(1, "invalid sum")
    invoice = SbInvoice(call.account.new_id(), user, amount, call.text("service"))
    call.account.invoices[invoice.id] = invoice
    boundary = uuid.uuid4().hex
    pdf = _invoice_pdf(invoice)
    body = (
        (
            f"--{boundary}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
            + json.dumps({"id": invoice.id, "sum": f"{invoice.sum:.2f}"})
            + f"\r\n--{boundary}\r\nContent-Type: application/pdf\r\n"
            f'Content-Disposition: attachment; filename="invoice_{invoice.id}.pdf"\r\n\r\n'
        ).encode()
        + pdf
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return web.Response(
        body=body, headers={"Content-Type": f'multipart/mixed; boundary="{boundary}"'}
    )


def _invoice_pdf(invoice: SbInvoice) -> bytes:
    return render_pdf(
        [
            f"Invoice No. {invoice.id}",
            f"Client: {invoice.user}",
            f"Sum: {invoice.sum:.2f}",
            f"Service: {invoice.service or 'SMS services'}",
            "SMSC sandbox - not a real document",
        ]
    )


def _pdf(body: bytes, filename: str) -> web.Response:
    return web.Response(
        body=body,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _get_invoice(call: _Call) -> web.Response:
    user = _sub_client(call)
    invoice = call.account.invoices.get(call.int_param("id", required=True) or 0)
    if invoice is None or invoice.user != user:
        raise SmscFail(3, "invoice not found")
    return _pdf(_invoice_pdf(invoice), f"invoice_{invoice.id}.pdf")


async def _get_act(call: _Call) -> web.Response:
    user = _sub_client(call)
    act_id, number = call.int_param("id"), call.text("num")
    if act_id is None and not number:
        raise SmscFail(1)
    act = next(
        (
            a
            for a in call.account.acts.values()
            if a.user == user and (a.id == act_id or (number and a.number == number))
        ),
        None,
    )
    if act is None:
        raise SmscFail(3, "act not found")
    pdf = render_pdf(
        [
            f"Act No. {act.number}",
            f"Client: {act.user}",
            f"Sum: {act.sum:.2f}",
            "SMSC sandbox - not a real document",
        ]
    )
    return _pdf(pdf, f"act_{act.id}.pdf")


# -- downloads.php ---------------------------------------------------------------------------


async def _list_tasks(call: _Call) -> web.Response:
    after = call.int_param("after_id") or 0
    count = call.count(1000)
    tasks = sorted((t for t in call.account.tasks.values() if t.id > after), key=lambda t: t.id)[
        :count
    ]
    if not tasks:
        raise SmscFail(3)
    return call.answer(
        [
            {
                "id": t.id,
                "name": t.name,
                "status": str(t.status),
                "created": f"{t.created:%d.%m.%Y %H:%M:%S}",
                "time": f"{t.created + timedelta(minutes=5):%d.%m.%Y %H:%M:%S}"
                if t.status >= 1
                else "",
                "file": t.file,
            }
            for t in tasks
        ],
        "task",
    )


async def _get_file(call: _Call) -> web.StreamResponse:
    task_id, name = call.int_param("id"), call.text("name")
    if task_id is None and not name:
        raise SmscFail(1)
    task = next(
        (
            t
            for t in call.account.tasks.values()
            if t.id == task_id or (name and name in (t.name, t.file))
        ),
        None,
    )
    if task is None or task.status != 2:
        raise SmscFail(5, "task or file not found")
    return _CsvResponse(task)


class _CsvResponse(web.StreamResponse):
    def __init__(self, task: Any) -> None:
        super().__init__(
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{task.file}"',
            }
        )
        self.content_length = task.size
        self._task = task

    async def prepare(self, request: web.BaseRequest) -> Any:
        writer = await super().prepare(request)
        for row in csv_rows(self._task):
            await self.write(row)
        await self.write_eof()
        return writer


# -- balance.php -----------------------------------------------------------------------------


async def _balance(call: _Call) -> web.Response:
    payload: dict[str, str] = {"balance": f"{call.account.balance:.2f}"}
    if call.text("cur") == "1":
        payload["currency"] = call.account.currency
    return call.answer(payload, "balance")


_BOOK: dict[str, Handler] = {
    "add": _add_contact,
    "chg": _change_contact,
    "del": _delete_contact,
    "get": _list_contacts,
    "add_group": _add_group,
    "chg_group": _rename_group,
    "del_group": _delete_group,
    "move_group": _move_group,
    "get_group": _list_groups,
    "add_black": _block,
    "del_black": _unblock,
    "get_black": _list_blacklist,
}
_ACTIONS: dict[str, dict[str, Handler]] = {
    "phones": _BOOK,
    "mails": _BOOK,
    "senders": {
        "get": _list_senders,
        "add": _add_sender,
        "chg": _change_sender,
        "del": _delete_sender,
        "send_code": _send_code,
        "check_code": _check_code,
    },
    "documents": {"add_account": _add_invoice, "get_account": _get_invoice, "get_act": _get_act},
    "downloads": {"get_list": _list_tasks, "get_file": _get_file},
    "balance": {"": _balance},
}


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default
