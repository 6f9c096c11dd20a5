"""Per-chat settings: language, notifications, poll interval."""

from __future__ import annotations

from dataclasses import replace

from storage.cache import Recent
from storage.credentials import ensure_chat
from storage.database import Database, Row
from storage.models import ChatSettings, NotificationKind

COLUMNS = "chat_id, language, notify_downloads, notify_senders, poll_interval, watch_paused"


class SettingsRepository:
    """Read on every update (for the chat's language), so kept in memory when this process is
    the database's only writer; every write goes through here and drops the chat's cached copy."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._cache: Recent[int, ChatSettings] = Recent(enabled=not database.shared)

    async def get(self, chat_id: int) -> ChatSettings:
        cached = self._cache.get(chat_id)
        if isinstance(cached, ChatSettings):
            return cached
        row = await self._db.fetchone(
            f"SELECT {COLUMNS} FROM chat_settings WHERE chat_id = ?",  # noqa: S608 - constant
            (chat_id,),
        )
        settings = ChatSettings(chat_id) if row is None else _settings(row)
        self._cache.put(chat_id, settings)
        return settings

    @property
    def cached(self) -> bool:
        """Whether reads are kept in memory (this process is the database's only writer)."""
        return not self._db.shared

    def forget(self, *chat_ids: int) -> None:
        self._cache.forget(*chat_ids)

    async def _set(self, chat_id: int, column: str, value: object) -> None:
        self._cache.forget(chat_id)
        async with self._db.transaction() as tx:
            await ensure_chat(tx, chat_id)
            await tx.execute(
                "INSERT INTO chat_settings (chat_id) VALUES (?) ON CONFLICT DO NOTHING", (chat_id,)
            )
            await tx.execute(
                f"UPDATE chat_settings SET {column} = ? WHERE chat_id = ?",  # noqa: S608
                (value, chat_id),
            )

    async def set_language(self, chat_id: int, language: str | None) -> None:
        await self._set(chat_id, "language", language)

    async def set_notify(self, chat_id: int, kind: NotificationKind, enabled: bool) -> None:
        column = "notify_downloads" if kind is NotificationKind.DOWNLOADS else "notify_senders"
        await self._set(chat_id, column, int(enabled))

    async def set_poll_interval(self, chat_id: int, seconds: int | None) -> None:
        await self._set(chat_id, "poll_interval", seconds)

    async def set_paused(self, chat_id: int, reason: str | None) -> None:
        await self._set(chat_id, "watch_paused", reason)

    async def watching(self) -> list[ChatSettings]:
        """Chats with credentials and at least one notification on."""
        return await self._db.fetch_converted(
            f"SELECT s.{COLUMNS.replace(', ', ', s.')} "  # noqa: S608
            ", g.generation FROM chat_settings s "
            "JOIN credentials c ON c.chat_id = s.chat_id JOIN chats g ON g.chat_id = s.chat_id "
            "WHERE s.notify_downloads = 1 OR s.notify_senders = 1",
            _watching,
        )


def settings_of(chat_id: int, row: Row) -> ChatSettings:
    """The settings in ``row``; its ``chat_id`` NULL (no settings row): the defaults."""
    return ChatSettings(chat_id) if row["chat_id"] is None else _settings(row)


def _settings(row: Row) -> ChatSettings:
    return ChatSettings(
        chat_id=row["chat_id"],
        language=row["language"],
        notify_downloads=bool(row["notify_downloads"]),
        notify_senders=bool(row["notify_senders"]),
        poll_interval=row["poll_interval"],
        watch_paused=row["watch_paused"],
    )


def _watching(row: Row) -> ChatSettings:
    return replace(_settings(row), generation=row["generation"])
