"""A client-side limiter per SMSC account: request windows, concurrency, and what SMSC's own
answers teach it.

A request reserves a slot in each of its windows before it is sent and is stamped with the time
its answer *arrived*. The provider stamps a request when it receives it, which is always earlier,
so a window measured from our stamps can never reopen before the provider's does.

The provider's answers are information about its own counters, and are fed back:

- **error 9** on a request means its windows are full: they are filled for a whole window from
  now, so no identical request goes out again within it, and the account's concurrency drops
  to half for a while (error 9 also answers too many concurrent connections);
- **error 4** blocks the *address* of this server, whatever the login: every account on that
  SMSC site is held back for a back-off, then one request probes; another error 4 doubles the
  back-off, any other answer lifts the block;
- **failing answers** (a wrong password among them) bring the address nearer to an error 4:
  they are counted and held back well before it (:mod:`bot.smsc.failures`).

Windows and concurrency are kept per SMSC login, as SMSC counts them (``bucket``); what
failures teach is kept per set of credentials (``who``), so that nothing here lets one chat's
wrong password cost another chat's account anything.

A journal (the database, in the bot) keeps the stamps of the last window and the address
blocks, so that a restart does not forget them: see :meth:`RateLimiter.restore`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol

from bot.smsc.errors import (
    AddressBlockedError,
    ClientRateLimitError,
    IpBlockedError,
    RateLimitError,
    SmscApiError,
)
from bot.smsc.failures import Failure, FailureGates
from bot.smsc.policy import MAX_CONCURRENT_PER_LOGIN

# The first back-off after an error 4; each error 4 on a probe doubles it, up to the maximum.
DEFAULT_ADDRESS_BACKOFF = 10 * 60.0
MAX_ADDRESS_BACKOFF = 60 * 60.0
# While one request probes a blocked address, the others are told to come back this much later.
PROBE_RETRY = 60.0

Rules = Sequence[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class Stamp:
    """One request counted in a window: ``at`` is wall-clock time (seconds since the epoch)."""

    bucket: str
    rule: str
    limit: int
    at: float


@dataclass(frozen=True, slots=True)
class AddressBlock:
    """An SMSC site that blocked this server's address until ``until`` (wall-clock time)."""

    site: str
    until: float
    backoff: float


class LimiterJournal(Protocol):
    """Where the limiter writes what must survive a restart. Called synchronously, so an
    implementation buffers and writes later."""

    def stamped(self, stamp: Stamp) -> None: ...

    def address(self, block: AddressBlock) -> None: ...

    def failed(self, failure: Failure) -> None: ...


@dataclass(slots=True)
class _Window:
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


class _Login:
    __slots__ = ("active", "cap", "cap_until", "changed", "users", "waiting", "windows")

    def __init__(self, max_concurrent: int) -> None:
        # Ordered by last use (a use moves a window to the end), so that windows gone idle
        # are found at the front. A plain dict: an OrderedDict is larger, at thousands of
        # accounts swept at once.
        self.windows: dict[str, _Window] = {}
        # Only while someone waits: most requests find a slot at once, and a condition with
        # its queue per account adds up over thousands swept together.
        self.changed: asyncio.Condition | None = None
        self.waiting = 0
        self.active = 0  # holding a concurrency slot: reserved or in flight
        self.users = 0
        self.cap = max_concurrent
        self.cap_until = 0.0


def _to_end(windows: dict[str, _Window], key: str) -> None:
    windows[key] = windows.pop(key)


def _held(login: _Login, windows: list[_Window]) -> list[_Window]:
    for window in windows:
        window.pending += 1
    login.active += 1
    return windows


@dataclass(slots=True)
class _Gate:
    until: float = 0.0
    backoff: float = 0.0
    probing: bool = False


