"""Each dialog's FSM data, typed: a TypedDict of JSON values (text, numbers, lists), as
aiogram's RedisStorage keeps it for every replica. Read back checked against its type: data
left by another version of the bot, or half of it, reads as no dialog at all."""

from __future__ import annotations

from typing import Any, TypeVar

from aiogram.fsm.context import FSMContext
from pydantic import TypeAdapter, ValidationError

D = TypeVar("D")


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def _adapter(shape: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(shape)
    if adapter is None:
        adapter = _ADAPTERS[shape] = TypeAdapter(shape)
    return adapter


async def dialog_data(state: FSMContext, shape: type[D]) -> D | None:
    """The dialog's data as ``shape`` (a TypedDict); None when it is missing or not that."""
    try:
        data: D = _adapter(shape).validate_python(await state.get_data())
    except ValidationError:
        return None
    return data
