"""This replica's claims on the deliveries of a sweep (see :mod:`storage.deliveries`).

Alone, the claims cost a row per notification and stop nothing; among replicas they are what
keeps two of them from sending one notification when both believe they lead (one frozen past
its lease, say), and what stops a delivery on one replica when the chat logs out on another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from storage import (
    Claim,
    DatabaseUnavailableError,
    NotificationKind,
    OutdatedError,
    Storage,
    StorageError,
)

log = logging.getLogger("bot.watcher")

T = TypeVar("T")

# Between tries to record a notification that went out while the database was away.
RECORD_RETRY = 0.5


@dataclass(frozen=True)
class Claims:
    storage: Storage
    # Who claims: the replica and its term as the watcher (the lease's fencing token), so that
    # a replica that led before and leads again does not take its old claims for its own.
    holder: Callable[[], str]
    # How long a claim holds: long enough for a send and its record, paced and uploaded; a
    # replica that died holding claims delays those notifications by that much.
    lease: float
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def of(self, chat_id: int, generation: int) -> Claim:
        return Claim(chat_id, generation, self.holder())

    async def take(
        self, claim: Claim, kind: NotificationKind, item: str, change: str
    ) -> InHand | None:
        """The delivery, ours until its claim ends; None when another replica has it in hand,
        it was recorded meanwhile, or the chat's account changed."""
        now = self.clock()
        taken = await self.storage.deliveries.claim(
            claim, kind, item, change, now=now, lease=self.lease
        )
        log.debug(
            "delivery claimed" if taken else "delivery not claimed",
            extra={"chat_id": claim.chat_id, "kind": kind.value, "item": item},
        )
        return InHand(claim, kind, item, change, now + self.lease) if taken else None

    async def sending(self, hand: InHand, send: Awaitable[T]) -> T:
        """The send of a claimed delivery; when it fails the claim goes at once, so that the
        next sweep (here or on another replica) and an account change need not wait for it."""
        try:
            return await send
        except Exception:
            with contextlib.suppress(StorageError):
                await self.give_back(hand)
            raise

    async def give_back(self, hand: InHand) -> None:
        await self.storage.deliveries.release(hand.claim, hand.kind, hand.item, hand.change)

    async def record(self, hand: InHand, write: Callable[[], Awaitable[None]]) -> None:
        """A notification went out: its record must be written, or it goes out again. The
        database away for a moment (a restart, a fail-over) is waited for while the claim
        holds, and no longer: after that another replica may send it. When what the sweep
        read no longer holds (the chat's account changed, or another replica moved the
        item's state on) nothing is written, and the claim goes at once, so that an account
        change waiting for it need not wait longer."""
        while True:
            try:
                await write()
                return
            except OutdatedError:
                with contextlib.suppress(DatabaseUnavailableError):
                    await self.give_back(hand)
                raise
            except DatabaseUnavailableError:
                if self.clock() + RECORD_RETRY >= hand.until:
                    raise
                await self.sleep(RECORD_RETRY)


@dataclass(frozen=True, slots=True)
class InHand:
    """A delivery this replica claimed, and until when the claim holds."""

    claim: Claim
    kind: NotificationKind
    item: str
    change: str
    until: float
