"""Notifications claimed before they are sent, so that two replicas never both send one.

A replica claims a delivery (chat, kind, item, change) before sending it: the claim is a row
that only one holder gets, for a lease. The transaction that then moves the chat's watch state
marks the delivery sent and drops the claim. A replica that dies between the two leaves a claim
that runs out: the delivery is sent again only then (it may or may not have gone out; nothing
can tell). A claim is refused, and a move of the state is not written, when the chat's account
changed (a logout, another login) since the sweep read its generation: a logout on one replica
stops deliveries that another replica is about to make.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, Transaction
from storage.models import NotificationKind


@dataclass(frozen=True, slots=True)
class Claim:
    """Who delivers to a chat in this sweep, and the chat's generation the sweep began with."""

    chat_id: int
    generation: int
    holder: str


class OutdatedError(Exception):
    """What a sweep read of a chat no longer holds: nothing of what it saw is written."""


class AccountChangedError(OutdatedError):
    """The chat's account changed since the sweep began: nothing of the old one is written."""


class StateMovedError(OutdatedError):
    """Another replica moved an item's watch state since the sweep read it (this one froze
    meanwhile, say): writing the older state over it would tell its change again."""


class _AlreadySent(Exception):
    """Rolls a claim back: the delivery was recorded meanwhile."""


class DeliveriesRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def claim(
        self,
        claim: Claim,
        kind: NotificationKind,
        item: str,
        change: str,
        *,
        now: float,
        lease: float,
    ) -> bool:
        """Whether ``claim.holder`` may send this delivery now: nobody has sent it, nobody
        else holds an unexpired claim on it, and the chat's account is the sweep's."""
        key = (claim.chat_id, kind.value, item, change)
        try:
            async with self._db.transaction() as tx:
                if not await current(tx, claim):
                    return False
                taken = await tx.execute(
                    "INSERT INTO delivery_claims (chat_id, kind, item, change, holder, until) "
                    "VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (chat_id, kind, item, change) DO UPDATE "
                    "SET holder = excluded.holder, until = excluded.until "
                    "WHERE delivery_claims.until < ? "
                    "OR delivery_claims.holder = excluded.holder",
                    (*key, claim.holder, now + lease, now),
                )
                if not taken:
                    return False
                # Read after the claim, not before: a holder recording this very delivery
                # holds the claim's row until it commits, so its record is seen here.
                sent = await tx.fetchone(
                    "SELECT 1 FROM deliveries WHERE chat_id = ? AND kind = ? AND item = ? "
                    "AND change = ?",
                    key,
                )
                if sent is not None:
                    raise _AlreadySent
        except _AlreadySent:
            return False
        return True

    async def release(self, claim: Claim, kind: NotificationKind, item: str, change: str) -> None:
        """The send failed: the next sweep may try at once, whoever makes it."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM delivery_claims WHERE chat_id = ? AND kind = ? AND item = ? "
                "AND change = ? AND holder = ?",
                (claim.chat_id, kind.value, item, change, claim.holder),
            )

    async def held(self, chat_id: int, *, now: float) -> float:
        """Until when claims on the chat's deliveries hold (0 when none does): a send on its
        way on any replica, which an account change waits for."""
        row = await self._db.fetchone(
            "SELECT MAX(until) FROM delivery_claims WHERE chat_id = ? AND until > ?",
            (chat_id, now),
        )
        return float(row[0]) if row is not None and row[0] is not None else 0.0

    async def generations(self, chat_ids: list[int]) -> dict[int, int]:
        """Each chat's account generation now."""
        found: dict[int, int] = {}
        for start in range(0, len(chat_ids), 500):
            chunk = chat_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self._db.fetchall(
                f"SELECT chat_id, generation FROM chats WHERE chat_id IN ({marks})",  # noqa: S608
                chunk,
            )
            found.update((row[0], row[1]) for row in rows)
        return found


async def current(tx: Transaction, claim: Claim) -> bool:
    """The chat's account is still the one the sweep began with."""
    row = await tx.fetchone(
        "SELECT generation FROM chats WHERE chat_id = ?",
        (claim.chat_id,),
    )
    return row is not None and row[0] == claim.generation


async def delivered(
    tx: Transaction,
    claim: Claim,
    kind: NotificationKind,
    item: str,
    change: str,
    *,
    to_chat: int,
    message_id: int | None,
    at: str,
) -> None:
    """Mark a delivery sent (under the chat id that received it: a group may have become a
    supergroup meanwhile) and drop its claim."""
    await tx.execute(
        "INSERT INTO deliveries (chat_id, kind, item, change, message_id, delivered_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, kind, item, change) DO UPDATE "
        "SET message_id = excluded.message_id, delivered_at = excluded.delivered_at",
        (to_chat, kind.value, item, change, message_id, at),
    )
    await tx.execute(
        "DELETE FROM delivery_claims WHERE chat_id = ? AND kind = ? AND item = ? AND change = ?",
        (claim.chat_id, kind.value, item, change),
    )


async def moved(tx: Transaction, chat_id: int, kind: NotificationKind, item: str) -> None:
    """An item's watch state moves: what was delivered for its earlier changes is history, and
    a change back to one of them (a name approved, edited, approved again) is told again."""
    await tx.execute(
        "DELETE FROM deliveries WHERE chat_id = ? AND kind = ? AND item = ?",
        (chat_id, kind.value, item),
    )


async def bump(tx: Transaction, chat_id: int) -> None:
    """The chat's account changed: deliveries of the sweep under way stop."""
    await tx.execute("UPDATE chats SET generation = generation + 1 WHERE chat_id = ?", (chat_id,))
