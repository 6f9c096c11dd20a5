"""What the watchers last saw for each chat, and which notifications were delivered.

State moves forward only together with the record of the delivered notification, in one
transaction, so a restart neither repeats an announcement nor skips a change.

Each watch also keeps the digest of the last SMSC answer it has taken in completely. An answer
with the same digest holds no change for that chat, so a sweep compares digests and reads a
chat's rows only when they differ. Every move of the state clears the digest in the same
transaction; a digest is set only by the sweep that took the whole answer in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from storage.credentials import ensure_chat
from storage.database import Database, Row, Transaction, utcnow
from storage.deliveries import (
    AccountChangedError,
    Claim,
    StateMovedError,
    current,
    delivered,
    moved,
)
from storage.models import NotificationKind, SeenSender, SeenTask


@dataclass(frozen=True, slots=True)
class Baseline:
    taken_at: str
    digest: str | None


_KINDS = {kind.value: kind for kind in NotificationKind}


@dataclass(slots=True)
class WatchSnapshot:
    """Which watches of several chats exist and the digest each last took in, read in one
    query; and what a sweep writes at its end: new baselines, new digests."""

    baselines: dict[tuple[int, NotificationKind], Baseline] = field(default_factory=dict)
    new_tasks: dict[int, list[SeenTask]] = field(default_factory=dict)
    new_senders: dict[int, list[SeenSender]] = field(default_factory=dict)
    new_digests: dict[tuple[int, NotificationKind], str] = field(default_factory=dict)
    taken: list[tuple[int, NotificationKind, str, str]] = field(default_factory=list)

    def has_baseline(self, chat_id: int, kind: NotificationKind) -> bool:
        return (chat_id, kind) in self.baselines

    def unchanged(self, chat_id: int, kind: NotificationKind, digest: str) -> bool:
        """The chat has taken in exactly this answer already: there is nothing to tell."""
        baseline = self.baselines.get((chat_id, kind))
        return baseline is not None and baseline.digest == digest

    def took_in(self, chat_id: int, kind: NotificationKind, digest: str) -> None:
        """The chat has taken in the whole answer: record its digest at the sweep's end."""
        baseline = self.baselines.get((chat_id, kind))
        if baseline is not None and baseline.digest != digest:
            self.taken.append((chat_id, kind, digest, baseline.taken_at))


class WatchRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    # -- baselines ------------------------------------------------------------------------------

    async def replace_download_baseline(
        self, chat_id: int, tasks: list[SeenTask], digest: str | None = None
    ) -> None:
        digests = {(chat_id, NotificationKind.DOWNLOADS): digest} if digest else None
        await self.replace_baselines(downloads={chat_id: tasks}, digests=digests)

    async def replace_sender_baseline(
        self, chat_id: int, senders: list[SeenSender], digest: str | None = None
    ) -> None:
        digests = {(chat_id, NotificationKind.SENDERS): digest} if digest else None
        await self.replace_baselines(senders={chat_id: senders}, digests=digests)

    async def replace_baselines(
        self,
        *,
        downloads: dict[int, list[SeenTask]] | None = None,
        senders: dict[int, list[SeenSender]] | None = None,
        digests: dict[tuple[int, NotificationKind], str] | None = None,
    ) -> None:
        """What several chats see now becomes what they have seen, in one transaction;
        ``digests`` names the answers those baselines were taken from."""
        downloads, senders, digests = downloads or {}, senders or {}, digests or {}
        async with self._db.transaction() as tx:
            for chat_id in downloads.keys() | senders.keys():
                await ensure_chat(tx, chat_id)
            await tx.executemany(
                "DELETE FROM watched_downloads WHERE chat_id = ?", [(c,) for c in downloads]
            )
            # Generators, not lists: a first sweep writes a row per chat and item at once.
            await tx.executemany(
                "INSERT INTO watched_downloads (chat_id, task_id, name, status) "
                "VALUES (?, ?, ?, ?)",
                ((c, t.task_id, t.name, t.status) for c, tasks in downloads.items() for t in tasks),
            )
            await tx.executemany(
                "DELETE FROM watched_senders WHERE chat_id = ?", [(c,) for c in senders]
            )
            await tx.executemany(
                "INSERT INTO watched_senders (chat_id, sender_id, name, status, operators) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    (c, s.sender_id, s.name, s.status, _dump(s.operators))
                    for c, items in senders.items()
                    for s in items
                ),
            )
            # To the microsecond: a sweep's digest is written only for the baseline it read.
            taken = utcnow("microseconds")
            await tx.executemany(
                "INSERT INTO watch_baselines (chat_id, kind, taken_at, digest) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (chat_id, kind) DO UPDATE "
                "SET taken_at = excluded.taken_at, digest = excluded.digest",
                [
                    (c, kind.value, taken, digests.get((c, kind)))
                    for kind, chats in (
                        (NotificationKind.DOWNLOADS, downloads),
                        (NotificationKind.SENDERS, senders),
                    )
                    for c in chats
                ],
            )

    async def save_digests(self, taken: list[tuple[int, NotificationKind, str, str]]) -> None:
        """Record the answers chats took in whole, unless their watch was renewed since."""
        if not taken:
            return
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE watch_baselines SET digest = ? "
                "WHERE chat_id = ? AND kind = ? AND taken_at = ?",
                [(digest, chat, kind.value, taken_at) for chat, kind, digest, taken_at in taken],
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
        # Chats of one account took in the same answers, mostly in the same sweep: one copy
        # of each digest and time rather than one per chat.
        same: dict[str, str] = {}
        for chunk in _chunks(chat_ids):
            marks = ",".join("?" * len(chunk))
            for chat_id, kind, taken_at, digest in await self._db.fetchall(
                "SELECT chat_id, kind, taken_at, digest FROM watch_baselines "  # noqa: S608
                f"WHERE chat_id IN ({marks})",
                chunk,
            ):
                taken_at = same.setdefault(taken_at, taken_at)
                if digest is not None:
                    digest = same.setdefault(digest, digest)
                found.baselines[(chat_id, _KINDS[kind])] = Baseline(taken_at, digest)
        return found

    async def seen_tasks_of(self, chat_ids: list[int]) -> dict[int, dict[int, SeenTask]]:
        """What several chats last saw of their exports, in one query per 500 chats."""
        found: dict[int, dict[int, SeenTask]] = {chat: {} for chat in chat_ids}
        for row in await self._rows_of("watched_downloads", _TASK_COLUMNS, chat_ids):
            found[row["chat_id"]][row["task_id"]] = _seen_task(row)
        return found

    async def seen_senders_of(self, chat_ids: list[int]) -> dict[int, dict[int, SeenSender]]:
        """What several chats last saw of their sender names, in one query per 500 chats."""
        found: dict[int, dict[int, SeenSender]] = {chat: {} for chat in chat_ids}
        for row in await self._rows_of("watched_senders", _SENDER_COLUMNS, chat_ids):
            found[row["chat_id"]][row["sender_id"]] = _seen_sender(row)
        return found

    async def _rows_of(self, table: str, columns: str, chat_ids: list[int]) -> list[Row]:
        rows: list[Row] = []
        for chunk in _chunks(chat_ids):
            marks = ",".join("?" * len(chunk))
            rows += await self._db.fetchall(
                f"SELECT chat_id, {columns} FROM {table} "  # noqa: S608 - constants
                f"WHERE chat_id IN ({marks})",
                chunk,
            )
        return rows

    async def record_task(
        self,
        claim: Claim,
        task: SeenTask,
        *,
        before: SeenTask | None,
        change: str | None,
        to_chat: int | None = None,
        message_id: int | None = None,
    ) -> None:
        """Store what was seen, in place of ``before`` (what the sweep read); with ``change``,
        also that its notification was delivered (to ``to_chat``, the chat's id by default).
        Nothing is written when the chat's account changed since the sweep began
        (:class:`AccountChangedError`), or when its state is no longer ``before``
        (:class:`StateMovedError`)."""
        async with self._db.transaction() as tx:
            chat_id = await _state_moves(tx, claim, NotificationKind.DOWNLOADS, to_chat)
            row = await tx.fetchone(
                f"SELECT {_TASK_COLUMNS} FROM watched_downloads "  # noqa: S608 - constants
                "WHERE chat_id = ? AND task_id = ?",
                (chat_id, task.task_id),
            )
            if (row and _seen_task(row)) != before:
                raise StateMovedError(chat_id)
            await moved(tx, chat_id, NotificationKind.DOWNLOADS, str(task.task_id))
            await tx.execute(
                "INSERT INTO watched_downloads (chat_id, task_id, name, status) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (chat_id, task_id) DO UPDATE "
                "SET name = excluded.name, status = excluded.status",
                (chat_id, task.task_id, task.name, task.status),
            )
            if change is not None:
                await delivered(
                    tx,
                    claim,
                    NotificationKind.DOWNLOADS,
                    str(task.task_id),
                    change,
                    to_chat=chat_id,
                    message_id=message_id,
                    at=utcnow(),
                )

    async def record_sender(
        self,
        claim: Claim,
        sender: SeenSender,
        *,
        before: SeenSender | None,
        change: str | None,
        to_chat: int | None = None,
        message_id: int | None = None,
        deleted: bool = False,
    ) -> None:
        """As :meth:`record_task`, for a sender name; ``deleted`` when it is gone."""
        async with self._db.transaction() as tx:
            chat_id = await _state_moves(tx, claim, NotificationKind.SENDERS, to_chat)
            row = await tx.fetchone(
                f"SELECT {_SENDER_COLUMNS} FROM watched_senders "  # noqa: S608 - constants
                "WHERE chat_id = ? AND sender_id = ?",
                (chat_id, sender.sender_id),
            )
            if (row and _seen_sender(row)) != before:
                raise StateMovedError(chat_id)
            await moved(tx, chat_id, NotificationKind.SENDERS, str(sender.sender_id))
            if deleted:
                await tx.execute(
                    "DELETE FROM watched_senders WHERE chat_id = ? AND sender_id = ?",
                    (chat_id, sender.sender_id),
                )
            else:
                await tx.execute(
                    "INSERT INTO watched_senders (chat_id, sender_id, name, status, operators) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, sender_id) DO UPDATE "
                    "SET name = excluded.name, status = excluded.status, "
                    "operators = excluded.operators",
                    (
                        chat_id,
                        sender.sender_id,
                        sender.name,
                        sender.status,
                        _dump(sender.operators),
                    ),
                )
            if change is not None:
                await delivered(
                    tx,
                    claim,
                    NotificationKind.SENDERS,
                    str(sender.sender_id),
                    change,
                    to_chat=chat_id,
                    message_id=message_id,
                    at=utcnow(),
                )


