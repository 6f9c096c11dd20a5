"""Who did what in which chat. Targets are phone numbers, names and ids: never a secret."""

from __future__ import annotations

from storage.database import Database, utcnow
from storage.models import AuditEntry

MAX_TARGET = 200


class AuditRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(
        self,
        chat_id: int,
        user_id: int | None,
        action: str,
        result: str,
        target: str | None = None,
    ) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO audit_log (chat_id, user_id, action, target, result, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    chat_id,
                    user_id,
                    action,
                    target[:MAX_TARGET] if target else None,
                    result,
                    utcnow(),
                ),
            )

    async def recent(self, chat_id: int, limit: int = 20) -> list[AuditEntry]:
        rows = await self._db.fetchall(
            "SELECT id, chat_id, user_id, action, target, result, at FROM audit_log "
            "WHERE chat_id = ? ORDER BY id DESC LIMIT ?",
            (chat_id, limit),
        )
        return [AuditEntry(**dict(row)) for row in rows]
