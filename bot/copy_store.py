"""Where kept copies live (:mod:`bot.account_copies`): what a copy is, the interface of a store,
and the store in this process's memory (the default; :mod:`bot.shared.copies` is Redis's)."""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# Copies kept in memory at once; the least recently used go first.
MAX_COPIES = 5000


@dataclass(frozen=True, slots=True)
class Kept(Generic[M]):
    """A copy: its records as SMSC listed them (newest first where SMSC sorts so), when they
    were read (wall-clock time), and whether the list was read to its end."""

    read_at: float
    records: tuple[M, ...]
    complete: bool = True


class CopyStore(Protocol):
    """Where copies live. Every save or drop gives a copy a new version (``""`` before the
    first), and a save names the version it was made from: a change another process saved
    meanwhile is never overwritten by what was made without it. ``exclusive`` lets one reader
    at a time read a copy from SMSC."""

    async def load(self, key: str, model: type[M]) -> tuple[str, Kept[M] | None]: ...

    async def save(self, key: str, kept: Kept[Any] | None, *, expected: str) -> str | None:
        """Store ``kept`` (None: no copy) if the version is still ``expected``; the new
        version, or None when it was not."""
        ...

    async def drop(self, key: str) -> None: ...

    def seen(self, key: str) -> tuple[str, Kept[Any]] | None:
        """The copy and its version as this process last loaded or saved it, without asking
        anyone (a save from it fails if it has changed since); None when not known."""
        ...

    def exclusive(self, key: str) -> AbstractAsyncContextManager[None]: ...


class MemoryCopyStore:
    """Copies in this process, the least recently used dropped past ``max_copies``."""

    def __init__(self, max_copies: int = MAX_COPIES) -> None:
        self._max = max_copies
        self._copies: OrderedDict[str, tuple[str, Kept[Any] | None]] = OrderedDict()
        self._versions = itertools.count(1)
        # The version of a copy not held: it changes whenever one is let go, so that a read
        # begun before a write, whose mark went with an evicted copy, is still not kept.
        self._absent = ""
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def load(self, key: str, model: type[M]) -> tuple[str, Kept[M] | None]:
        held = self._copies.get(key)
        if held is None:
            return self._absent, None
        self._copies.move_to_end(key)
        return held

    def seen(self, key: str) -> tuple[str, Kept[Any]] | None:
        version, kept = self._copies.get(key, (self._absent, None))
        return None if kept is None else (version, kept)

    async def save(self, key: str, kept: Kept[Any] | None, *, expected: str) -> str | None:
        if self._copies.get(key, (self._absent, None))[0] != expected:
            return None
        return self._put(key, kept)

    async def drop(self, key: str) -> None:
        self._put(key, None)

    def _put(self, key: str, kept: Kept[Any] | None) -> str:
        version = str(next(self._versions))
        self._copies[key] = (version, kept)
        self._copies.move_to_end(key)
        while len(self._copies) > self._max:
            self._copies.popitem(last=False)
            self._absent = f"gone{next(self._versions)}"
        return version

    @asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]  # only copies in use keep a lock
            else:
                self._locks[key] = (lock, users - 1)
