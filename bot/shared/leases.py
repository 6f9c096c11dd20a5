"""A lease in Redis: a name one replica holds at a time, for a while, renewed while it lives.

A replica that stops renewing (killed, frozen, cut off from Redis) loses the lease when its
time runs out, and another takes it. Every new holder gets a larger fencing token, so that what
a holder writes elsewhere can be refused once a newer holder exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("bot.shared")

# Takes the lease when it is free or already this holder's (then only lengthens it); the value
# is "holder|token", the token counted up once per new holder.
ACQUIRE = """
local held = redis.call('GET', KEYS[1])
if held then
  local holder, token = string.match(held, '^(.*)|(%d+)$')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(token)
  end
  return false
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token
"""

RELEASE = """
local held = redis.call('GET', KEYS[1])
if held and string.match(held, '^(.*)|%d+$') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def replica_name() -> str:
    """This process among the replicas: host, pid and a random part (pids repeat in
    containers)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Lease:
    def __init__(
        self,
        redis: Redis,
        name: str,
        *,
        ttl: float,
        holder: str | None = None,
        prefix: str = "smsc-bot",
    ) -> None:
        self.redis = redis
        self.ttl = ttl
        self.holder = holder or replica_name()
        self.key = f"{prefix}:lease:{name}"
        self._fence = f"{prefix}:lease:{name}:fence"
        self._acquire = redis.register_script(ACQUIRE)
        self._release = redis.register_script(RELEASE)
        # The token of the current holding, None when not held (as far as this replica knows).
        self.token: int | None = None

    async def acquire(self) -> int | None:
        """Take or renew the lease: its fencing token, or None when another replica holds it."""
        token = await self._acquire(
            keys=[self.key, self._fence], args=[self.holder, math.ceil(self.ttl * 1000)]
        )
        self.token = int(token) if token is not None else None
        return self.token

    async def release(self) -> None:
        """Give the lease up at once (a clean stop), so the next holder need not wait."""
        self.token = None
        with contextlib.suppress(RedisError, OSError):
            await self._release(keys=[self.key], args=[self.holder])

    async def holder_now(self) -> str | None:
        held = await self.redis.get(self.key)
        if held is None:
            return None
        text = held.decode() if isinstance(held, bytes) else str(held)
        return text.rpartition("|")[0]


class Held(Protocol):
    """A lease in Redis (:class:`Lease`) or a PostgreSQL advisory lock
    (:class:`storage.advisory_lease.AdvisoryLease`)."""

    ttl: float
    key: str
    holder: str
    token: int | None

    async def acquire(self) -> int | None: ...

    async def release(self) -> None: ...

    async def holder_now(self) -> str | None: ...


class LeaseKeeper:
    """Keeps trying to hold a lease and says when it was won and when lost: every ``ttl / 3``
    seconds, so that a holder renews twice before its lease could run out.

    Unrenewed counts as lost before the lease runs out in Redis: a replica that cannot reach
    Redis must assume that another one takes over, and stop first. ``valid()`` tells a holder
    that was frozen (SIGSTOP, a long pause) that it no longer holds, before the next renewal.
    """

    def __init__(
        self,
        lease: Held,
        *,
        on_won: Callable[[int], Awaitable[None]],
        on_lost: Callable[[], Awaitable[None]],
        every: float | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lease = lease
        self.every = every if every is not None else lease.ttl / 3
        self._on_won = on_won
        self._on_lost = on_lost
        self._sleep = sleep
        self._clock = clock
        self.holding = False
        self._renewed_at = -math.inf

    def valid(self) -> bool:
        """Held, and renewed recently enough that no other replica can hold it yet."""
        return self.holding and self._clock() - self._renewed_at < self.lease.ttl - self.every

    async def step(self) -> None:
        sent_at = self._clock()
        try:
            token = await self.lease.acquire()
        except (RedisError, OSError) as error:
            log.warning(
                "lease not renewed", extra={"lease": self.lease.key, "error": type(error).__name__}
            )
            if self.holding and not self.valid():
                await self._lose()
            return
        if token is None:
            if self.holding:
                await self._lose()
            return
        self._renewed_at = sent_at
        if not self.holding:
            self.holding = True
            log.info("lease won", extra={"lease": self.lease.key, "token": token})
            try:
                await self._on_won(token)
            except Exception:
                # Not taken over (the database away for a moment, say): undone, and tried
                # again at the next step, rather than holding the lease with nothing running.
                await self._lose()
                raise

    async def _lose(self) -> None:
        self.holding = False
        log.warning("lease lost", extra={"lease": self.lease.key})
        await self._on_lost()

    async def run(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:
                # What the lease guards failed to start or stop; the next step tries again.
                log.exception("lease step failed", extra={"lease": self.lease.key})
            await self._sleep(self.every)

    async def stop(self) -> None:
        """A clean stop: what the lease guards stops first, then the lease is given up."""
        if self.holding:
            self.holding = False
            await self._on_lost()
        await self.lease.release()
