"""This replica's claims on the deliveries of a sweep (see :mod:`storage.deliveries`).

Alone, the claims cost a row per notification and stop nothing; among replicas they are what
keeps two of them from sending one notification when both believe they lead (one frozen past
its lease, say), and what stops a delivery on one replica when the chat logs out on another.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from storage import Claim, NotificationKind, Storage


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

    def of(self, chat_id: int, generation: int) -> Claim:
        return Claim(chat_id, generation, self.holder())

    async def take(self, claim: Claim, kind: NotificationKind, item: str, change: str) -> bool:
        return await self.storage.deliveries.claim(
            claim, kind, item, change, now=self.clock(), lease=self.lease
        )

    async def give_back(self, claim: Claim, kind: NotificationKind, item: str, change: str) -> None:
        await self.storage.deliveries.release(claim, kind, item, change)
