"""Each dialog's FSM data, typed: a TypedDict of JSON values (text, numbers, lists), as
aiogram's RedisStorage keeps it for every replica. Read back checked against its type: data
left by another version of the bot, or half of it, reads as no dialog at all."""

from __future__ import annotations

from typing import TypeVar

from aiogram.fsm.context import FSMContext
from pydantic import ValidationError

from handlers.memo import type_adapter

D = TypeVar("D")


async def dialog_data(state: FSMContext, shape: type[D]) -> D | None:
    """The dialog's data as ``shape`` (a TypedDict); None when it is missing or not that."""
    try:
        data: D = type_adapter(shape).validate_python(await state.get_data())
    except ValidationError:
        return None
    return data
