"""A record for tests of the kept copies, a write's edit of a list of them, and a clock the
tests of what replicas keep move by hand."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel


class Entry(BaseModel):
    phone: str


def added(phone: str) -> Callable[[tuple[Entry, ...]], tuple[Entry, ...]]:
    def edit(records: tuple[Entry, ...]) -> tuple[Entry, ...]:
        return (*records, Entry(phone=phone))

    return edit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now
