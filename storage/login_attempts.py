"""Wrong secrets counted per user and per chat, kept across restarts.

A restart (a deploy, a crash loop) must not give a guesser a fresh budget of wrong logins:
each one is a failing request to SMSC, and enough of them get this server's address blocked
for every customer. An attempt is written when it is counted and removed when it turns out not
to count; only ids and times are kept, never what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True, slots=True)
class StoredAttempt:
    token: int
    user_id: int
    chat_id: int
    at: float  # wall-clock time


class LoginAttemptsRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def counted(self, user_id: int, chat_id: int, at: float, *, older: float) -> int:
        """Record one attempt; returns its token. Attempts from before ``older`` go."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM login_attempts WHERE at <= ?", (older,))
            row = await tx.fetchone(
                "INSERT INTO login_attempts (user_id, chat_id, at) VALUES (?, ?, ?) RETURNING id",
                (user_id, chat_id, at),
            )
        assert row is not None
        return int(row[0])

    async def uncounted(self, token: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM login_attempts WHERE id = ?", (token,))

    async def since(self, oldest: float) -> list[StoredAttempt]:
        """The attempts counted after ``oldest``, oldest first."""
        rows = await self._db.fetchall(
            "SELECT id, user_id, chat_id, at FROM login_attempts WHERE at > ? ORDER BY at, id",
            (oldest,),
        )
        return [StoredAttempt(r["id"], r["user_id"], r["chat_id"], r["at"]) for r in rows]
