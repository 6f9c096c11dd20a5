"""How a kept copy (:mod:`bot.account_copies`) is read once and changed by the bot's writes:
one reader at a time per copy, a write during a read never lost to it, and a change made again
when another process changed the copy meanwhile.

A change follows a write SMSC has already accepted, so it never fails the write: when the store
is out of reach (Redis away, with replicas), the change is logged and the copy, which misses the
write now, is dropped, and a read of it on its way here is not kept; if even that cannot be
done, this process drops it before it next uses it. The reply says what SMSC did, whatever
became of the copy.

While an update is handled (:meth:`KeptCopies.beside_the_reply`), its changes are saved in order
by a task of their own, begun as each write is done, while the handler goes on to reply: a
person hears what SMSC did without waiting for the shared store, and the copy takes the writes
of two chats in the order SMSC did, as closely as when the reply waited for them. The update
ends only once they are saved, so the chat's next update, which waits for this one, finds them;
a read of a copy in the same update waits for them too, and sees the update's own writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from bot.copy_store import CopyStore, Kept, M, MemoryCopyStore
from bot.shared.tokens import SHARED_STATE_FAILURES

log = logging.getLogger(__name__)

# Tries of one change against others changing the same copy at that moment.
UPDATE_ATTEMPTS = 5
# What a store out of reach raises: Redis's own errors, or ours saying it is away.
STORE_FAILURES: tuple[type[Exception], ...] = SHARED_STATE_FAILURES


@dataclass(slots=True)
class _Saving:
    """The changes of the update being handled and the task saving them, one after another.
    ``open`` until its handler is done: a task the handler started, which shares its context,
    then saves its own changes itself."""

    changes: list[tuple[str, type[Any], Callable[[Any], Any], bool]] = field(default_factory=list)
    saver: asyncio.Task[None] | None = None
    open: bool = True


_saving: ContextVar[_Saving | None] = ContextVar("smsc_bot_copy_changes", default=None)


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
        # Copies that miss a write of this process and could not be dropped then (the store
        # was out of reach): dropped before they are next used here.
        self._unsure: set[str] = set()

    @contextlib.asynccontextmanager
    async def beside_the_reply(self) -> AsyncIterator[None]:
        """Around an update's handler: the changes it makes are saved beside it, and all of
        them by the time it is done."""
        saving = _Saving()
        token = _saving.set(saving)
        try:
            yield
        finally:
            _saving.reset(token)
            saving.open = False
            await self._saved(saving)

    async def _saved(self, saving: _Saving | None = None) -> None:
        """Wait until the update's changes made so far are saved. A waiter cancelled meanwhile
        (shutdown) leaves the saving going (``asyncio.wait``)."""
        saving = saving or _saving.get()
        saver = saving.saver if saving is not None else None
        if saver is not None:
            await asyncio.wait({saver})
            saver.result()  # what went wrong there (never the store's failures) goes on here

    async def _save_in_order(self, saving: _Saving) -> None:
        _saving.set(None)  # in this task only: its own reads and drops go straight on
        while saving.changes:
            key, model, make, keep_on_failure = saving.changes.pop(0)
            await self._update_now(key, model, make, keep_on_failure=keep_on_failure)

    async def kept(self, key: str, model: type[M]) -> Kept[M] | None:
        """The copy under ``key`` as it is, however old; None without one."""
        await self._saved()
        await self._settle(key)
        _version, kept = await self.store.load(key, model)
        return kept

    async def drop(self, key: str) -> None:
        """The copy goes, and the next use reads afresh; with the store out of reach, it goes
        before this process next uses it."""
        await self._saved()
        try:
            await self.store.drop(key)
        except STORE_FAILURES as error:
            log.warning(
                "kept copy not dropped; dropped when next used",
                extra={"copy": key, "error": type(error).__name__},
            )
            self._unsure.add(key)
            return
        self._unsure.discard(key)

    async def _settle(self, key: str) -> None:
        """Drop the copy if a write of this process could not be applied to it. Raises what
        the store raises, as a load would."""
        if key in self._unsure:
            await self.store.drop(key)
            self._unsure.discard(key)

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
        await self._saved()
        await self._settle(key)
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
            if reading.lost:
                # A write meanwhile could not be applied to the copy (the store was out of
                # reach): what the read began with may lack it. Shown with the write, kept by
                # no one, and what the store holds goes, for every process.
                await self.drop(key)
                return made
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
        self,
        key: str,
        model: type[M],
        make: Callable[[Kept[M] | None], Kept[M] | None],
        *,
        keep_on_failure: bool = False,
    ) -> None:
        """Replace the copy with what ``make`` makes of it (idempotent, as an edit is). With
        the store out of reach the copy is dropped instead (see the module's description), or,
        with ``keep_on_failure``, kept as it was: a copy of the bot's own memory, which no read
        from SMSC could make again, is better without one change than gone. This never raises
        what the store raises. While an update is handled, done beside it (see the module's
        description)."""
        saving = _saving.get()
        if saving is not None and saving.open:
            saving.changes.append((key, model, make, keep_on_failure))
            if saving.saver is None or saving.saver.done():
                saving.saver = asyncio.get_running_loop().create_task(self._save_in_order(saving))
            return
        await self._update_now(key, model, make, keep_on_failure=keep_on_failure)

    async def _update_now(
        self,
        key: str,
        model: type[M],
        make: Callable[[Kept[M] | None], Kept[M] | None],
        *,
        keep_on_failure: bool,
    ) -> None:
        try:
            await self._settle(key)
            await self._update(key, model, make)
        except STORE_FAILURES as error:
            reading = self._reading.get(key)
            if reading is not None:
                # A read of this process on its way may have begun before the write, and the
                # store took no mark of the write to stop it being kept.
                reading.writes.append(make)
                reading.lost = True
            if keep_on_failure:
                log.warning(
                    "kept copy not updated after a write; kept as it was",
                    extra={"copy": key, "error": type(error).__name__},
                )
                return
            log.warning(
                "kept copy not updated after a write; dropped",
                extra={"copy": key, "error": type(error).__name__},
            )
            await self.drop(key)

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
    this process meanwhile (``writes``, to apply to what the read brings). ``lost``: a write
    meanwhile could not reach the store, and what the read brings is not kept."""

    version: str
    writes: list[Callable[[Any], Any]] = field(default_factory=list)
    lost: bool = False
