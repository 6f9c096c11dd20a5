"""What tests read of a chat's watch state, beside the repository's own (batched) reads."""

from __future__ import annotations

from storage import Claim, NotificationKind, SeenSender, SeenTask, Storage


async def seen_tasks(storage: Storage, chat_id: int) -> dict[int, SeenTask]:
    return (await storage.watch.seen_tasks_of([chat_id])).get(chat_id, {})


async def seen_senders(storage: Storage, chat_id: int) -> dict[int, SeenSender]:
    return (await storage.watch.seen_senders_of([chat_id])).get(chat_id, {})


async def baseline_taken(storage: Storage, chat_id: int, kind: NotificationKind) -> bool:
    row = await storage.database.fetchone(
        "SELECT 1 FROM watch_baselines WHERE chat_id = ? AND kind = ?", (chat_id, kind.value)
    )
    return row is not None


async def was_delivered(
    storage: Storage, chat_id: int, kind: NotificationKind, item: str, change: str
) -> bool:
    row = await storage.database.fetchone(
        "SELECT 1 FROM deliveries WHERE chat_id = ? AND kind = ? AND item = ? AND change = ?",
        (chat_id, kind.value, item, change),
    )
    return row is not None


async def delivery_count(storage: Storage, chat_id: int) -> int:
    row = await storage.database.fetchone(
        "SELECT COUNT(*) AS n FROM deliveries WHERE chat_id = ?", (chat_id,)
    )
    return int(row["n"]) if row else 0


async def claim(storage: Storage, chat_id: int, holder: str = "test") -> Claim:
    """A claim for the chat at its account's generation now, as a sweep starting now has."""
    generation = (await storage.deliveries.generations([chat_id])).get(chat_id, 0)
    return Claim(chat_id, generation, holder)
