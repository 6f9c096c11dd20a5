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
from types import TracebackType

from bot.smsc.address_gate import DEFAULT_ADDRESS_BACKOFF, AddressBlock, AddressGate
from bot.smsc.errors import (
    ClientRateLimitError,
    IpBlockedError,
    RateLimitError,
    SmscApiError,
)
from bot.smsc.failures import Failure, FailureGates
from bot.smsc.limits import Limiter, LimiterJournal, Rules, Stamp
from bot.smsc.policy import MAX_CONCURRENT_PER_LOGIN
from bot.smsc.windows import LoginState, Window, held, to_end

__all__ = ["Limiter", "LimiterJournal", "RateLimiter", "Rules", "Stamp"]


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
        self.reduced_for = 5 * window if reduced_for is None else reduced_for
        self.failures = failures or FailureGates(
            window, clock, journal=journal.failed if journal else None, wall=wall
        )
        self.journal = journal
        self._clock = clock
        self._wall = wall
        self._logins: dict[str, LoginState] = {}
        self.gate = AddressGate(
            clock, wall=wall, backoff=address_backoff, journal=journal.address if journal else None
        )

    def in_flight(self, bucket: str) -> int:
        login = self._logins.get(bucket)
        return login.active if login else 0

    def concurrency(self, bucket: str) -> int:
        """The account's concurrency cap now (lower for a while after an error 9)."""
        login = self._logins.get(bucket)
        return self._cap(login, self._clock()) if login else self.max_concurrent

    def address_blocked_for(self, site: str) -> float:
        """Seconds until requests to ``site`` may go out again; 0 when they may."""
        return self.gate.blocked_for(site)

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
                window = login.windows[stamp.rule] = Window(stamp.limit)
            window.stamps.append(at)
            live += 1
        self.gate.restore(blocks)
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

    def _login(self, bucket: str) -> LoginState:
        login = self._logins.get(bucket)
        if login is None:
            login = self._logins[bucket] = LoginState(self.max_concurrent)
        return login

    async def _reserve(
        self, login: LoginState, rules: Rules, max_wait: float | None
    ) -> list[Window]:
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

    def _take(self, login: LoginState, rules: Rules, now: float) -> list[Window] | None:
        windows = [self._window(login, key, limit, now) for key, limit in rules]
        if self._delay(windows, now) == 0 and login.active < self._cap(login, now):
            return held(login, windows)
        return None

    async def _wait_for_slot(
        self, login: LoginState, changed: asyncio.Condition, rules: Rules, max_wait: float | None
    ) -> list[Window]:
        deadline = None if max_wait is None else self._clock() + max_wait
        async with changed:
            while True:
                now = self._clock()
                windows = [self._window(login, key, limit, now) for key, limit in rules]
                delay = self._delay(windows, now)
                if delay == 0 and login.active < self._cap(login, now):
                    return held(login, windows)
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

    def _cap(self, login: LoginState, now: float) -> int:
        if login.cap_until and login.cap_until <= now:
            login.cap, login.cap_until = self.max_concurrent, 0.0
        return login.cap

    def _window(self, login: LoginState, key: str, limit: int, now: float) -> Window:
        window = login.windows.get(key)
        if window is None:
            window = login.windows[key] = Window(limit)
        else:
            to_end(login.windows, key)
            window.limit = limit
        window.prune(now - self.window)
        return window

    def _delay(self, windows: Sequence[Window], now: float) -> float | None:
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

    def _refused(self, bucket: str, login: LoginState, rules: Rules, windows: list[Window]) -> None:
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

    def _forget_idle(self, bucket: str, login: LoginState) -> None:
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
        self._windows: list[Window] = []

    async def __aenter__(self) -> None:
        limiter = self._limiter
        self._risky = await limiter.failures.admit(self._who, self._site, untried=self._untried)
        try:
            self._probe = limiter.gate.enter(self._site)
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
                limiter.gate.probed(self._site, answered=False)
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
                error.retry_after = math.ceil(limiter.gate.blocked(site))
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
                to_end(login.windows, key)
            login.active -= 1
            if (changed := login.changed) is not None:
                async with changed:
                    changed.notify_all()
            limiter._journal_stamps(self._bucket, rules, stamp)
            login.users -= 1
            limiter._forget_idle(self._bucket, login)
            limiter.failures.answered(self._who, site, self._risky, error, reached=answered)
            if probe:
                limiter.gate.probed(site, answered=answered)


async def _release(login: LoginState, windows: list[Window]) -> None:
    """Give back a slot reserved for a request that is not sent after all."""
    for window in windows:
        window.pending -= 1
    login.active -= 1
    if (changed := login.changed) is not None:
        async with changed:
            changed.notify_all()
