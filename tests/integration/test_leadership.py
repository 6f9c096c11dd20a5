"""The watcher's leadership as a replica shuts down: the sweep under way ends before the lease
goes, and a replica on its way out never wins the lease again (on the machine's Redis; skipped
with one line where there is none)."""

from __future__ import annotations

import asyncio
from typing import cast

from redis.asyncio import Redis

from bot.assembly.leadership import WatchLeadership
from bot.shared.leases import Lease
from bot.watcher import Watcher
from tests.redis_service import redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]


class SlowToStop:
    """Stands for the watcher: its stop waits, as a sweep's last sends are recorded, until
    the test lets it go."""

    def __init__(self) -> None:
        self.took_over = 0
        self.stops = 0
        self.stopping = asyncio.Event()
        self.finish = asyncio.Event()

    async def take_over(self) -> None:
        self.took_over += 1

    async def step_down(self) -> None:
        # What losing the lease does: the sends under way are recorded, however long.
        await self.stop()

    async def stop(self) -> None:
        self.stops += 1
        self.stopping.set()
        if self.stops > 1:
            await self.finish.wait()


async def test_a_replica_shutting_down_does_not_win_the_lease_back(
    redis_client: Redis, redis_prefix: str
) -> None:
    lease = Lease(redis_client, "watcher", ttl=0.3, holder="leaving", prefix=redis_prefix)
    watcher = SlowToStop()
    leadership = WatchLeadership(lease)
    leadership.start(cast(Watcher, watcher))
    try:
        for _ in range(400):
            if watcher.took_over:
                break
            await asyncio.sleep(0.01)
        assert watcher.took_over == 1
        # Another replica takes the lease over (this one froze, say): this one stops leading.
        await redis_client.set(lease.key, "other|99", px=60_000)
        await asyncio.wait_for(watcher.stopping.wait(), timeout=10)
        watcher.stopping.clear()
        # While this replica is still stopping the sweep it was told to stop, SIGTERM comes,
        # and the lease comes free.
        shutting_down = asyncio.create_task(leadership.stop())
        await asyncio.wait_for(watcher.stopping.wait(), timeout=10)
        await redis_client.delete(lease.key)
        # Ten of the keeper's intervals: a keeper left running would have taken it by now.
        await asyncio.sleep(1.0)
        assert not await redis_client.exists(lease.key)
        watcher.finish.set()
        await shutting_down
        assert watcher.took_over == 1
        assert leadership.scheduler is None
    finally:
        watcher.finish.set()
        await leadership.stop()
