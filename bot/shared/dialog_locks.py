"""aiogram's per-chat lock in Redis, taken in the same round trip as the chat's dialog state is
read (and the update claimed, :mod:`bot.shared.updates`).

aiogram's FSM middleware takes the chat's lock and then reads its dialog state, for every update
(the state is read only once the lock is held: another replica may be changing it). With
replicas each is a round trip to Redis on the way to every reply, so one script sets the lock
(``SET NX``) and, only when it is taken, reads the state and claims the arriving update; the
state is handed to the storage's first ``get_state`` of that key within the lock. The lock is
still redis-py's, as aiogram uses it (its token, lifetime, waiting and release are unchanged).
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
from redis.commands.core import AsyncScript

from bot.shared.updates import CLAIM_FUNCTION, UpdateClaims

# KEYS: the lock, the dialog state[, the arriving update's claim]. ARGV: the lock's token, its
# lifetime in ms (0: none)[, the claim's arguments]. 0 when the lock is held by another;
# else the state (nil without one) and the claim's answer (nil without a claim).
_TAKE = (
    CLAIM_FUNCTION
    + """
local taken
if ARGV[2] == '0' then
  taken = redis.call('SET', KEYS[1], ARGV[1], 'NX')
else
  taken = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
end
if not taken then return 0 end
local claimed = false
if KEYS[3] then claimed = claim(KEYS[3], ARGV[3], ARGV[4]) end
return {redis.call('GET', KEYS[2]) or false, claimed}
"""
)

# The state key and what it held when the running update's lock was taken; taken by the first
# read (a handler may change the state afterwards, and later reads ask Redis).
_read_with_lock: ContextVar[tuple[str, str | None] | None] = ContextVar(
    "smsc_bot_state_read_with_lock", default=None
)


class StateReadWithLock(RedisEventIsolation):
    """With ``claims``, the update arriving through the webhook is claimed in the same round
    trip (:meth:`bot.shared.updates.UpdateClaims.arriving_claim`), once the lock is taken."""

    def __init__(
        self, redis: Redis, *, key_builder: KeyBuilder, claims: UpdateClaims | None = None
    ) -> None:
        super().__init__(redis, key_builder=key_builder)
        self.claims = claims
        self._take = redis.register_script(_TAKE)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        state_key = self.key_builder.build(key, "state")
        lock = _LockReadingState(
            self.redis,
            self.key_builder.build(key, "lock"),
            state_key,
            self._take,
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
        take: AsyncScript,
        claims: UpdateClaims | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(redis, name, **kwargs)
        self.state_key = state_key
        self.take = take
        self.claims = claims
        self.state: str | None = None

    async def do_acquire(self, token: str | bytes) -> bool:
        keys: list[Any] = [self.name, self.state_key]
        args: list[Any] = [token, int(self.timeout * 1000) if self.timeout else 0]
        claim = self.claims.arriving_claim() if self.claims else None
        if claim is not None:
            keys.append(claim[1])
            args += claim[2]
        taken = await self.take(keys=keys, args=args)
        if taken == 0:
            return False
        state, claimed = taken
        self.state = state.decode() if isinstance(state, bytes) else state
        if claim is not None:
            UpdateClaims.claimed(claim[0], int(claimed))
        return True
