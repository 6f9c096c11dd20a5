"""Short-lived values behind short tokens: confirmations waiting for a press, search texts,
an account's group names for a minute.

Kept in memory on purpose: a restart expires them, and an expired button does nothing.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

DEFAULT_TTL = 15 * 60

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PendingAction:
    """A destructive action that waits for an administrator's confirmation."""

    chat_id: int
    action: str
    account: str  # the SMSC identity the chat had when it was asked
    args: dict[str, Any] = field(default_factory=dict)


class Memo:
    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        max_items: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max = max_items
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def put(self, value: Any) -> str:
        self._expire()
        token = secrets.token_urlsafe(8)
        self._items[token] = (self._clock() + self._ttl, value)
        while len(self._items) > self._max:
            self._items.popitem(last=False)
        return token

    def keep(self, key: str, value: Any, ttl: float) -> None:
        """Remember ``value`` under a key of the caller's choosing, for ``ttl`` seconds."""
        self._items.pop(key, None)
        self._items[key] = (self._clock() + ttl, value)

    def forget(self, key: str) -> None:
        self._items.pop(key, None)

    def get(self, token: str, kind: type[T]) -> T | None:
        """The value behind ``token`` if it is a ``kind``: a token taken from one kind of
        button and forged into another finds nothing."""
        item = self._items.get(token)
        if item is None:
            return None
        expires, value = item
        if expires < self._clock():
            del self._items[token]
            return None
        return value if isinstance(value, kind) else None

    def pop(self, token: str, kind: type[T]) -> T | None:
        value = self.get(token, kind)
        if value is not None:
            del self._items[token]
        return value

    def _expire(self) -> None:
        now = self._clock()
        while self._items:
            token, (expires, _) = next(iter(self._items.items()))
            if expires >= now:
                break
            del self._items[token]
