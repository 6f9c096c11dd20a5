"""The limiter shared by every replica, in Redis: SMSC counts per login whichever replica sends.

A request costs two atomic scripts on Redis's clock (:mod:`bot.smsc.redis_scripts`): one checks
everything that may hold it and reserves its place in a sorted set per window, before it is sent;
one stamps it when its answer comes and learns from that answer (the caller of a plain answer
goes on meanwhile; the login's next request from this replica waits for that). The concurrency
per login, the halved cap after an error 9, the address block after an error 4 and what failing
answers teach (:mod:`bot.smsc.failures`) are keys with lifetimes.

Redis unreachable means no limit can be checked, and then nothing is sent: a command is told at
once that SMSC is unavailable for a moment, and the watcher skips the sweep
(:class:`LimiterUnavailableError`). Redis restarted without persistence has forgotten the last
window: the windows the database kept (``journal`` and ``recent``) and the requests this replica
has in flight are put back before any request goes out. Requests another replica had in flight
come back when their answers do; until then one more of each may go out (README, Scaling).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
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
from bot.smsc.work_behind import WorkBehind

log = logging.getLogger("bot.smsc")

# How often a request waiting for room (the concurrency cap, risky requests in flight) asks
# again: Redis cannot wake it.
POLL = 0.05
# A replica that dies with a request in flight leaves its entries; they end this long after.
HOLD_WINDOWS = 2

_SCRIPTS = ("ENTER", "LEAVE", "RELEASE", "REFUSED", "BLOCKED", "RESTORE")

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
        # This replica's requests in flight: their id and the keys that hold them.
        self._in_flight: dict[str, list[str]] = {}
        # Reservations given back (a cancelled request's task cannot wait for that) and the
        # stamps of plain answers (their callers need not).
        self.behind = WorkBehind()

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
        async with self.reaching_redis():
            return await self._scripts[name](keys=keys, args=args)

    @contextlib.asynccontextmanager
    async def reaching_redis(self) -> AsyncIterator[None]:
        """Redis unreachable (or restarting) fails as :class:`LimiterUnavailableError`."""
        try:
            yield
        except (RedisError, OSError) as error:
            raise LimiterUnavailableError(type(error).__name__) from None

    def release(self, request: str, keys: list[str]) -> None:
        """Give back, without waiting, what a request that was not sent may hold."""
        self.behind.start(self._release(request, keys))

    async def _release(self, request: str, keys: list[str]) -> None:
        try:
            await self.run("RELEASE", keys, [request])
        except LimiterUnavailableError:
            # Redis is away (which commands and the watcher already say): it ends by itself.
            log.debug("the shared limiter could not give a reservation back")

    async def settled(self) -> None:
        """Wait for what requests left behind: reservations given back, answers stamped."""
        await self.behind.settled()

    async def close(self) -> None:
        await self.settled()

    # -- restart ------------------------------------------------------------------------------

    async def restore(self) -> None:
        """Put back what the database kept of the last window, once, when Redis lost it."""
        async with self._restoring:
            async with self.reaching_redis():
                if await self.redis.exists(self.key("held")):
                    return
            stamps, blocks = await self._recent() if self._recent else ((), ())
            stamps = list(stamps)
            keys: list[str] = [self.key("held")]
            args: list[Any] = [self.window, self.hold, len(stamps)]
            for stamp in stamps:
                keys.append(self.key("w", stamp.bucket, stamp.rule))
                args.append(stamp.at)
            # The journal has only answered requests; those still on their way count too.
            for request, held in self._in_flight.items():
                keys += held
                args += [request] * len(held)
            async with self.reaching_redis():
                for block in blocks:
                    await self._restore_block(block)
            # The marker last: until it is there, every replica comes here first.
            await self.run("RESTORE", keys, args)

    async def _restore_block(self, block: AddressBlock) -> None:
        seconds, micros = await self.redis.time()
        left = block.until - (seconds + micros / 1_000_000)
        if left > 0:
            gate, backoff, _probe = self.gate_keys(block.site)
            await self.redis.set(gate, "1", px=math.ceil(left * 1000))
            await self.redis.set(backoff, str(block.backoff), ex=86400)

    # -- keys ---------------------------------------------------------------------------------

    def window_keys(self, bucket: str, rules: Rules) -> list[str]:
        return [self.key("w", bucket, rule) for rule, _limit in rules]

    def gate_keys(self, site: str) -> list[str]:
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

    async def blocked(self, site: str) -> float:
        """SMSC answered error 4: the back-off every replica now waits, from Redis's clock."""
        args = [self.address_backoff, MAX_ADDRESS_BACKOFF]
        backoff, now, fresh = await self.run("BLOCKED", self.gate_keys(site), args)
        if self.journal is not None and int(fresh):
            self.journal.address(AddressBlock(site, float(now) + float(backoff), float(backoff)))
        return float(backoff)

    async def probed(self, site: str, *, answered: bool) -> None:
        _gate, backoff, probe = self.gate_keys(site)
        with contextlib.suppress(RedisError, OSError):  # the probe's key ends by itself
            await (self.redis.delete(backoff, probe) if answered else self.redis.delete(probe))
        if answered and self.journal is not None:
            self.journal.address(AddressBlock(site, 0.0, 0.0))


