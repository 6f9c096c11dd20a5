"""A record for tests of the kept copies, and a write's edit of a list of them."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel


class Entry(BaseModel):
    phone: str


def added(phone: str) -> Callable[[tuple[Entry, ...]], tuple[Entry, ...]]:
    def edit(records: tuple[Entry, ...]) -> tuple[Entry, ...]:
        return (*records, Entry(phone=phone))

    return edit
