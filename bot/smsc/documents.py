"""Invoices and acts for sub-clients: ``documents.php``."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from bot.smsc._resource import Resource
from bot.smsc.answers import (
    RawAnswer,
    decode_text,
    is_pdf,
    parse_multipart,
    raise_for_error,
    without_bom,
)
from bot.smsc.errors import NotFoundError, SmscBadResponseError
from bot.smsc.models import Invoice
from bot.smsc.transport import AnswerForm


class Documents(Resource):
    script = "documents"

    async def create_invoice(
        self,
        amount: Decimal,
        *,
        user: str | None = None,
        user_id: int | None = None,
        service: str | None = None,
    ) -> Invoice:
        """Create an invoice; the answer carries its id, sum and PDF in one multipart body."""
        if amount <= 0:
            raise ValueError("an invoice sum must be positive")
        params = _sub_client(user, user_id) | {"sum": f"{amount:.2f}", "service": service}
        answer = await self._client.call(self.script, "add_account", params, form=AnswerForm.FILE)
        return _invoice(answer, self.script)

    async def get_invoice(
        self, invoice_id: int, *, user: str | None = None, user_id: int | None = None
    ) -> bytes:
        params = _sub_client(user, user_id) | {"id": invoice_id}
        return _pdf(
            await self._client.call(self.script, "get_account", params, form=AnswerForm.FILE)
        )

    async def get_act(
        self,
        *,
        act_id: int | None = None,
        number: str | None = None,
        user: str | None = None,
        user_id: int | None = None,
    ) -> bytes:
        if (act_id is None) == (number is None):
            raise ValueError("name an act either by its id or by its number")
        params = _sub_client(user, user_id) | {"id": act_id, "num": number}
        return _pdf(await self._client.call(self.script, "get_act", params, form=AnswerForm.FILE))

    async def get_act_by_reference(
        self, reference: str, *, user: str | None = None, user_id: int | None = None
    ) -> bytes:
        """An act as a person names it. An act's number may be all digits too, so a reference
        of digits not found as an id is asked for as a number."""
        if reference.isascii() and reference.isdigit():
            try:
                return await self.get_act(act_id=int(reference), user=user, user_id=user_id)
            except NotFoundError:
                pass
        return await self.get_act(number=reference, user=user, user_id=user_id)


def _sub_client(user: str | None, user_id: int | None) -> dict[str, Any]:
    if (user is None) == (user_id is None):
        raise ValueError("name the sub-client either by login or by id")
    return {"user": user, "user_id": user_id}


def _pdf(answer: RawAnswer) -> bytes:
    # By its bytes: no page names the content type, and labels seen vary.
    if not is_pdf(answer.body):
        raise SmscBadResponseError("SMSC did not send a PDF on documents.php")
    return answer.body


def _invoice(answer: RawAnswer, script: str) -> Invoice:
    details: dict[str, Any] | None = None
    pdf: bytes | None = None
    for part in parse_multipart(answer, script):
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if is_pdf(payload):
            pdf = payload
        elif details is None and without_bom(payload).lstrip()[:1] == b"{":
            try:
                details = json.loads(decode_text(payload))
            except ValueError:
                raise SmscBadResponseError("the invoice answer's JSON part is not JSON") from None
            raise_for_error(details, script)
    if details is None or pdf is None:
        raise SmscBadResponseError("the invoice answer lacks its JSON part or its PDF")
    try:
        return Invoice(id=details["id"], sum=details["sum"], pdf=pdf)
    except (KeyError, ValueError, TypeError):
        raise SmscBadResponseError("the invoice answer has no id or sum") from None
