"""A client-side limiter per SMSC login: request windows and concurrency.

A request reserves a slot in each of its windows before it is sent and is stamped with the time
its answer *arrived*. The provider stamps a request when it receives it, which is always earlier,
so a window measured from our stamps can never reopen before the provider's does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.smsc.errors import ClientRateLimitError
from bot.smsc.policy import MAX_CONCURRENT_PER_LOGIN


@dataclass(slots=True)
class _Window:
    limit: int
    stamps: deque[float] = field(default_factory=deque)
    pending: int = 0

    def prune(self, horizon: float) -> None:
        while self.stamps and self.stamps[0] <= horizon:
            self.stamps.popleft()

    @property
    def used(self) -> int:
        return self.pending + len(self.stamps)

    @property
    def idle(self) -> bool:
        return not self.pending and not self.stamps


class _Login:
    __slots__ = ("changed", "in_flight", "slots", "users", "windows")

    def __init__(self, max_concurrent: int) -> None:
        # Ordered by last use, so that windows gone idle are found at the front.
        self.windows: OrderedDict[Hashable, _Window] = OrderedDict()
        self.slots = asyncio.Semaphore(max_concurrent)
        self.changed = asyncio.Condition()
        self.in_flight = 0
        self.users = 0


class RateLimiter:
    """Keeps each login under the provider's per-minute and concurrency limits.

    ``window`` is one minute against the real provider; tests shorten it on both sides.
    """

    def __init__(
        self,
        window: float = 60.0,
        max_concurrent: int = MAX_CONCURRENT_PER_LOGIN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window <= 0:
            raise ValueError("the rate window must be positive")
        self.window = window
        self.max_concurrent = max_concurrent
        self._clock = clock
        self._logins: dict[str, _Login] = {}

    def in_flight(self, identity: str) -> int:
        login = self._logins.get(identity)
        return login.in_flight if login else 0

    @asynccontextmanager
    async def acquire(
        self,
        identity: str,
        rules: Sequence[tuple[Hashable, int]],
        max_wait: float | None = None,
    ) -> AsyncIterator[None]:
        """Hold a slot for one request; wait for it or raise :class:`ClientRateLimitError`.

        ``max_wait`` None waits as long as needed, 0 fails at once, a number waits up to it.
        """
        login = self._logins.get(identity)
        if login is None:
            login = self._logins[identity] = _Login(self.max_concurrent)
        login.users += 1
        try:
            windows = await self._reserve(login, rules, max_wait)
        except BaseException:
            login.users -= 1
            self._forget_idle(identity, login)
            raise
        try:
            async with login.slots:
                login.in_flight += 1
                try:
                    yield
                finally:
                    login.in_flight -= 1
        finally:
            async with login.changed:
                stamp = self._clock()
                for (key, _limit), window in zip(rules, windows, strict=True):
                    window.pending -= 1
                    window.stamps.append(stamp)
                    login.windows.move_to_end(key)
                login.changed.notify_all()
            login.users -= 1
            self._forget_idle(identity, login)

    async def _reserve(
        self, login: _Login, rules: Sequence[tuple[Hashable, int]], max_wait: float | None
    ) -> list[_Window]:
        deadline = None if max_wait is None else self._clock() + max_wait
        async with login.changed:
            while True:
                now = self._clock()
                windows = [self._window(login, key, limit, now) for key, limit in rules]
                delay = self._delay(windows, now)
                if delay == 0:
                    for window in windows:
                        window.pending += 1
                    return windows
                # Blocked only by requests still in flight: their stamps are unknown yet, so
                # the worst case is a whole window from now.
                estimate = self.window if delay is None else delay
                if deadline is not None and now + estimate > deadline:
                    raise ClientRateLimitError(estimate)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(login.changed.wait(), timeout=delay)

    def _window(self, login: _Login, key: Hashable, limit: int, now: float) -> _Window:
        window = login.windows.get(key)
        if window is None:
            window = login.windows[key] = _Window(limit)
        else:
            login.windows.move_to_end(key)
        window.prune(now - self.window)
        return window

    def _delay(self, windows: Sequence[_Window], now: float) -> float | None:
        """0 when every window has room; else seconds until they may, None if unknowable."""
        delay = 0.0
        for window in windows:
            excess = window.used - window.limit + 1
            if excess <= 0:
                continue
            if excess > len(window.stamps):
                return None
            delay = max(delay, window.stamps[excess - 1] + self.window - now)
        return delay

    def _forget_idle(self, identity: str, login: _Login) -> None:
        """Drop windows that hold nothing any more, oldest first: memory stays flat over
        thousands of logins and distinct requests, at a constant cost per request."""
        horizon = self._clock() - self.window
        windows = login.windows
        while windows:
            window = next(iter(windows.values()))
            if window.pending or (window.stamps and window.stamps[-1] > horizon):
                break
            windows.popitem(last=False)
        if not windows and not login.users:
            self._logins.pop(identity, None)
