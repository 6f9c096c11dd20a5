"""aiogram's per-chat lock in Redis, taken in the same round trip as the chat's dialog state is
read (and the update claimed, :mod:`bot.shared.updates`).

aiogram's FSM middleware takes the chat's lock and then reads its dialog state, for every update
(the state is read only once the lock is held: another replica may be changing it). With
replicas each is a round trip to Redis on the way to every reply, so the lock's ``SET NX`` and
the state's ``GET`` go together, in that order, and the state read is handed to the storage's
first ``get_state`` of that key within the lock. The lock itself is aiogram's and redis-py's
(its token, lifetime, waiting and release are unchanged).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.storage.base import KeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.asyncio import Redis
from redis.asyncio.lock import Lock

from bot.shared.updates import UpdateClaims

# The state key and what it held when the running update's lock was taken; taken by the first
# read (a handler may change the state afterwards, and later reads ask Redis).
_read_with_lock: ContextVar[tuple[str, str | None] | None] = ContextVar(
    "smsc_bot_state_read_with_lock", default=None
)


class StateReadWithLock(RedisEventIsolation):
    """With ``claims``, the update arriving through the webhook is claimed in the same round
    trip (:meth:`bot.shared.updates.UpdateClaims.claim_with`)."""

    def __init__(
        self, redis: Redis, *, key_builder: KeyBuilder, claims: UpdateClaims | None = None
    ) -> None:
        super().__init__(redis, key_builder=key_builder)
        self.claims = claims

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        state_key = self.key_builder.build(key, "state")
        lock = _LockReadingState(
            self.redis,
            self.key_builder.build(key, "lock"),
            state_key,
            self.claims,
            **self.lock_kwargs,
        )
        async with lock:
            token = _read_with_lock.set((state_key, lock.state))
            try:
                yield None
            finally:
                _read_with_lock.reset(token)


def state_read_with_lock(state_key: str) -> tuple[bool, str | None]:
    """(True, the state) the first time the state under ``state_key`` is asked for within the
    lock that read it; (False, None) otherwise."""
    held = _read_with_lock.get()
    if held is None or held[0] != state_key:
        return False, None
    _read_with_lock.set(None)
    return True, held[1]


class _LockReadingState(Lock):
    def __init__(
        self,
        redis: Redis,
        name: str,
        state_key: str,
        claims: UpdateClaims | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(redis, name, **kwargs)
        self.state_key = state_key
        self.claims = claims
        self.state: str | None = None

    async def do_acquire(self, token: str | bytes) -> bool:
        lifetime = int(self.timeout * 1000) if self.timeout else None
        async with self.redis.pipeline(transaction=False) as together:
            together.set(self.name, token, nx=True, px=lifetime)
            together.get(self.state_key)
            update_id = self.claims.claim_with(together) if self.claims else None
            acquired, state, *claimed = await together.execute(raise_on_error=False)
        for answer in (acquired, state):
            if isinstance(answer, Exception):
                raise answer
        if update_id is not None:
            UpdateClaims.claimed(update_id, claimed[0])
        if not acquired:
            return False
        self.state = state.decode() if isinstance(state, bytes) else state
        return True