class _RedisSlot(AbstractAsyncContextManager[None]):
    """One request's hold on its login's windows, shared by every replica: one script lets it
    go (or says why not), one records how it ended."""

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

    def _held_keys(self) -> list[str]:
        """Where the request is held while in flight: its login's in-flight set, its windows."""
        limiter = self._limiter
        windows = limiter.window_keys(self._bucket, self._rules)
        return [limiter.key("inflight", self._bucket), *windows]

    def _release_keys(self) -> list[str]:
        inflight, *windows = self._held_keys()
        _gate, _backoff, probe = self._limiter.gate_keys(self._site)
        return [inflight, self._limiter.key("risky", self._site), probe, *windows]

    def _enter_args(self) -> list[Any]:
        limiter = self._limiter
        return [
            self._id,
            limiter.window,
            limiter.hold,
            limiter.max_concurrent,
            PROBE_RETRY,
            SITE_FAILURES,
            SITE_CEILING,
            ACCOUNT_FAILURES,
            1 if self._untried else 0,
            *(limit for _rule, limit in self._rules),
        ]

    def _enter_keys(self) -> list[str]:
        limiter = self._limiter
        inflight, *windows = self._held_keys()
        return [
            limiter.key("held"),
            inflight,
            limiter.key("cap", self._bucket),
            *limiter.gate_keys(self._site),
            *limiter.failure_keys(self._who, self._site),
            *windows,
        ]

    async def __aenter__(self) -> None:
        limiter = self._limiter
        # This replica's last answers of the login stamped: it must not find them in flight.
        await limiter.behind.of(self._bucket)
        loop = asyncio.get_running_loop()
        deadline = None if self._max_wait is None else loop.time() + self._max_wait
        keys, args = self._enter_keys(), self._enter_args()
        while True:
            try:
                raw, seconds, probe = await limiter.run("ENTER", keys, args)
            except BaseException:
                # Cancelled, or Redis gone, while the script's answer was on its way: it may
                # have reserved; not sent, so given back (or ended by ``hold``).
                limiter.release(self._id, self._release_keys())
                raise
            verdict, wait = raw.decode() if isinstance(raw, bytes) else str(raw), float(seconds)
            if verdict == "ok":
                self._probe = int(probe) == 1
                limiter._in_flight[self._id] = self._held_keys()
                return
            if verdict == "restore":
                await limiter.restore()
                continue
            if verdict == "risky":
                # Requests whose credentials may be wrong wait for those in flight to be
                # answered, however long (as in one process): they may all fail.
                await limiter._sleep(POLL)
                continue
            if verdict == "rejected":
                raise CredentialsRejectedError(wait)
            if verdict in ("account", "site"):
                raise FailuresHeldError(wait, whole_site=verdict == "site")
            if verdict == "blocked":
                raise AddressBlockedError(wait)
            # "wait": a window full (seconds until it opens) or the concurrency cap (-1).
            left = None if deadline is None else deadline - loop.time()
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
        if error is None and not self._probe:
            # A plain answer teaches nothing its caller must wait for: the caller goes on (a
            # person's reply goes out) while the answer is stamped. Until then the request
            # still counts in flight and in its window, at the time it was let go; the
            # login's next request here waits for the stamp.
            self._limiter.behind.start(self._leave(None), login=self._bucket)
            return
        await self._leave(error)

    async def _leave(self, error: BaseException | None) -> None:
        limiter = self._limiter
        try:
            stamped = await self._learn(error)
        except LimiterUnavailableError:
            # The request happened; its entries in Redis end by themselves (``hold``), and the
            # journal keeps it for when Redis is back. What it answered is what the caller
            # hears, not that Redis went away meanwhile.
            log.warning("the shared limiter could not record an answer")
            stamped = time.time()
        finally:
            # Only now: a restore meanwhile must still count it.
            limiter._in_flight.pop(self._id, None)
        if limiter.journal is not None:
            for rule, limit in self._rules:
                limiter.journal.stamped(Stamp(self._bucket, rule, limit, stamped))

    async def _learn(self, error: BaseException | None) -> float:
        """Stamp the request and learn from its answer; returns the stamp (Redis's time)."""
        limiter = self._limiter
        inflight, *windows = self._held_keys()
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
        outcome, code = "unanswered", 0
        if answered and is_failure(error):
            assert isinstance(error, SmscApiError)
            outcome, code = "failed", error.code
        elif answered and (error is None or not isinstance(error, SmscApiError) or error.code == 3):
            outcome = "answered"
        keys = [inflight, *limiter.failure_keys(self._who, self._site), *windows]
        args = [self._id, outcome, code, limiter.window, REJECTED_FOR_WINDOWS * limiter.window]
        stamped = float(await limiter.run("LEAVE", keys, [*args, TRUSTED_FOR]))
        if probe:
            await limiter.probed(self._site, answered=answered)
        return stamped
