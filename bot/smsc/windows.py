"""One login's state in the limiter: a window of stamps per rule, and its concurrency."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass(slots=True)
class Window:
    limit: int
    # A list, not a deque: a window holds a few stamps (its limit is 1 to 10), and an empty
    # deque is many times the size of an empty list, at thousands of accounts swept at once.
    stamps: list[float] = field(default_factory=list)
    pending: int = 0

    def prune(self, horizon: float) -> None:
        stamps = self.stamps
        old = 0
        while old < len(stamps) and stamps[old] <= horizon:
            old += 1
        if old:
            del stamps[:old]

    @property
    def used(self) -> int:
        return self.pending + len(self.stamps)


class LoginState:
    __slots__ = ("active", "cap", "cap_until", "changed", "users", "waiting", "windows")

    def __init__(self, max_concurrent: int) -> None:
        # Ordered by last use (a use moves a window to the end), so that windows gone idle
        # are found at the front. A plain dict: an OrderedDict is larger, at thousands of
        # accounts swept at once.
        self.windows: dict[str, Window] = {}
        # Only while someone waits: most requests find a slot at once, and a condition with
        # its queue per account adds up over thousands swept together.
        self.changed: asyncio.Condition | None = None
        self.waiting = 0
        self.active = 0  # holding a concurrency slot: reserved or in flight
        self.users = 0
        self.cap = max_concurrent
        self.cap_until = 0.0


def to_end(windows: dict[str, Window], key: str) -> None:
    windows[key] = windows.pop(key)


def held(login: LoginState, windows: list[Window]) -> list[Window]:
    for window in windows:
        window.pending += 1
    login.active += 1
    return windows
