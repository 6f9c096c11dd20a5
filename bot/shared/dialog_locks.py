"""aiogram's per-chat lock in Redis, taken in the same round trip as the chat's dialog state is
read (and the update claimed, :mod:`bot.shared.updates`).

aiogram's FSM middleware takes the chat's lock and then reads its dialog state, for every update
(the state is read only once the lock is held: another replica may be changing it). With
replicas each is a round trip to Redis on the way to every reply, so one script sets the lock
(``SET NX``) and, only when it is taken, reads the state and claims the arriving update; the
state is handed to the storage's first ``get_state`` of that key within the lock. The lock is
still redis-py's, as aiogram uses it (its token, lifetime, waiting and release are unchanged).
The same script reads the versions of the kept copies the chat's last update loaded
(:class:`ReadAhead`, :mod:`bot.shared.copies`), the next round trip on the way to most replies.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from typing import Any, Protocol

from aiogram.fsm.storage.base import KeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.commands.core import AsyncScript

from bot.shared.records import VERSION_TTL, KeptRecords
from bot.shared.updates import CLAIM_FUNCTION, UpdateClaims

# KEYS: the lock, the dialog state, the arriving update's claim ('' for none), the chat's record
# version ('' for none), then keys to read ahead. ARGV: the lock's token, its lifetime in ms (0:
# none), the claim's arguments, a new record version (set when there is none) and its lifetime
# (s). 0 when the lock is held by another; else the state (nil without one), the claim's answer
# (nil without a claim), what the keys to read ahead hold ('' for nothing) and the version.
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
if KEYS[3] ~= '' then claimed = claim(KEYS[3], ARGV[3], ARGV[4]) end
local version = false
if KEYS[4] ~= '' then
  version = redis.call('GET', KEYS[4])
  if not version then
    redis.call('SET', KEYS[4], ARGV[5], 'EX', ARGV[6])
    version = ARGV[5]
  end
end
local ahead = {}
for i = 5, #KEYS do ahead[i - 4] = redis.call('GET', KEYS[i]) or '' end
return {redis.call('GET', KEYS[2]) or false, claimed, ahead, version}
"""
)

# The state key and what it held when the running update's lock was taken; taken by the first
# read (a handler may change the state afterwards, and later reads ask Redis).
_read_with_lock: ContextVar[tuple[str, str | None] | None] = ContextVar(
    "smsc_bot_state_read_with_lock", default=None
)


class ReadAhead(Protocol):
    """What an update of a chat will read, read as it takes the chat's lock."""

    def keys_to_read(self, chat: str) -> list[str]: ...

    def read_ahead(
        self, chat: str, keys: Sequence[str], values: Sequence[Any]
    ) -> AbstractContextManager[None]: ...


class StateReadWithLock(RedisEventIsolation):
    """With ``claims``, the update arriving through the webhook is claimed in the same round
    trip (:meth:`bot.shared.updates.UpdateClaims.arriving_claim`), once the lock is taken; with
    ``ahead``, what the update will read is read in it too; with ``records``, the version of
    the chat's record (:mod:`bot.shared.records`)."""

    def __init__(
        self,
        redis: Redis,
        *,
        key_builder: KeyBuilder,
        claims: UpdateClaims | None = None,
        ahead: ReadAhead | None = None,
        records: KeptRecords | None = None,
    ) -> None:
        super().__init__(redis, key_builder=key_builder)
        self.claims = claims
        self.ahead = ahead
        self.records = records
        self._take = redis.register_script(_TAKE)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        state_key = self.key_builder.build(key, "state")
        key_name = self.key_builder.build(key, "lock")
        lock = _LockReadingState(
            self.redis,
            key_name,
            state_key,
            self._take,
            self.claims,
            self.ahead.keys_to_read(key_name) if self.ahead else [],
            self._version_key(key),
            self.records,
            **self.lock_kwargs,
        )
        async with lock:
            token = _read_with_lock.set((state_key, lock.state))
            ahead, records = self.ahead, self.records
            read = ahead.read_ahead(key_name, lock.ahead, lock.read) if ahead else nullcontext()
            version = (
                records.taken_with_lock(key.chat_id, lock.version, connections=lock.connections)
                if records and lock.version
                else nullcontext()
            )
            try:
                with read, version:
                    yield None
            finally:
                _read_with_lock.reset(token)

    def _version_key(self, key: StorageKey) -> str:
        """The chat's record version, for a private chat's own person's lock or a group
        member's; not for a topic's own lock or a business chat's (see
        :mod:`bot.shared.records`)."""
        whose = key.chat_id < 0 or key.chat_id == key.user_id  # a group's, or the private chat's
        kept = whose and key.thread_id is None and key.business_connection_id is None
        return self.records.version_key(key.chat_id) if self.records and kept else ""


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
        ahead: list[str],
        version_key: str,
        records: KeptRecords | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(redis, name, **kwargs)
        self.state_key = state_key
        self.take = take
        self.claims = claims
        self.ahead = ahead
        self.version_key = version_key
        self.records = records
        self.connections = 0
        self.state: str | None = None
        self.read: list[Any] = []
        self.version: bytes | str | None = None

    async def do_acquire(self, token: str | bytes) -> bool:
        claim = self.claims.arriving_claim() if self.claims else None
        keys: list[Any] = [self.name, self.state_key, claim[1] if claim else ""]
        keys += [self.version_key, *self.ahead]
        args: list[Any] = [token, int(self.timeout * 1000) if self.timeout else 0]
        args += claim[2] if claim else ["", ""]
        args += [KeptRecords.new_version(), VERSION_TTL]
        # Counted before the script goes: another Redis server reached meanwhile (restarted,
        # failed over) makes its version unused.
        self.connections = self.records.connections if self.records else 0
        taken = await self.take(keys=keys, args=args)
        if taken == 0:
            return False
        state, claimed, self.read, self.version = taken
        self.state = state.decode() if isinstance(state, bytes) else state
        if claim is not None:
            UpdateClaims.claimed(claim[0], int(claimed))
        return True