def _chunks(chat_ids: list[int], size: int = 500) -> list[list[int]]:
    # SQLite allows only so many parameters in one statement.
    return [chat_ids[start : start + size] for start in range(0, len(chat_ids), size)]


async def _state_moves(
    tx: Transaction, claim: Claim, kind: NotificationKind, to_chat: int | None
) -> int:
    """The watch's state changes: the digest of the answer it had taken in no longer holds.
    Returns the chat id the state is kept under."""
    # A chat that became a supergroup meanwhile has a new id: its old generation is gone.
    moved = to_chat is not None and to_chat != claim.chat_id
    if not moved and not await current(tx, claim):
        raise AccountChangedError(claim.chat_id)
    chat_id = claim.chat_id if to_chat is None else to_chat
    await tx.execute(
        "UPDATE watch_baselines SET digest = NULL WHERE chat_id = ? AND kind = ?",
        (chat_id, kind.value),
    )
    return chat_id


_TASK_COLUMNS = "task_id, name, status"
_SENDER_COLUMNS = "sender_id, name, status, operators"


def _seen_task(row: Row) -> SeenTask:
    return SeenTask(row["task_id"], row["name"], row["status"])


def _seen_sender(row: Row) -> SeenSender:
    return SeenSender(row["sender_id"], row["name"], row["status"], json.loads(row["operators"]))


def _dump(operators: dict[str, int]) -> str:
    return json.dumps(operators, sort_keys=True, separators=(",", ":"))
