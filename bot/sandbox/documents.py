"""``documents.php``: invoices and acts of sub-clients, as PDF, and a multipart answer on create."""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal, InvalidOperation

from aiohttp import web

from bot.sandbox.call import Call, Handler, SmscFail, typed
from bot.sandbox.pdf import render_pdf
from bot.sandbox.state import SbInvoice

_SUM = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def _sub_client(call: Call) -> str:
    login = call.text("user") or None
    user_id = call.int_param("user_id")
    if login is None and user_id is None:
        raise SmscFail(1)
    found = call.account.sub_client(login=login, user_id=user_id)
    if found is None:
        # The documents page lists no code for it; the provider's sub-client page answers an
        # unknown sub-client with error 6, and "no records" (3) is what a missing document is.
        raise SmscFail(6)
    return found


async def add_invoice(call: Call) -> web.Response:
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
    details = call.dialect.json_text(
        json.dumps(call.dialect.values({"id": invoice.id, "sum": f"{invoice.sum:.2f}"})), "utf-8"
    )
    pdf_type = call.dialect.invoice_pdf_part
    body = (
        (
            f"--{boundary}\r\nContent-Type: {call.dialect.invoice_json_part}\r\n\r\n"
            + details
            + f"\r\n--{boundary}\r\n"
            + (f"Content-Type: {pdf_type}\r\n" if pdf_type else "")
            + f'Content-Disposition: attachment; filename="invoice_{invoice.id}.pdf"\r\n\r\n'
        ).encode()
        + _invoice_pdf(invoice)
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


def _pdf(call: Call, body: bytes, filename: str) -> web.Response:
    response = web.Response(
        body=body, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
    typed(response, call.dialect.pdf_type, call.charset)
    return response


async def get_invoice(call: Call) -> web.Response:
    user = _sub_client(call)
    invoice = call.account.invoices.get(call.int_param("id", required=True) or 0)
    if invoice is None or invoice.user != user:
        raise SmscFail(3, "invoice not found")
    return _pdf(call, _invoice_pdf(invoice), f"invoice_{invoice.id}.pdf")


async def get_act(call: Call) -> web.Response:
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
    return _pdf(call, pdf, f"act_{act.id}.pdf")


ACTIONS: dict[str, Handler] = {
    "add_account": add_invoice,
    "get_account": get_invoice,
    "get_act": get_act,
}
