"""This replica's claims on the deliveries of a sweep (see :mod:`storage.deliveries`).

Alone, the claims cost a row per notification and stop nothing; among replicas they are what
keeps two of them from sending one notification when both believe they lead (one frozen past
its lease, say), and what stops a delivery on one replica when the chat logs out on another.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from storage import Claim, DatabaseUnavailableError, NotificationKind, Storage

log = logging.getLogger("bot.watcher")

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

    async def take(self, claim: Claim, kind: NotificationKind, item: str, change: str) -> bool:
        taken = await self.storage.deliveries.claim(
            claim, kind, item, change, now=self.clock(), lease=self.lease
        )
        log.debug(
            "delivery claimed" if taken else "delivery not claimed",
            extra={"chat_id": claim.chat_id, "kind": kind.value, "item": item},
        )
        return taken

    async def give_back(self, claim: Claim, kind: NotificationKind, item: str, change: str) -> None:
        await self.storage.deliveries.release(claim, kind, item, change)

    async def record(self, write: Callable[[], Awaitable[None]]) -> None:
        """A notification went out: its record must be written, or it goes out again. The
        database away for a moment (a restart, a fail-over) is waited for while the claim
        holds, so that no other replica sends it meanwhile."""
        deadline = self.clock() + self.lease
        while True:
            try:
                await write()
                return
            except DatabaseUnavailableError:
                if self.clock() + RECORD_RETRY >= deadline:
                    raise
                await self.sleep(RECORD_RETRY)
