"""Operations on a chat as a whole."""

from __future__ import annotations

from storage.credentials import CredentialsRepository
from storage.database import Database
from storage.settings import SettingsRepository

_KEYED_TABLES = (
    "chat_settings",
    "watched_downloads",
    "watched_senders",
    "watch_baselines",
    "deliveries",
    "audit_log",
)


class ChatsRepository:
    def __init__(
        self, database: Database, credentials: CredentialsRepository, settings: SettingsRepository
    ) -> None:
        self._db = database
        self._credentials = credentials
        self._settings = settings

    async def migrate(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: move everything to the new chat id, in one transaction."""
        self._settings.forget(old_id, new_id)
        self._credentials.forget(old_id, new_id)
        async with self._db.transaction() as tx:
            cursor = await tx.execute("SELECT 1 FROM chats WHERE chat_id = ?", (old_id,))
            if await cursor.fetchone() is None:
                return
            await tx.execute("DELETE FROM chats WHERE chat_id = ?", (new_id,))
            await tx.execute(
                "INSERT INTO chats (chat_id, created_at) "
                "SELECT ?, created_at FROM chats WHERE chat_id = ?",
                (new_id, old_id),
            )
            await self._credentials.reseal_for_chat(tx, old_id, new_id)
            for table in _KEYED_TABLES:
                await tx.execute(
                    f"UPDATE {table} SET chat_id = ? WHERE chat_id = ?",  # noqa: S608 - constant
                    (new_id, old_id),
                )
            await tx.execute("DELETE FROM chats WHERE chat_id = ?", (old_id,))

    async def count(self) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) AS n FROM chats")
        return int(row["n"]) if row else 0
