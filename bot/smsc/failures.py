"""What failing answers teach: SMSC blocks an address that sends many failing requests (error 4),
for every customer of this server, and does not say how many. So failures are counted and held
back well before that, by the credentials that earn them and by the site.

- **Credentials SMSC rejected** (error 2) rest for a while: a chat whose password went stale is
  answered at once, without sending it again.
- **An account** (one set of credentials) whose requests failed several times in a window is held
  for the rest of it: one chat's mistakes, or a member sending nonsense in a loop, stay that
  chat's.
- **A site**: requests whose credentials are not known to work (a login being tried, an account
  this process has not seen answered yet) count as failures while they are in flight; once the
  window's failures come near the limit, those wait, and accounts known to work go on. Past a
  higher mark everything waits.

"No records" (error 3) is an answer, not a failure; an address block (error 4) is the gate's
(:mod:`bot.smsc.limiter`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.smsc.errors import (
    AuthenticationError,
    CredentialsRejectedError,
    FailuresHeldError,
    IpBlockedError,
    NotFoundError,
    SmscApiError,
)

# Failing answers from one site in a window past which requests not known to work wait: a third
# of what makes the sandbox block an address.
SITE_FAILURES = 10
# Past this many, every request to the site waits.
SITE_CEILING = 20
# Failing answers of one account in a window past which it is held for the rest of it.
ACCOUNT_FAILURES = 5
# Windows during which credentials SMSC rejected are not sent again.
REJECTED_FOR_WINDOWS = 5
# How long an account stays known to work after its last answered request.
TRUSTED_FOR = 60 * 60.0


@dataclass(frozen=True, slots=True)
class Failure:
    """A failing answer, as a journal keeps it: ``at`` is wall-clock time."""

    site: str
    who: str
    code: int
    at: float


@dataclass(slots=True)
class _Site:
    failures: list[float] = field(default_factory=list)
    risky: int = 0  # requests in flight whose credentials are not known to work
    # Set when one of those ends, for requests waiting for room; made only while some wait.
    freed: asyncio.Event | None = None


@dataclass(slots=True)
class _Account:
    failures: list[float] = field(default_factory=list)
    rejected_until: float = 0.0


def is_failure(error: BaseException | None) -> bool:
    """An answer SMSC counts against this server's address."""
    return isinstance(error, SmscApiError) and not isinstance(
        error, (NotFoundError, IpBlockedError)
    )


class FailureGates:
    """``who`` names credentials exactly (:class:`bot.smsc.Account` ``key``); ``site`` the SMSC
    site. ``journal`` (``failed``) keeps failures across a restart."""

    def __init__(
        self,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        site_failures: int = SITE_FAILURES,
        site_ceiling: int = SITE_CEILING,
        account_failures: int = ACCOUNT_FAILURES,
        rejected_for: float | None = None,
        journal: Callable[[Failure], None] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.window = window
        self.site_failures = site_failures
        self.site_ceiling = site_ceiling
        self.account_failures = account_failures
        self.rejected_for = REJECTED_FOR_WINDOWS * window if rejected_for is None else rejected_for
        self._clock = clock
        self._wall = wall
        self._journal = journal
        self._sites: dict[str, _Site] = {}
        self._accounts: dict[str, _Account] = {}
        self._trusted: dict[str, float] = {}

    async def admit(self, who: str, site: str, *, untried: bool) -> bool:
        """Let a request go, or raise why not. True when it counts as risky while in flight
        (hand it back to :meth:`answered`). A risky request waits while others in flight
        fill the room the site's failures leave, since each may fail."""
        while True:
            now = self._clock()
            self.check_rejected(who)
            account = self._accounts.get(who)
            if account is not None and len(_recent(account.failures, now - self.window)) >= (
                self.account_failures
            ):
                raise FailuresHeldError(account.failures[0] + self.window - now, whole_site=False)
            state = self._sites.setdefault(site, _Site())
            recent = _recent(state.failures, now - self.window)
            if len(recent) >= self.site_ceiling:
                raise FailuresHeldError(recent[0] + self.window - now, whole_site=True)
            if not untried and self._known_to_work(who, now):
                return False
            if len(recent) >= self.site_failures:
                raise FailuresHeldError(recent[0] + self.window - now, whole_site=True)
            if len(recent) + state.risky < self.site_failures:
                state.risky += 1
                return True
            if state.freed is None:
                state.freed = asyncio.Event()
            await state.freed.wait()

    def check_rejected(self, who: str) -> None:
        account = self._accounts.get(who)
        if account is not None and account.rejected_until > self._clock():
            raise CredentialsRejectedError(account.rejected_until - self._clock())

    def answered(
        self, who: str, site: str, risky: bool, error: BaseException | None, *, reached: bool
    ) -> None:
        """Learn from how a request admitted by :meth:`admit` ended; ``reached`` False when
        SMSC never answered it (nothing to learn then)."""
        state = self._sites.get(site)
        if risky and state is not None:
            state.risky -= 1
            if state.freed is not None:
                state.freed.set()
                state.freed = None
        if reached and is_failure(error):
            assert isinstance(error, SmscApiError)
            self._failed(who, site, error.code, self._clock())
            if self._journal is not None:
                self._journal(Failure(site, who, error.code, self._wall()))
        elif reached and (error is None or isinstance(error, NotFoundError)):
            # Moved to the end: the oldest answers stay first, where they are forgotten.
            self._trusted.pop(who, None)
            self._trusted[who] = self._clock()
        self._forget_idle(site, who)

    def restore(self, failures: Iterable[Failure]) -> int:
        """Take back the failures a journal kept; returns how many still count."""
        now, wall = self._clock(), self._wall()
        live = 0
        for failure in sorted(failures, key=lambda f: f.at):
            at = now - (wall - failure.at)
            if at > now - max(self.window, self.rejected_for):
                self._failed(failure.who, failure.site, failure.code, at)
                live += 1
        return live

    def _failed(self, who: str, site: str, code: int, at: float) -> None:
        self._sites.setdefault(site, _Site()).failures.append(at)
        account = self._accounts.setdefault(who, _Account())
        account.failures.append(at)
        if code == AuthenticationError.code:
            # Credentials that no longer work are not known to work: a stale chat's next
            # requests count as risky, as a login being tried does.
            self._trusted.pop(who, None)
            account.rejected_until = max(account.rejected_until, at + self.rejected_for)

    def _known_to_work(self, who: str, now: float) -> bool:
        answered_at = self._trusted.get(who)
        return answered_at is not None and now - answered_at < TRUSTED_FOR

    def _forget_idle(self, site: str, who: str) -> None:
        """Keep only what still counts: memory stays flat over thousands of accounts."""
        now = self._clock()
        horizon = now - self.window
        account = self._accounts.get(who)
        if account is not None:
            account.failures = _recent(account.failures, horizon)
            if not account.failures and account.rejected_until <= now:
                del self._accounts[who]
        state = self._sites.get(site)
        if state is not None:
            state.failures = _recent(state.failures, horizon)
            if not state.failures and not state.risky and state.freed is None:
                del self._sites[site]
        # A few of the oldest trusted accounts are looked at each time.
        for name, at in list(itertools.islice(self._trusted.items(), 2)):
            if now - at >= TRUSTED_FOR:
                del self._trusted[name]


def _recent(stamps: list[float], horizon: float) -> list[float]:
    while stamps and stamps[0] <= horizon:
        del stamps[0]
    return stamps
