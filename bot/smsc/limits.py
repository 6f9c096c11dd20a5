"""What a limiter is to the transport and to its journal: the interface this process's limiter
(:class:`bot.smsc.limiter.RateLimiter`) and the one replicas share
(:class:`bot.smsc.redis_limiter.RedisLimiter`) both offer."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from bot.smsc.address_gate import AddressBlock
from bot.smsc.failures import Failure

Rules = Sequence[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class Stamp:
    """One request counted in a window: ``at`` is wall-clock time (seconds since the epoch)."""

    bucket: str
    rule: str
    limit: int
    at: float


class Limiter(Protocol):
    """What the transport asks of a limiter."""

    window: float

    def acquire(
        self,
        bucket: str,
        rules: Rules,
        max_wait: float | None = None,
        *,
        site: str | None = None,
        who: str | None = None,
        untried: bool = False,
    ) -> AbstractAsyncContextManager[None]: ...


class LimiterJournal(Protocol):
    """Where the limiter writes what must survive a restart. Called synchronously, so an
    implementation buffers and writes later."""

    def stamped(self, stamp: Stamp) -> None: ...

    def address(self, block: AddressBlock) -> None: ...

    def failed(self, failure: Failure) -> None: ...
