"""Sender names (Sender ID) and their per-operator registration: ``senders.php``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import PurePath
from typing import Any, TypedDict, Unpack

from bot.smsc._resource import Listing, Resource, created_id
from bot.smsc.errors import SmscValidationError
from bot.smsc.models import (
    OperatorRegistration,
    Sender,
    SenderDocument,
    smsc_date,
)
from bot.smsc.transport import Upload

MAX_DOCUMENT_BYTES = 3 * 1024 * 1024
DOCUMENT_EXTENSIONS = frozenset({"jpg", "jpeg", "tif", "tiff", "pdf", "png", "zip", "rar"})
MAX_LIST = 15000


# Registrations that the provider refuses without a company's details.
REGISTRATION_DETAILS: dict[OperatorRegistration, tuple[str, ...]] = {
    OperatorRegistration.UA_REG: ("fio", "inn", "site", "email", "address", "desc", "subj"),
    OperatorRegistration.UA_INT: ("fio", "inn", "site", "email", "address", "desc", "subj"),
    OperatorRegistration.BY_REG: (
        "by_fio",
        "by_inn",
        "by_address",
        "by_ocup",
        "by_type",
        "by_mes",
        "by_site",
    ),
    OperatorRegistration.BY_INT: (
        "by_fio",
        "by_inn",
        "by_address",
        "by_ocup",
        "by_type",
        "by_mes",
        "by_site",
    ),
}


class SenderQuery(TypedDict, total=False):
    """The options of a senders list, as :meth:`Senders.listing` takes them."""

    all: bool
    operators: bool
    changed_since: date | None
    prev_id: int | None
    count: int | None
    files: bool
    user: str | None


class Senders(Resource):
    script = "senders"

    async def list(self, **query: Unpack[SenderQuery]) -> list[Sender]:
        """The records of :meth:`listing`, which names the options."""
        return (await self.listing(**query)).records()

    async def listing(
        self,
        *,
        all: bool = True,  # noqa: A002 - the provider's own name for it
        operators: bool = False,
        changed_since: date | None = None,
        prev_id: int | None = None,
        count: int | None = None,
        files: bool = False,
        user: str | None = None,
    ) -> Listing[Sender]:
        """The list as SMSC sent it: its digest now, its records when asked for."""
        if count is not None and not 1 <= count <= MAX_LIST:
            raise ValueError(f"a page holds 1 to {MAX_LIST} sender names")
        return await self._listing(
            "get",
            {
                "all": 1 if all else 0,
                "operators": operators,
                "from_date": smsc_date(changed_since) if changed_since else None,
                "prev_id": prev_id,
                "cnt": count,
                "files": files,
                "user": user,
            },
            Sender,
        )

    async def add(
        self,
        name: str,
        *,
        comment: str | None = None,
        operators: Iterable[OperatorRegistration] = (),
        details: Mapping[str, str] | None = None,
        document: SenderDocument | None = None,
        doc_info: str | None = None,
        user: str | None = None,
    ) -> int:
        chosen = [OperatorRegistration(op) for op in operators]
        details = dict(details or {})
        for operator in chosen:
            required = REGISTRATION_DETAILS.get(operator, ())
            missing = [key for key in required if not details.get(key)]
            if missing:
                raise SmscValidationError(
                    f"registration {operator.value} needs: {', '.join(missing)}"
                )
        params: dict[str, Any] = {
            "sender": name,
            "cmt": comment,
            "doc_info": doc_info,
            "user": user,
        }
        params.update({operator.value: True for operator in chosen})
        params.update(details)
        payload = await self._client.call(self.script, "add", params, upload=_upload(document))
        return created_id(payload, self.script)

    async def add_mail(
        self, address: str, *, owner: str | None = None, user: str | None = None
    ) -> int:
        """An e-mail sender address (``mail=1``); ``owner`` is the comment SMSC keeps with it."""
        payload = await self._call(
            "add", {"sender": address, "mail": True, "name": owner, "user": user}
        )
        return created_id(payload, self.script)

    async def change(
        self,
        *,
        name: str | None = None,
        sender_id: int | None = None,
        comment: str | None = None,
        document: SenderDocument | None = None,
        doc_info: str | None = None,
        user: str | None = None,
    ) -> None:
        params = _target(name, sender_id) | {"cmt": comment, "doc_info": doc_info, "user": user}
        await self._client.call(self.script, "chg", params, upload=_upload(document))

    async def delete(
        self, *, name: str | None = None, sender_id: int | None = None, user: str | None = None
    ) -> None:
        await self._call("del", _target(name, sender_id) | {"user": user})

    async def send_code(
        self,
        name: str,
        *,
        site: str | None = None,
        site_name: str | None = None,
        user: str | None = None,
    ) -> None:
        await self._call(
            "send_code", {"sender": name, "site": site, "site_name": site_name, "user": user}
        )

    async def check_code(self, name: str, code: str, *, user: str | None = None) -> None:
        await self._call("check_code", {"sender": name, "code": code, "user": user})


def _target(name: str | None, sender_id: int | None) -> dict[str, Any]:
    if (name is None) == (sender_id is None):
        raise ValueError("name a sender either by its name or by its id")
    return {"sender": name} if name is not None else {"id": sender_id}


def _upload(document: SenderDocument | None) -> Upload | None:
    if document is None:
        return None
    # Checked here, before any byte is sent: the provider refuses more than 3 MB anyway,
    # after the whole upload.
    if len(document.content) > MAX_DOCUMENT_BYTES:
        raise SmscValidationError(
            f"the document is {len(document.content) / 1048576:.1f} MB; SMSC accepts at most 3 MB"
        )
    extension = PurePath(document.filename).suffix.lower().lstrip(".")
    if extension not in DOCUMENT_EXTENSIONS:
        raise SmscValidationError("SMSC accepts documents in jpg, tif, pdf, png, zip or rar only")
    return Upload("file", document.filename, document.content, document.content_type)
