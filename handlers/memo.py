"""Short-lived values behind short tokens: confirmations waiting for a press, search texts.

Kept in memory on purpose: a restart expires them, and an expired button does nothing.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TTL = 15 * 60


@dataclass(frozen=True, slots=True)
class PendingAction:
    """A destructive action that waits for an administrator's confirmation."""

    chat_id: int
    requested_by: int
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

    def get(self, token: str) -> Any | None:
        item = self._items.get(token)
        if item is None:
            return None
        expires, value = item
        if expires < self._clock():
            del self._items[token]
            return None
        return value

    def pop(self, token: str) -> Any | None:
        value = self.get(token)
        self._items.pop(token, None)
        return value

    def _expire(self) -> None:
        now = self._clock()
        while self._items:
            token, (expires, _) = next(iter(self._items.items()))
            if expires >= now:
                break
            del self._items[token]
