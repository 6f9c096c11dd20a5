"""A small bounded map, least recently used first out, for rows read on every update.

Storage keeps rows here only for a database no other process writes: with several replicas on
one database a row kept here would go stale the moment another replica changes it, so storage's
maps are then switched off. (Replicas keep chat records in one too, each checked against a
version in Redis before it is used: :mod:`bot.shared.records`.)
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_MISSING = object()


class Recent(Generic[K, V]):
    def __init__(self, capacity: int = 50_000, *, enabled: bool = True) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._capacity = capacity if enabled else 0

    def get(self, key: K) -> V | object:
        """The cached value, or :data:`MISSING` when nothing is cached for ``key``."""
        value = self._items.get(key, _MISSING)
        if value is not _MISSING:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if not self._capacity:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self._capacity:
            self._items.popitem(last=False)

    def forget(self, *keys: K) -> None:
        for key in keys:
            self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()


MISSING = _MISSING
