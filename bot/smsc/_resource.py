"""What every resource shares: a way to call its script through the client."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.smsc.errors import NotFoundError, SmscBadResponseError

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
        try:
            payload = await self._call(action, params)
        except NotFoundError:
            # The provider answers an empty list with error 3.
            return []
        return read_list(payload, model, self.script, action)

    async def _created_id(self, action: str, params: dict[str, Any]) -> int:
        return created_id(await self._call(action, params), self.script)


def read_list(payload: Any, model: type[M], script: str, action: str) -> list[M]:
    """Every record that reads as ``model``; an unreadable one is logged and skipped, so that
    one odd record never hides the rest of the list."""
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list):
        raise SmscBadResponseError(f"SMSC sent no list on {script}.php {action}")
    records = []
    for position, item in enumerate(payload):
        try:
            records.append(model.model_validate(item))
        except ValidationError as error:
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
    return records


def created_id(payload: Any, script: str) -> int:
    raw = payload.get("id") if isinstance(payload, dict) else None
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise SmscBadResponseError(f"SMSC sent no id for the new record on {script}.php") from None