class RateLimiter:
    """Keeps each account under the provider's per-minute and concurrency limits.

    ``window`` is one minute against the real provider; tests shorten it on both sides.
    ``clock`` measures intervals; ``wall`` is only for what the journal keeps across restarts.
    """

    def __init__(
        self,
        window: float = 60.0,
        max_concurrent: int = MAX_CONCURRENT_PER_LOGIN,
        clock: Callable[[], float] = time.monotonic,
        *,
        wall: Callable[[], float] = time.time,
        journal: LimiterJournal | None = None,
        address_backoff: float = DEFAULT_ADDRESS_BACKOFF,
        reduced_for: float | None = None,
        failures: FailureGates | None = None,
    ) -> None:
        if window <= 0:
            raise ValueError("the rate window must be positive")
        self.window = window
        self.max_concurrent = max_concurrent
        self.address_backoff = address_backoff
        self.reduced_for = 5 * window if reduced_for is None else reduced_for
        self.failures = failures or FailureGates(
            window, clock, journal=journal.failed if journal else None, wall=wall
        )
        self.journal = journal
        self._clock = clock
        self._wall = wall
        self._logins: dict[str, _Login] = {}
        self._gates: dict[str, _Gate] = {}

    def in_flight(self, bucket: str) -> int:
        login = self._logins.get(bucket)
        return login.active if login else 0

    def concurrency(self, bucket: str) -> int:
        """The account's concurrency cap now (lower for a while after an error 9)."""
        login = self._logins.get(bucket)
        return self._cap(login, self._clock()) if login else self.max_concurrent

    def address_blocked_for(self, site: str) -> float:
        """Seconds until requests to ``site`` may go out again; 0 when they may."""
        gate = self._gates.get(site)
        return max(0.0, gate.until - self._clock()) if gate else 0.0

    # -- restart ------------------------------------------------------------------------------

    def restore(
        self,
        stamps: Iterable[Stamp],
        blocks: Iterable[AddressBlock] = (),
        failures: Iterable[Failure] = (),
    ) -> int:
        """Take back the windows, blocks and failures a journal kept; returns how many stamps
        were live."""
        self.failures.restore(failures)
        now, wall = self._clock(), self._wall()
        live = 0
        for stamp in sorted(stamps, key=lambda s: s.at):
            at = now - (wall - stamp.at)
            if at <= now - self.window:
                continue
            login = self._login(stamp.bucket)
            window = login.windows.get(stamp.rule)
            if window is None:
                window = login.windows[stamp.rule] = _Window(stamp.limit)
            window.stamps.append(at)
            live += 1
        for block in blocks:
            if block.until > wall:
                self._gates[block.site] = _Gate(now + (block.until - wall), block.backoff)
        return live

    # -- one request --------------------------------------------------------------------------

    def acquire(
        self,
        bucket: str,
        rules: Rules,
        max_wait: float | None = None,
        *,
        site: str | None = None,
        who: str | None = None,
        untried: bool = False,
    ) -> AbstractAsyncContextManager[None]:
        """Hold a slot for one request; wait for it or raise :class:`ClientRateLimitError`.

        ``max_wait`` None waits as long as needed, 0 fails at once, a number waits up to it.
        The answer is read inside the block, so that an error 9, 4 or any failure teaches the
        limiter. ``bucket`` names the login whose windows the request counts in; ``site`` the
        SMSC site, whose block (error 4) applies to every account on it; ``who`` the exact
        credentials, whose failures are theirs (the bucket when not given). ``untried`` marks
        credentials SMSC has not accepted yet (a login being checked).
        """
        return _Slot(self, bucket, rules, max_wait, site or "", who or bucket, untried)

    def _login(self, bucket: str) -> _Login:
        login = self._logins.get(bucket)
        if login is None:
            login = self._logins[bucket] = _Login(self.max_concurrent)
        return login

    async def _reserve(self, login: _Login, rules: Rules, max_wait: float | None) -> list[_Window]:
        if not login.waiting:  # nobody queued ahead: take a free slot without the condition
            windows = self._take(login, rules, self._clock())
            if windows is not None:
                return windows
        if login.changed is None:
            login.changed = asyncio.Condition()
        login.waiting += 1
        try:
            return await self._wait_for_slot(login, login.changed, rules, max_wait)
        finally:
            login.waiting -= 1
            if not login.waiting:
                login.changed = None

    def _take(self, login: _Login, rules: Rules, now: float) -> list[_Window] | None:
        windows = [self._window(login, key, limit, now) for key, limit in rules]
        if self._delay(windows, now) == 0 and login.active < self._cap(login, now):
            return _held(login, windows)
        return None

    async def _wait_for_slot(
        self, login: _Login, changed: asyncio.Condition, rules: Rules, max_wait: float | None
    ) -> list[_Window]:
        deadline = None if max_wait is None else self._clock() + max_wait
        async with changed:
            while True:
                now = self._clock()
                windows = [self._window(login, key, limit, now) for key, limit in rules]
                delay = self._delay(windows, now)
                if delay == 0 and login.active < self._cap(login, now):
                    return _held(login, windows)
                if delay == 0:
                    # Only the concurrency cap holds it: a slot frees when any request ends.
                    estimate, timeout = 1.0, None
                else:
                    # Blocked by requests still in flight, their stamps unknown yet: the worst
                    # case is a whole window from now.
                    estimate = self.window if delay is None else delay
                    timeout = delay
                if deadline is not None:
                    if delay != 0 and now + estimate > deadline:
                        raise ClientRateLimitError(estimate)
                    if deadline <= now:
                        raise ClientRateLimitError(estimate)
                    timeout = deadline - now if timeout is None else min(timeout, deadline - now)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), timeout=timeout)

    def _cap(self, login: _Login, now: float) -> int:
        if login.cap_until and login.cap_until <= now:
            login.cap, login.cap_until = self.max_concurrent, 0.0
        return login.cap

    def _window(self, login: _Login, key: str, limit: int, now: float) -> _Window:
        window = login.windows.get(key)
        if window is None:
            window = login.windows[key] = _Window(limit)
        else:
            _to_end(login.windows, key)
            window.limit = limit
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

    def _refused(self, bucket: str, login: _Login, rules: Rules, windows: list[_Window]) -> None:
        """SMSC answered error 9: its window is full, whatever ours said; and it may have been
        the concurrency, so fewer requests go out at once for a while."""
        now = self._clock()
        for (key, limit), window in zip(rules, windows, strict=True):
            missing = limit - len(window.stamps) - 1  # this request's own stamp comes next
            for _ in range(max(0, missing)):
                window.stamps.append(now)
                if self.journal is not None:
                    self.journal.stamped(Stamp(bucket, key, limit, self._wall()))
        login.cap = max(1, self._cap(login, now) // 2)
        login.cap_until = now + self.reduced_for

    def _journal_stamps(self, bucket: str, rules: Rules, stamp: float) -> None:
        if self.journal is None:
            return
        at = self._wall() - (self._clock() - stamp)
        for key, limit in rules:
            self.journal.stamped(Stamp(bucket, key, limit, at))

    def _forget_idle(self, bucket: str, login: _Login) -> None:
        """Drop windows that hold nothing any more, oldest first: memory stays flat over
        thousands of accounts and distinct requests, at a constant cost per request."""
        now = self._clock()
        horizon = now - self.window
        windows = login.windows
        while windows:
            window = next(iter(windows.values()))
            if window.pending or (window.stamps and window.stamps[-1] > horizon):
                break
            del windows[next(iter(windows))]
        if not windows and not login.users and login.cap_until <= now:
            self._logins.pop(bucket, None)

    # -- the address --------------------------------------------------------------------------

    def _pass_gate(self, site: str | None) -> bool:
        """Raise if ``site`` is blocked; True if this request is the one that probes it."""
        if site is None:
            return False
        gate = self._gates.get(site)
        if gate is None:
            return False
        now = self._clock()
        if gate.until > now:
            raise AddressBlockedError(gate.until - now)
        if gate.probing:
            raise AddressBlockedError(PROBE_RETRY)
        gate.probing = True
        return True

    def _end_probe(self, site: str | None, *, lift: bool = False) -> None:
        gate = self._gates.get(site or "")
        if gate is None:
            return
        gate.probing = False
        if lift:
            del self._gates[site or ""]
            if self.journal is not None:
                self.journal.address(AddressBlock(site or "", 0.0, 0.0))

    def _block(self, site: str) -> float:
        """SMSC answered error 4: hold every account on ``site`` back; returns the back-off."""
        now = self._clock()
        gate = self._gates.get(site)
        if gate is not None and gate.until > now:
            return gate.until - now  # already blocked: a request sent before the block
        backoff = self.address_backoff
        if gate is not None and gate.backoff:
            backoff = min(MAX_ADDRESS_BACKOFF, max(self.address_backoff, gate.backoff * 2))
        self._gates[site] = _Gate(now + backoff, backoff)
        if self.journal is not None:
            self.journal.address(AddressBlock(site, self._wall() + backoff, backoff))
        return backoff


class _Slot(AbstractAsyncContextManager[None]):
    """One request's hold on its account's windows (see :meth:`RateLimiter.acquire`). A class
    rather than a generator: entered once per request, thousands of times a sweep."""

    __slots__ = (
        "_bucket",
        "_limiter",
        "_login",
        "_max_wait",
        "_probe",
        "_risky",
        "_rules",
        "_site",
        "_untried",
        "_who",
        "_windows",
    )

    def __init__(
        self,
        limiter: RateLimiter,
        bucket: str,
        rules: Rules,
        max_wait: float | None,
        site: str,
        who: str,
        untried: bool,
    ) -> None:
        self._limiter = limiter
        self._bucket = bucket
        self._rules = rules
        self._max_wait = max_wait
        self._site = site
        self._who = who
        self._untried = untried
        self._probe = False
        self._risky = False
        self._windows: list[_Window] = []

    async def __aenter__(self) -> None:
        limiter = self._limiter
        self._risky = await limiter.failures.admit(self._who, self._site, untried=self._untried)
        try:
            self._probe = limiter._pass_gate(self._site)
        except BaseException:
            limiter.failures.answered(self._who, self._site, self._risky, None, reached=False)
            raise
        login = self._login = limiter._login(self._bucket)
        login.users += 1
        try:
            self._windows = await limiter._reserve(login, self._rules, self._max_wait)
            # Rejected while this one waited for its slot: not sent after all.
            limiter.failures.check_rejected(self._who)
        except BaseException:
            if self._windows:
                await _release(login, self._windows)
            login.users -= 1
            limiter._forget_idle(self._bucket, login)
            limiter.failures.answered(self._who, self._site, self._risky, None, reached=False)
            if self._probe:
                limiter._end_probe(self._site)
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        limiter, login, rules, site = self._limiter, self._login, self._rules, self._site
        probe, answered = self._probe, True
        try:
            if isinstance(error, RateLimitError):
                limiter._refused(self._bucket, login, rules, self._windows)
                error.retry_after = math.ceil(limiter.window)
            elif isinstance(error, IpBlockedError):
                error.retry_after = math.ceil(limiter._block(site))
                probe = False
            elif error is not None and not isinstance(error, SmscApiError):
                # No answer from SMSC (or not one this request can vouch for): a probe says
                # nothing.
                answered = False
        finally:
            stamp = limiter._clock()
            for (key, _limit), window in zip(rules, self._windows, strict=True):
                window.pending -= 1
                window.stamps.append(stamp)
                _to_end(login.windows, key)
            login.active -= 1
            if (changed := login.changed) is not None:
                async with changed:
                    changed.notify_all()
            limiter._journal_stamps(self._bucket, rules, stamp)
            login.users -= 1
            limiter._forget_idle(self._bucket, login)
            limiter.failures.answered(self._who, site, self._risky, error, reached=answered)
            if probe:
                limiter._end_probe(site, lift=answered)


async def _release(login: _Login, windows: list[_Window]) -> None:
    """Give back a slot reserved for a request that is not sent after all."""
    for window in windows:
        window.pending -= 1
    login.active -= 1
    if (changed := login.changed) is not None:
        async with changed:
            changed.notify_all()
