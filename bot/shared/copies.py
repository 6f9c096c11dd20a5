"""The kept account copies (:mod:`bot.account_copies`) in Redis, seen by every replica.

A copy is one JSON value (the records as their models dump them) with a lifetime, and beside
it a version that changes with every save; a copy's reads and changes are serialised across
replicas by a Redis lock, renewed while it is held, so that a replica killed half-way leaves the
lock behind for seconds, not for a whole read. Each replica keeps the copies it last decoded by
their version: a load whose version is unchanged costs one short read, not the whole list's
JSON (a blacklist of thousands, on every card and every block).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

from bot.account_copies import Kept, M

# Copies older than SMSC's window are read again when used; one unused for this long goes.
COPY_TTL = 3600
# A lock outlives a dead holder by this much; a live one renews it every third of it.
LOCK_TTL = 15.0
# Decoded copies a replica keeps by their version; the least recently used go first.
DECODED = 1000


class RedisCopyStore:
    def __init__(self, redis: Redis, *, prefix: str = "smsc-bot", ttl: int = COPY_TTL) -> None:
        self.redis = redis
        self._prefix = f"{prefix}:copy:"
        self._ttl = ttl
        # Callers in this process wait on a local lock first: only one of them asks Redis.
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}
        self._decoded: OrderedDict[str, tuple[bytes, Kept[Any]]] = OrderedDict()

    async def load(self, key: str, model: type[M]) -> Kept[M] | None:
        data, version_key = self._prefix + key, self._prefix + key + ":v"
        known = self._decoded.get(key)
        if known is not None and _bytes(await self.redis.get(version_key)) == known[0]:
            self._decoded.move_to_end(key)
            kept: Kept[M] = known[1]
            return kept
        raw, stored = await self.redis.mget(data, version_key)
        version = _bytes(stored)
        if raw is None or version is None:
            return None
        value = json.loads(raw)
        records = tuple(model.model_validate(record) for record in value["records"])
        loaded = Kept(value["read_at"], records, value["complete"])
        self._remember(key, version, loaded)
        return loaded

    async def save(self, key: str, kept: Kept[Any]) -> None:
        value = {
            "read_at": kept.read_at,
            "complete": kept.complete,
            "records": [record.model_dump(mode="json", by_alias=True) for record in kept.records],
        }
        version = secrets.token_hex(8).encode()
        async with self.redis.pipeline(transaction=True) as both:
            both.set(self._prefix + key, json.dumps(value), ex=self._ttl)
            both.set(self._prefix + key + ":v", version, ex=self._ttl)
            await both.execute()
        self._remember(key, version, kept)

    def _remember(self, key: str, version: bytes, kept: Kept[Any]) -> None:
        self._decoded[key] = (version, kept)
        self._decoded.move_to_end(key)
        while len(self._decoded) > DECODED:
            self._decoded.popitem(last=False)

    async def drop(self, key: str) -> None:
        self._decoded.pop(key, None)
        await self.redis.delete(self._prefix + key, self._prefix + key + ":v")

    @contextlib.asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        lock, users = self._local.get(key) or (asyncio.Lock(), 0)
        self._local[key] = (lock, users + 1)
        try:
            async with lock, self._shared_lock(key):
                yield
        finally:
            lock, users = self._local[key]
            if users == 1:
                del self._local[key]
            else:
                self._local[key] = (lock, users - 1)

    @contextlib.asynccontextmanager
    async def _shared_lock(self, key: str) -> AsyncIterator[None]:
        lock = Lock(self.redis, f"{self._prefix}{key}:lock", timeout=LOCK_TTL, sleep=0.02)
        await lock.acquire()
        renewing = asyncio.create_task(_renew(lock))
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            # Lost meanwhile (Redis restarted): another holder may have it now; nothing to free.
            with contextlib.suppress(LockError, RedisError, OSError):
                await lock.release()


async def _renew(lock: Lock) -> None:
    while True:
        await asyncio.sleep(LOCK_TTL / 3)
        with contextlib.suppress(LockError, RedisError, OSError):
            await lock.reacquire()


def _bytes(raw: bytes | str | None) -> bytes | None:
    return raw.encode() if isinstance(raw, str) else raw
