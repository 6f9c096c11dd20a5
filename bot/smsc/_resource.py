"""What every resource shares: a way to call its script through the client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from bot.smsc.errors import NotFoundError, SmscBadResponseError

if TYPE_CHECKING:
    from bot.smsc.client import SmscClient

M = TypeVar("M", bound=BaseModel)


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
        if isinstance(payload, dict):
            payload = [payload]
        if not isinstance(payload, list):
            raise SmscBadResponseError(f"SMSC sent no list on {self.script}.php {action}")
        return [model.model_validate(item) for item in payload]

    async def _created_id(self, action: str, params: dict[str, Any]) -> int:
        return created_id(await self._call(action, params), self.script)


def created_id(payload: Any, script: str) -> int:
    try:
        return int(payload["id"])
    except (KeyError, TypeError, ValueError):
        raise SmscBadResponseError(f"SMSC sent no id for the new record on {script}.php") from None
