"""``senders.php``: sender names, their per-operator registration, digital name codes."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.sandbox.call import Call, Handler, SmscFail
from bot.sandbox.state import UNDELIVERABLE_PREFIX, SbCode, SbFile, SbSender

_ALPHA_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 .\-_!&']{1,11}$")
_DIGITAL_SENDER = re.compile(r"^\d{10,15}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
MAX_DOCUMENT = 3 * 1024 * 1024

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
    row.update(sender.quirks)
    return row


def _names(call: Call) -> dict[int, SbSender]:
    """The account's sender names, or a sub-client's (``user``) for a reseller."""
    user = call.text("user")
    if not user:
        return call.account.senders
    if call.account.sub_client(login=user, user_id=None) is None:
        raise SmscFail(3, "sub-client not found")
    return call.account.client_senders.setdefault(user, {})


def _named(call: Call, name: str | None, sender_id: int | None) -> SbSender | None:
    return next(
        (
            s
            for s in _names(call).values()
            if (sender_id is not None and s.id == sender_id) or (name and s.name == name)
        ),
        None,
    )


async def list_senders(call: Call) -> web.Response:
    everything = call.flag("all")
    before = call.int_param("prev_id")
    count = call.count(15000)
    since_raw = call.text("from_date")
    senders = [s for s in _names(call).values() if everything or s.status == 1]
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
        [_sender_row(s, call.flag("operators"), call.flag("files")) for s in senders],
        "sender",
    )


def _attach(call: Call, sender: SbSender) -> None:
    if call.upload is None:
        return
    if len(call.upload) > MAX_DOCUMENT:
        raise SmscFail(1, "file is too large")
    sender.files.append(SbFile(call.account.new_id(), call.text("doc_info") or "document", 0))


async def add_sender(call: Call) -> web.Response:
    name = call.text("sender", required=True)
    if call.flag("mail"):
        # An e-mail sender address: "name" is the comment kept with it.
        if not _EMAIL.match(name):
            raise SmscFail(1, "invalid e-mail address")
        if _named(call, name, None):
            raise SmscFail(5, "sender address already exists")
        sender = SbSender(call.account.new_id(), name, 0, {}, call.text("name"))
        sender.changed = call.state.clock().date()
        _names(call)[sender.id] = sender
        return call.answer({"id": sender.id}, "sender")
    if not (_ALPHA_SENDER.match(name) or _DIGITAL_SENDER.match(name)):
        raise SmscFail(1, "invalid sender name")
    if _named(call, name, None):
        raise SmscFail(5, "sender name already exists")
    operators = {flag: 0 for flag in _OPERATOR_FLAGS if call.flag(flag)}
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
    _names(call)[sender.id] = sender
    return call.answer({"id": sender.id}, "sender")


def _find_sender(call: Call) -> SbSender:
    sender = _named(call, call.text("sender") or None, call.int_param("id"))
    if sender is None:
        if not call.text("sender") and call.int_param("id") is None:
            raise SmscFail(1)
        raise SmscFail(3, "sender name not found")
    return sender


async def change_sender(call: Call) -> web.Response:
    sender = _find_sender(call)
    if "cmt" in call.params:
        sender.comment = call.text("cmt")
    _attach(call, sender)
    return call.ok()


async def delete_sender(call: Call) -> web.Response:
    del _names(call)[_find_sender(call).id]
    return call.ok()


async def send_code(call: Call) -> web.Response:
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


async def check_code(call: Call) -> web.Response:
    sender = _find_sender(call)
    code = call.text("code", required=True)
    sent = call.account.codes.get(sender.name)
    if sent is None or not secrets.compare_digest(sent.code, code):
        raise SmscFail(11)
    sender.status = 1
    sender.changed = call.state.clock().date()
    return call.ok()


ACTIONS: dict[str, Handler] = {
    "get": list_senders,
    "add": add_sender,
    "chg": change_sender,
    "del": delete_sender,
    "send_code": send_code,
    "check_code": check_code,
}
