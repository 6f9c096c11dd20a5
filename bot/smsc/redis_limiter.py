"""The limiter shared by every replica, in Redis: SMSC counts per login whichever replica sends.

Each reservation is one atomic script over a sorted set per window, on Redis's clock: reserved
before the request is sent, stamped when its answer comes (:mod:`bot.smsc.redis_scripts`). The
concurrency per login, the halved cap after an error 9, the address block after an error 4 and
what failing answers teach (:mod:`bot.smsc.failures`) are keys with lifetimes.

Redis unreachable means no limit can be checked, and then nothing is sent: a command is told at
once that SMSC is unavailable for a moment, and the watcher skips the sweep
(:class:`LimiterUnavailableError`). Redis restarted without persistence has forgotten the last
window: the windows the database kept (``journal`` and ``recent``) are put back before any
request goes out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.smsc import redis_scripts as scripts
from bot.smsc.address_gate import (
    DEFAULT_ADDRESS_BACKOFF,
    MAX_ADDRESS_BACKOFF,
    PROBE_RETRY,
    AddressBlock,
)
from bot.smsc.errors import (
    AddressBlockedError,
    ClientRateLimitError,
    CredentialsRejectedError,
    FailuresHeldError,
    IpBlockedError,
    LimiterUnavailableError,
    RateLimitError,
    SmscApiError,
)
from bot.smsc.failures import (
    ACCOUNT_FAILURES,
    REJECTED_FOR_WINDOWS,
    SITE_CEILING,
    SITE_FAILURES,
    TRUSTED_FOR,
    is_failure,
)
from bot.smsc.limiter import LimiterJournal, Rules, Stamp
from bot.smsc.policy import MAX_CONCURRENT_PER_LOGIN

log = logging.getLogger("bot.smsc")

# How often a request waiting for room (the concurrency cap, risky requests in flight) asks
# again: Redis cannot wake it.
POLL = 0.05
# A replica that dies with a request in flight leaves its entries; they end this long after.
HOLD_WINDOWS = 2

_SCRIPTS = ("RESERVE", "STAMP", "REFUSED", "ENTER_GATE", "BLOCKED", "ADMIT", "ANSWERED", "RESTORE")

Recent = Callable[[], Awaitable[tuple[Iterable[Stamp], Iterable[AddressBlock]]]]


class RedisLimiter:
    """The limiter's interface (``acquire``) over Redis. ``recent`` reads what the database
    kept (the journal's stamps and blocks), for when Redis has forgotten them."""

    def __init__(
        self,
        redis: Redis,
        *,
        window: float = 60.0,
        max_concurrent: int = MAX_CONCURRENT_PER_LOGIN,
        journal: LimiterJournal | None = None,
        recent: Recent | None = None,
        address_backoff: float = DEFAULT_ADDRESS_BACKOFF,
        prefix: str = "smsc-bot",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.redis = redis
        self.window = window
        self.max_concurrent = max_concurrent
        self.journal = journal
        self.address_backoff = address_backoff
        self.hold = HOLD_WINDOWS * window
        self._recent = recent
        self._prefix = prefix
        self._sleep = sleep
        self._scripts = {name: redis.register_script(getattr(scripts, name)) for name in _SCRIPTS}
        self._restoring: asyncio.Lock = asyncio.Lock()

    def key(self, *parts: str) -> str:
        return ":".join((self._prefix, *parts))

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
        """As :meth:`bot.smsc.RateLimiter.acquire`, for every replica at once."""
        return _RedisSlot(self, bucket, rules, max_wait, site or "", who or bucket, untried)

    async def run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self._scripts[name](keys=keys, args=args)
        except (RedisError, OSError) as error:
            raise LimiterUnavailableError(type(error).__name__) from None

    # -- restart ------------------------------------------------------------------------------

    async def restore(self) -> None:
        """Put back what the database kept of the last window, once, when Redis lost it."""
        async with self._restoring:
            if await self.redis.exists(self.key("held")):
                return
            stamps, blocks = await self._recent() if self._recent else ((), ())
            keys, args = [self.key("held")], [self.window]
            for stamp in stamps:
                keys.append(self.key("w", stamp.bucket, stamp.rule))
                args.append(stamp.at)
            await self.run("RESTORE", keys, args)
            for block in blocks:
                await self._restore_block(block)

    async def _restore_block(self, block: AddressBlock) -> None:
        left = block.until - await self._now()
        if left > 0:
            gate, backoff, _probe = self._gate_keys(block.site)
            await self.redis.set(gate, "1", px=math.ceil(left * 1000))
            await self.redis.set(backoff, str(block.backoff), ex=86400)

    async def _now(self) -> float:
        seconds, micros = await self.redis.time()
        return seconds + micros / 1_000_000

    # -- keys ---------------------------------------------------------------------------------

    def window_keys(self, bucket: str, rules: Rules) -> list[str]:
        return [self.key("w", bucket, rule) for rule, _limit in rules]

    def _gate_keys(self, site: str) -> list[str]:
        return [self.key("gate", site), self.key("backoff", site), self.key("probe", site)]

    def failure_keys(self, who: str, site: str) -> list[str]:
        return [
            self.key("rejected", who),
            self.key("failed", who),
            self.key("failed-site", site),
            self.key("risky", site),
            self.key("works", who),
        ]

    # -- the address --------------------------------------------------------------------------

    async def enter_gate(self, site: str) -> bool:
        verdict, seconds = await self.run("ENTER_GATE", self._gate_keys(site), [PROBE_RETRY])
        if int(verdict) == 2:
            raise AddressBlockedError(float(seconds))
        return int(verdict) == 1

    async def blocked(self, site: str) -> float:
        args = [self.address_backoff, MAX_ADDRESS_BACKOFF]
        backoff = float(await self.run("BLOCKED", self._gate_keys(site), args))
        if self.journal is not None:
            until = await self._now() + backoff
            self.journal.address(AddressBlock(site, until, backoff))
        return backoff

    async def probed(self, site: str, *, answered: bool) -> None:
        _gate, backoff, probe = self._gate_keys(site)
        with contextlib.suppress(RedisError, OSError):  # the probe's key ends by itself
            await (self.redis.delete(backoff, probe) if answered else self.redis.delete(probe))
        if answered and self.journal is not None:
            self.journal.address(AddressBlock(site, 0.0, 0.0))

    # -- failures -----------------------------------------------------------------------------

    async def admit(self, who: str, site: str, request: str, *, untried: bool) -> bool:
        """As :meth:`bot.smsc.failures.FailureGates.admit`; True when counted as risky."""
        args = [request, self.window, SITE_FAILURES, SITE_CEILING, ACCOUNT_FAILURES, self.hold]
        args.append(1 if untried else 0)
        while True:
            verdict, seconds = await self.run("ADMIT", self.failure_keys(who, site), args)
            verdict = verdict.decode() if isinstance(verdict, bytes) else str(verdict)
            if verdict == "rejected":
                raise CredentialsRejectedError(float(seconds))
            if verdict in ("account", "site"):
                raise FailuresHeldError(float(seconds), whole_site=verdict == "site")
            if verdict != "wait":
                return verdict == "risky"
            await self._sleep(POLL)

    async def answered(
        self, who: str, site: str, request: str, error: BaseException | None, *, reached: bool
    ) -> None:
        outcome, code = "unanswered", 0
        if reached and is_failure(error):
            assert isinstance(error, SmscApiError)
            outcome, code = "failed", error.code
        elif reached and (error is None or not isinstance(error, SmscApiError) or error.code == 3):
            outcome = "answered"
        rejected_for = REJECTED_FOR_WINDOWS * self.window
        args = [request, outcome, code, self.window, rejected_for, TRUSTED_FOR]
        await self.run("ANSWERED", self.failure_keys(who, site), args)


class _RedisSlot(AbstractAsyncContextManager[None]):
    """One request's hold on its login's windows, shared by every replica."""

    def __init__(
        self,
        limiter: RedisLimiter,
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
        self._id = secrets.token_hex(8)
        self._probe = False

    def _reserve_keys(self) -> list[str]:
        limiter = self._limiter
        return [
            limiter.key("held"),
            limiter.key("inflight", self._bucket),
            limiter.key("cap", self._bucket),
            *limiter.window_keys(self._bucket, self._rules),
        ]

    async def __aenter__(self) -> None:
        limiter = self._limiter
        # Counted in Redis, when risky, until the answer (or its absence) is told.
        await limiter.admit(self._who, self._site, self._id, untried=self._untried)
        try:
            self._probe = await limiter.enter_gate(self._site)
            await self._reserve()
        except BaseException:
            await limiter.answered(self._who, self._site, self._id, None, reached=False)
            if self._probe:
                await limiter.probed(self._site, answered=False)
            raise

    async def _reserve(self) -> None:
        limiter = self._limiter
        deadline = None if self._max_wait is None else asyncio.get_running_loop().time()
        if deadline is not None and self._max_wait is not None:
            deadline += self._max_wait
        args = [self._id, limiter.window, limiter.hold, limiter.max_concurrent]
        args += [limit for _rule, limit in self._rules]
        while True:
            done, seconds = await limiter.run("RESERVE", self._reserve_keys(), args)
            if int(done) == -1:
                await limiter.restore()
                continue
            if int(done) == 1:
                return
            wait = float(seconds)
            left = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if left is not None and (left <= 0 or wait > left):
                raise ClientRateLimitError(limiter.window if wait < 0 else wait)
            pause = POLL if wait < 0 else wait
            await limiter._sleep(pause if left is None else min(pause, left))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self._learn(error)
        except LimiterUnavailableError:
            # The request happened; its entries end by themselves (``hold``). What it
            # answered is what the caller hears, not that Redis went away meanwhile.
            log.warning("the shared limiter could not record an answer")

    async def _learn(self, error: BaseException | None) -> None:
        limiter = self._limiter
        windows = limiter.window_keys(self._bucket, self._rules)
        answered = error is None or isinstance(error, SmscApiError)
        probe = self._probe
        if isinstance(error, RateLimitError):
            args = [self._id, limiter.max_concurrent, 5 * limiter.window, limiter.window]
            args += [limit for _rule, limit in self._rules]
            await limiter.run("REFUSED", [limiter.key("cap", self._bucket), *windows], args)
            error.retry_after = math.ceil(limiter.window)
        elif isinstance(error, IpBlockedError):
            error.retry_after = math.ceil(await limiter.blocked(self._site))
            probe = False
        inflight = limiter.key("inflight", self._bucket)
        stamped = float(await limiter.run("STAMP", [inflight, *windows], [self._id]))
        if limiter.journal is not None:
            for rule, limit in self._rules:
                limiter.journal.stamped(Stamp(self._bucket, rule, limit, stamped))
        await limiter.answered(self._who, self._site, self._id, error, reached=answered)
        if probe:
            await limiter.probed(self._site, answered=answered)
