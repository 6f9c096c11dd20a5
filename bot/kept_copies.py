"""How a kept copy (:mod:`bot.account_copies`) is read once and changed by the bot's writes:
one reader at a time per copy, a write during a read never lost to it, and a change made again
when another process changed the copy meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.copy_store import CopyStore, Kept, M, MemoryCopyStore

# Tries of one change against others changing the same copy at that moment.
UPDATE_ATTEMPTS = 5


class KeptCopies:
    """Copies in ``store``, each served while younger than ``fresh_for`` (SMSC's window)."""

    def __init__(
        self,
        store: CopyStore | None = None,
        *,
        fresh_for: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store or MemoryCopyStore()
        self.fresh_for = fresh_for
        self._clock = clock
        # Copies being read from SMSC by this process, and the changes made here meanwhile.
        self._reading: dict[str, _Reading] = {}

    async def kept(self, key: str, model: type[M]) -> Kept[M] | None:
        """The copy under ``key`` as it is, however old; None without one."""
        _version, kept = await self.store.load(key, model)
        return kept

    async def drop(self, key: str) -> None:
        """The copy goes, and the next use reads afresh."""
        await self.store.drop(key)

    async def read(
        self,
        key: str,
        model: type[M],
        fetch: Callable[[], Awaitable[tuple[list[M], bool]]],
        *,
        refresh: bool,
        stale_ok: bool = False,
    ) -> Kept[M]:
        """The copy under ``key``, read with ``fetch`` when there is none, when it is older
        than the window (unless ``stale_ok``) or when ``refresh`` asks for it."""
        if not refresh:
            _version, kept = await self.store.load(key, model)
            if kept is not None and (stale_ok or self._fresh(kept)):
                return kept
        async with self.store.exclusive(key):
            version, kept = await self.store.load(key, model)
            # Read by another while this one waited its turn: SMSC's budget is spent once.
            if kept is not None and not refresh and (stale_ok or self._fresh(kept)):
                return kept
            read_at = self._clock()
            reading = self._reading[key] = _Reading(version)
            try:
                records, complete = await fetch()
            finally:
                del self._reading[key]
            fetched = Kept(read_at, tuple(records), complete)
            # This process's writes meanwhile, which the read may have missed, go on top of it
            # (they are idempotent). A write elsewhere meanwhile: the read is not kept.
            made: Kept[M] | None = fetched
            for write in reading.writes:
                made = write(made)
            if made is None:
                return fetched
            await self.store.save(key, made, expected=reading.version)
            return made

    def _fresh(self, kept: Kept[Any]) -> bool:
        return self._clock() - kept.read_at < self.fresh_for

    async def change(
        self, key: str, model: type[M], edit: Callable[[tuple[M, ...]], tuple[M, ...]]
    ) -> None:
        """Apply a write to the copy, if there is one. Edits are idempotent: a read that
        already holds the write's result (it raced it) gains nothing from it twice."""

        def changed(kept: Kept[M] | None) -> Kept[M] | None:
            return None if kept is None else replace(kept, records=edit(kept.records))

        await self.update(key, model, changed)

    async def update(
        self, key: str, model: type[M], make: Callable[[Kept[M] | None], Kept[M] | None]
    ) -> None:
        """Replace the copy with what ``make`` makes of it (idempotent, as an edit is)."""
        await self._update(key, model, make)

    async def _update(
        self, key: str, model: type[M], make: Callable[[Kept[M] | None], Kept[M] | None]
    ) -> None:
        """Again if another process changed the copy meanwhile. With no copy, ``make``
        returning None still counts as a change: a read on its way, which may have missed this
        write, is kept only with the write applied (when it is this process's) or not at all."""
        # First from the copy as this process last saw it, which no one else has changed in
        # most cases: one round trip to a shared store, not two. Else as it is now.
        seen = self.store.seen(key)
        for attempt in range(UPDATE_ATTEMPTS):
            version, kept = seen if seen and not attempt else await self.store.load(key, model)
            saved = await self.store.save(key, make(kept), expected=version)
            if saved is not None:
                reading = self._reading.get(key)
                if reading is not None and reading.version == version:
                    reading.writes.append(make)
                    reading.version = saved
                return
        await self.store.drop(key)  # changed elsewhere all the time: read afresh when used


@dataclass(slots=True)
class _Reading:
    """A read from SMSC on its way: the version it will replace, moved on by each write of
    this process meanwhile (``writes``, to apply to what the read brings)."""

    version: str
    writes: list[Callable[[Any], Any]] = field(default_factory=list)
