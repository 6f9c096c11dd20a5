"""What every resource shares: a way to call its script through the client, and lists."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.smsc.answers import parse_json_answer
from bot.smsc.errors import NotFoundError, SmscBadResponseError
from bot.smsc.models import Records, whole_number
from bot.smsc.transport import AnswerForm

if TYPE_CHECKING:
    from bot.smsc.client import SmscClient

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger("bot.smsc")


class Resource:
    script: str

    def __init__(self, client: SmscClient) -> None:
        self._client = client

    async def _call(self, action: str, params: dict[str, Any], flag: object = 1) -> Any:
        return await self._client.call(self.script, action, params, flag=flag)

    async def _list(self, action: str, params: dict[str, Any], model: type[M]) -> list[M]:
        return (await self._listing(action, params, model)).records()

    async def _listing(self, action: str, params: dict[str, Any], model: type[M]) -> Listing[M]:
        try:
            body = await self._client.call(self.script, action, params, form=AnswerForm.LISTING)
        except NotFoundError:
            # The provider answers an empty list with error 3.
            body = b"[]"
        return Listing(body, model, self.script, action)

    async def _created_id(self, action: str, params: dict[str, Any]) -> int:
        return created_id(await self._call(action, params), self.script)


@dataclass(eq=False)
class Listing(Generic[M]):
    """A list answer kept as the bytes SMSC sent: compared by its digest, parsed on demand.

    A watcher that polls thousands of accounts finds most answers unchanged since the last
    poll; for those it needs the digest only, never the records.
    """

    body: bytes
    model: type[M]
    script: str
    action: str
    _records: Records[M] | None = field(default=None, repr=False)

    @property
    def digest(self) -> str:
        return hashlib.blake2b(self.body, digest_size=16).hexdigest()

    @classmethod
    def joined(cls, pages: list[Listing[M]]) -> Listing[M]:
        """Several pages as one list: one body, one digest."""
        first = pages[0]
        payload = [record for page in pages for record in _items(page)]
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(body, first.model, first.script, first.action)

    def records(self) -> Records[M]:
        if self._records is None:
            payload = parse_json_answer(self.body, self.script)
            self._records = read_list(payload, self.model, self.script, self.action)
        return self._records


def _items(page: Listing[Any]) -> list[Any]:
    payload = parse_json_answer(page.body, page.script)
    return payload if isinstance(payload, list) else [payload]


def read_list(payload: Any, model: type[M], script: str, action: str) -> Records[M]:
    """Every record that reads as ``model``; an unreadable one is logged and skipped, so that
    one odd record never hides the rest of the list, and counted (by its id where that can be
    read), so that it never passes for an absent one."""
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list):
        raise SmscBadResponseError(f"SMSC sent no list on {script}.php {action}")
    records = []
    unread: set[int] = set()
    unidentified = 0
    for position, item in enumerate(payload):
        try:
            records.append(model.model_validate(item))
        except ValidationError as error:
            known = whole_number(item.get("id")) if isinstance(item, dict) else None
            if isinstance(known, int) and not isinstance(known, bool):
                unread.add(known)
            else:
                unidentified += 1
            # Field names and error kinds only: the values may be personal data.
            problems = sorted(
                {f"{'.'.join(map(str, e['loc']))}:{e['type']}" for e in error.errors()}
            )
            log.warning(
                "smsc record skipped",
                extra={
                    "script": script,
                    "action": action,
                    "position": position,
                    "problems": problems,
                },
            )
    return Records(records, unread=frozenset(unread), unidentified=unidentified)


def created_id(payload: Any, script: str) -> int:
    raw = payload.get("id") if isinstance(payload, dict) else None
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise SmscBadResponseError(f"SMSC sent no id for the new record on {script}.php") from None
