"""Values behind short random tokens, for a while: what a button waits on (a confirmation) in a
store every replica can read, so that the replica that gets the press need not be the one
that asked.

A value is a JSON text with a lifetime; taking it is atomic (Redis's ``GETDEL``): of two
presses, on one replica or two, one gets the value and the other nothing. One process without
Redis keeps them in memory (:class:`LocalTokens`); a restart expires them, and an expired
button does nothing.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

V = TypeVar("V")


class SharedStateUnavailableError(Exception):
    """Redis is out of reach: nothing was kept or taken, and nothing was done."""


# What an update meets when Redis is out of reach: ours, or redis-py's own from aiogram's
# storage and its per-chat locks (taken before any handler runs).
SHARED_STATE_FAILURES: tuple[type[Exception], ...] = (SharedStateUnavailableError, RedisError)


def new_token() -> str:
    return secrets.token_urlsafe(8)


class TokenStore(Protocol):
    async def put(self, value: str, ttl: float, token: str | None = None) -> str:
        """Keep ``value`` for ``ttl`` seconds; the token that finds it (``token`` when given:
        a value taken and given back keeps the buttons that name it working)."""
        ...

    async def get(self, token: str) -> str | None:
        """The value behind ``token``, left in place; None once taken or expired."""
        ...

    async def take(self, token: str) -> str | None:
        """The value behind ``token``, gone for everyone else: at most one caller gets it."""
        ...


class Expiring(Generic[V]):
    """Values by token in this process's memory, each for its lifetime; past ``max_items``
    the oldest go first."""

    def __init__(
        self, max_items: int = 20_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max = max_items
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def put(self, token: str, value: V, ttl: float) -> None:
        self._expire()
        self._items.pop(token, None)
        self._items[token] = (self._clock() + ttl, value)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def get(self, token: str) -> V | None:
        item = self._items.get(token)
        if item is None:
            return None
        expires, value = item
        if expires < self._clock():
            del self._items[token]
            return None
        return value

    def pop(self, token: str) -> V | None:
        value = self.get(token)
        if value is not None:
            del self._items[token]
        return value

    def clear(self) -> None:
        self._items.clear()

    def _expire(self) -> None:
        now = self._clock()
        while self._items:
            token, (expires, _value) = next(iter(self._items.items()))
            if expires >= now:
                break
            del self._items[token]


class LocalTokens:
    """The tokens of one process, in memory."""

    def __init__(
        self, max_items: int = 20_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._items: Expiring[str] = Expiring(max_items, clock)

    async def put(self, value: str, ttl: float, token: str | None = None) -> str:
        token = token or new_token()
        self._items.put(token, value, ttl)
        return token

    async def get(self, token: str) -> str | None:
        return self._items.get(token)

    async def take(self, token: str) -> str | None:
        return self._items.pop(token)


class RedisTokens:
    """The tokens every replica sees: one key each, with Redis's own expiry."""

    def __init__(self, redis: Redis, *, prefix: str = "smsc-bot") -> None:
        self.redis = redis
        self._prefix = f"{prefix}:token:"

    async def put(self, value: str, ttl: float, token: str | None = None) -> str:
        token = token or new_token()
        try:
            await self.redis.set(self._prefix + token, value, px=max(1, math.ceil(ttl * 1000)))
        except (RedisError, OSError) as error:
            raise SharedStateUnavailableError(type(error).__name__) from None
        return token

    async def get(self, token: str) -> str | None:
        try:
            return _text(await self.redis.get(self._prefix + token))
        except (RedisError, OSError) as error:
            raise SharedStateUnavailableError(type(error).__name__) from None

    async def take(self, token: str) -> str | None:
        try:
            return _text(await self.redis.getdel(self._prefix + token))
        except (RedisError, OSError) as error:
            raise SharedStateUnavailableError(type(error).__name__) from None


def _text(raw: bytes | str | None) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    return raw.decode()
