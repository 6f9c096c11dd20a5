"""What the watchers last saw for each chat, and which notifications were delivered.

State moves forward only together with the record of the delivered notification, in one
transaction, so a restart neither repeats an announcement nor skips a change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import aiosqlite

from storage.credentials import ensure_chat
from storage.database import Database, utcnow
from storage.models import NotificationKind, SeenSender, SeenTask


@dataclass(slots=True)
class WatchSnapshot:
    """What several chats last saw, read in a few queries instead of a few per chat; and the
    baselines a sweep takes, to be written together at its end."""

    tasks: dict[int, dict[int, SeenTask]] = field(default_factory=dict)
    senders: dict[int, dict[int, SeenSender]] = field(default_factory=dict)
    baselines: set[tuple[int, NotificationKind]] = field(default_factory=set)
    new_tasks: dict[int, list[SeenTask]] = field(default_factory=dict)
    new_senders: dict[int, list[SeenSender]] = field(default_factory=dict)

    def has_baseline(self, chat_id: int, kind: NotificationKind) -> bool:
        return (chat_id, kind) in self.baselines


class WatchRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    # -- baselines ------------------------------------------------------------------------------

    async def baseline_taken(self, chat_id: int, kind: NotificationKind) -> str | None:
        row = await self._db.fetchone(
            "SELECT taken_at FROM watch_baselines WHERE chat_id = ? AND kind = ?",
            (chat_id, kind.value),
        )
        return None if row is None else row["taken_at"]

    async def replace_download_baseline(self, chat_id: int, tasks: list[SeenTask]) -> None:
        await self.replace_baselines(downloads={chat_id: tasks})

    async def replace_sender_baseline(self, chat_id: int, senders: list[SeenSender]) -> None:
        await self.replace_baselines(senders={chat_id: senders})

    async def replace_baselines(
        self,
        *,
        downloads: dict[int, list[SeenTask]] | None = None,
        senders: dict[int, list[SeenSender]] | None = None,
    ) -> None:
        """What several chats see now becomes what they have seen, in one transaction."""
        downloads, senders = downloads or {}, senders or {}
        async with self._db.transaction() as tx:
            for chat_id in downloads.keys() | senders.keys():
                await ensure_chat(tx, chat_id)
            await tx.executemany(
                "DELETE FROM watched_downloads WHERE chat_id = ?", [(c,) for c in downloads]
            )
            await tx.executemany(
                "INSERT INTO watched_downloads (chat_id, task_id, name, status) "
                "VALUES (?, ?, ?, ?)",
                [(c, t.task_id, t.name, t.status) for c, tasks in downloads.items() for t in tasks],
            )
            await tx.executemany(
                "DELETE FROM watched_senders WHERE chat_id = ?", [(c,) for c in senders]
            )
            await tx.executemany(
                "INSERT INTO watched_senders (chat_id, sender_id, name, status, operators) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (c, s.sender_id, s.name, s.status, _dump(s.operators))
                    for c, items in senders.items()
                    for s in items
                ],
            )
            taken = utcnow()
            await tx.executemany(
                "INSERT OR REPLACE INTO watch_baselines (chat_id, kind, taken_at) VALUES (?, ?, ?)",
                [(c, NotificationKind.DOWNLOADS.value, taken) for c in downloads]
                + [(c, NotificationKind.SENDERS.value, taken) for c in senders],
            )

    async def forget(self, chat_id: int, kind: NotificationKind) -> None:
        table = "watched_downloads" if kind is NotificationKind.DOWNLOADS else "watched_senders"
        async with self._db.transaction() as tx:
            await tx.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))  # noqa: S608
            await tx.execute(
                "DELETE FROM watch_baselines WHERE chat_id = ? AND kind = ?",
                (chat_id, kind.value),
            )

    # -- last seen ------------------------------------------------------------------------------

    async def snapshot(self, chat_ids: list[int]) -> WatchSnapshot:
        found = WatchSnapshot()
        for start in range(0, len(chat_ids), 500):
            chunk = chat_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in await self._db.fetchall(
                f"SELECT chat_id, kind FROM watch_baselines WHERE chat_id IN ({marks})",  # noqa: S608
                chunk,
            ):
                found.baselines.add((row["chat_id"], NotificationKind(row["kind"])))
            for row in await self._db.fetchall(
                "SELECT chat_id, task_id, name, status FROM watched_downloads "  # noqa: S608
                f"WHERE chat_id IN ({marks})",
                chunk,
            ):
                found.tasks.setdefault(row["chat_id"], {})[row["task_id"]] = SeenTask(
                    row["task_id"], row["name"], row["status"]
                )
            for row in await self._db.fetchall(
                "SELECT chat_id, sender_id, name, status, operators "  # noqa: S608
                f"FROM watched_senders WHERE chat_id IN ({marks})",
                chunk,
            ):
                found.senders.setdefault(row["chat_id"], {})[row["sender_id"]] = SeenSender(
                    row["sender_id"], row["name"], row["status"], json.loads(row["operators"])
                )
        return found

    async def seen_tasks(self, chat_id: int) -> dict[int, SeenTask]:
        rows = await self._db.fetchall(
            "SELECT task_id, name, status FROM watched_downloads WHERE chat_id = ?", (chat_id,)
        )
        return {r["task_id"]: SeenTask(r["task_id"], r["name"], r["status"]) for r in rows}

    async def seen_senders(self, chat_id: int) -> dict[int, SeenSender]:
        rows = await self._db.fetchall(
            "SELECT sender_id, name, status, operators FROM watched_senders WHERE chat_id = ?",
            (chat_id,),
        )
        return {
            r["sender_id"]: SeenSender(
                r["sender_id"], r["name"], r["status"], json.loads(r["operators"])
            )
            for r in rows
        }

    async def record_task(
        self, chat_id: int, task: SeenTask, *, change: str | None, message_id: int | None = None
    ) -> None:
        """Store what was seen; with ``change``, also that its notification was delivered."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT OR REPLACE INTO watched_downloads (chat_id, task_id, name, status) "
                "VALUES (?, ?, ?, ?)",
                (chat_id, task.task_id, task.name, task.status),
            )
            if change is not None:
                await _delivered(
                    tx, chat_id, NotificationKind.DOWNLOADS, str(task.task_id), change, message_id
                )

    async def record_sender(
        self,
        chat_id: int,
        sender: SeenSender,
        *,
        change: str | None,
        message_id: int | None = None,
        deleted: bool = False,
    ) -> None:
        async with self._db.transaction() as tx:
            if deleted:
                await tx.execute(
                    "DELETE FROM watched_senders WHERE chat_id = ? AND sender_id = ?",
                    (chat_id, sender.sender_id),
                )
            else:
                await tx.execute(
                    "INSERT OR REPLACE INTO watched_senders "
                    "(chat_id, sender_id, name, status, operators) VALUES (?, ?, ?, ?, ?)",
                    (
                        chat_id,
                        sender.sender_id,
                        sender.name,
                        sender.status,
                        _dump(sender.operators),
                    ),
                )
            if change is not None:
                await _delivered(
                    tx, chat_id, NotificationKind.SENDERS, str(sender.sender_id), change, message_id
                )

    async def was_delivered(
        self, chat_id: int, kind: NotificationKind, item: str, change: str
    ) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM deliveries WHERE chat_id = ? AND kind = ? AND item = ? AND change = ?",
            (chat_id, kind.value, item, change),
        )
        return row is not None

    async def delivery_count(self, chat_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM deliveries WHERE chat_id = ?", (chat_id,)
        )
        return int(row["n"]) if row else 0


async def _delivered(
    tx: aiosqlite.Connection,
    chat_id: int,
    kind: NotificationKind,
    item: str,
    change: str,
    message_id: int | None,
) -> None:
    await tx.execute(
        "INSERT OR REPLACE INTO deliveries (chat_id, kind, item, change, message_id, delivered_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (chat_id, kind.value, item, change, message_id, utcnow()),
    )


def _dump(operators: dict[str, int]) -> str:
    return json.dumps(operators, sort_keys=True, separators=(",", ":"))
