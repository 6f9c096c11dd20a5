"""Rows written in batches, a moment after they are added: one transaction for many.

Used for what is recorded on every update or request (the audit log, the SMSC limiter's
stamps), where one transaction each would cost more than the work it records. A crash loses
at most the last moment's rows; closing, and any read that must see them, flushes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from storage.database import Database, Transaction
from storage.errors import StorageError

log = logging.getLogger("storage")

FLUSH_DELAY = 0.05
MAX_BATCH = 500
MAX_BUFFERED = 50_000

Row = TypeVar("Row")
Write = Callable[[Transaction, Sequence[Row]], Awaitable[None]]


class BatchWriter(Generic[Row]):
    def __init__(
        self,
        database: Database,
        write: Write[Row],
        *,
        what: str,
        flush_delay: float = FLUSH_DELAY,
    ) -> None:
        self._db = database
        self._write = write
        self._what = what
        self._delay = flush_delay
        self._pending: list[Row] = []
        self._timer: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()

    def add(self, row: Row) -> None:
        """Queue a row; it is written within ``flush_delay``, or at once past a full batch."""
        self._pending.append(row)
        if self._timer is None:
            delay = 0.0 if len(self._pending) >= MAX_BATCH else self._delay
            self._timer = asyncio.get_running_loop().create_task(self._flush_later(delay))

    async def _flush_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._timer = None
        try:
            await self.flush()
        except StorageError as error:
            # Kept in memory (bounded) and written with the next batch.
            log.error(f"{self._what} not written yet", extra={"error": str(error)})

    async def flush(self) -> None:
        async with self._writing:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                async with self._db.transaction() as tx:
                    await self._write(tx, batch)
            except StorageError:
                self._pending = (batch + self._pending)[-MAX_BUFFERED:]
                raise

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None
        await self.flush()
