"""Who did what in which chat. Targets are phone numbers, names and ids: never a secret.

Entries are written in batches, a moment after they are recorded, so that a busy bot pays one
transaction for many updates rather than one each. Reading and closing write the batch first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from storage.database import Database, utcnow
from storage.errors import StorageError
from storage.models import AuditEntry

log = logging.getLogger("storage")

MAX_TARGET = 200
FLUSH_DELAY = 0.05
MAX_BATCH = 500
MAX_BUFFERED = 50_000

_Entry = tuple[int, int | None, str, str | None, str, str]


class AuditRepository:
    def __init__(self, database: Database, *, flush_delay: float = FLUSH_DELAY) -> None:
        self._db = database
        self._delay = flush_delay
        self._pending: list[_Entry] = []
        self._timer: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()

    async def record(
        self,
        chat_id: int,
        user_id: int | None,
        action: str,
        result: str,
        target: str | None = None,
    ) -> None:
        self._pending.append(
            (chat_id, user_id, action, target[:MAX_TARGET] if target else None, result, utcnow())
        )
        if len(self._pending) >= MAX_BATCH:
            await self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._delay)
        self._timer = None
        try:
            await self.flush()
        except StorageError as error:
            # Kept in memory (bounded) and written with the next batch.
            log.error("audit entries not written yet", extra={"error": str(error)})

    async def flush(self) -> None:
        async with self._writing:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                async with self._db.transaction() as tx:
                    await tx.executemany(
                        "INSERT INTO audit_log (chat_id, user_id, action, target, result, at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        batch,
                    )
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

    async def recent(self, chat_id: int, limit: int = 20) -> list[AuditEntry]:
        await self.flush()
        rows = await self._db.fetchall(
            "SELECT id, chat_id, user_id, action, target, result, at FROM audit_log "
            "WHERE chat_id = ? ORDER BY id DESC LIMIT ?",
            (chat_id, limit),
        )
        return [AuditEntry(**dict(row)) for row in rows]
