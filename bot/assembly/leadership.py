"""Which replica runs what only one may run: the watcher's scheduler, and polling.

Alone (no ``REDIS_URL``) the process runs both. Among replicas, the watcher runs in the one
holding its lease: a replica that loses the lease stops its scheduler and sends nothing more;
the next holder spreads the chats over its first interval instead of polling them all at once.
Polling takes a lease too, so that a second polling replica is refused at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from redis.exceptions import RedisError

from bot.shared.leases import Held, Lease, LeaseKeeper
from bot.startup import StartupError
from bot.watcher import Watcher, start_scheduler

log = logging.getLogger("bot.assembly.leadership")


class WatchLeadership:
    def __init__(self, lease: Held | None) -> None:
        self.lease = lease
        self.keeper: LeaseKeeper | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self._watcher: Watcher | None = None
        self._task: asyncio.Task[None] | None = None

    def leading(self) -> bool:
        """Whether this process may sweep and send now."""
        return self.lease is None or (self.keeper is not None and self.keeper.valid())

    def holder(self) -> str:
        """Who claims deliveries: this replica in its current term as the watcher."""
        if self.lease is None:
            return "local"
        return f"{self.lease.holder}|{self.lease.token}"

    def start(self, watcher: Watcher) -> None:
        self._watcher = watcher
        if self.lease is None:
            self.scheduler = start_scheduler(watcher)
            return
        self.keeper = LeaseKeeper(self.lease, on_won=self._won, on_lost=self._lost)
        self._task = asyncio.create_task(self.keeper.run())

    async def _won(self, _token: int) -> None:
        assert self._watcher is not None
        await self._watcher.take_over()
        self.scheduler = start_scheduler(self._watcher)

    async def _lost(self) -> None:
        # The sweep under way first: a send already on its way is recorded (its claim still
        # holds), and nothing new is sent. Stopping the scheduler would cancel it mid-send.
        if self._watcher is not None:
            await self._watcher.step_down()
        self._stop_scheduler()

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None

    async def stop(self) -> None:
        """No sweep starts after this, the sweep under way ends (its sends recorded), and the
        lease goes at once, so that the next replica need not wait for it to run out. The
        keeper goes first: left running while the sweep ends, it could win the lease again
        and start a new one in a replica that is shutting down."""
        await _cancel(self._task)
        self._task = None
        if self._watcher is not None:
            await self._watcher.stop()
        self._stop_scheduler()
        if self.keeper is not None:
            self.keeper.holding = False
        if self.lease is not None:
            await self.lease.release()


class PollingLease:
    """Telegram hands each update to one getUpdates caller: a second polling replica would
    take updates from the first, and neither would see them all."""

    def __init__(self, lease: Lease, stop_polling: Callable[[], Awaitable[None]]) -> None:
        self.lease = lease
        self._stop_polling = stop_polling
        self._task: asyncio.Task[None] | None = None

    async def take(self) -> None:
        if await self.lease.acquire() is None:
            raise StartupError(
                "another replica is already polling this bot; run replicas with --webhook"
            )
        keeper = LeaseKeeper(self.lease, on_won=_nothing, on_lost=self._lost)
        keeper.holding = True
        self._task = asyncio.create_task(keeper.run())

    async def _lost(self) -> None:
        # Unrenewed only (Redis away): polling goes on, and takes the lease back when it can.
        try:
            holder = await self.lease.holder_now()
        except (RedisError, OSError):
            return
        if holder is not None and holder != self.lease.holder:
            log.error("another replica took polling over; stopping")
            await self._stop_polling()

    async def stop(self) -> None:
        await _cancel(self._task)
        self._task = None
        await self.lease.release()


async def _nothing(_token: int) -> None:
    """Held from the start."""


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
