"""Who did what in which chat. Targets are phone numbers, names and ids: never a secret.

Entries are written in batches, a moment after they are recorded (:mod:`storage.batch`), so
that a busy bot pays one transaction for many updates rather than one each. Reading and
closing write the batch first.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.batch import FLUSH_DELAY, BatchWriter
from storage.database import Database, Transaction, utcnow
from storage.models import AuditEntry

MAX_TARGET = 200

_Entry = tuple[int, int | None, str, str | None, str, str]


async def _insert(tx: Transaction, entries: Sequence[_Entry]) -> None:
    await tx.executemany(
        "INSERT INTO audit_log (chat_id, user_id, action, target, result, at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        entries,
    )


class AuditRepository:
    def __init__(self, database: Database, *, flush_delay: float = FLUSH_DELAY) -> None:
        self._db = database
        self._batch: BatchWriter[_Entry] = BatchWriter(
            database, _insert, what="audit entries", flush_delay=flush_delay
        )

    async def record(
        self,
        chat_id: int,
        user_id: int | None,
        action: str,
        result: str,
        target: str | None = None,
    ) -> None:
        self._batch.add(
            (chat_id, user_id, action, target[:MAX_TARGET] if target else None, result, utcnow())
        )

    async def flush(self) -> None:
        await self._batch.flush()

    async def close(self) -> None:
        await self._batch.close()

    async def recent(self, chat_id: int, limit: int = 20) -> list[AuditEntry]:
        await self.flush()
        rows = await self._db.fetchall(
            "SELECT id, chat_id, user_id, action, target, result, at FROM audit_log "
            "WHERE chat_id = ? ORDER BY id DESC LIMIT ?",
            (chat_id, limit),
        )
        return [AuditEntry(**dict(row)) for row in rows]
