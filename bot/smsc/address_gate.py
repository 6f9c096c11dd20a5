"""Error 4: SMSC blocked this server's address, whatever the login. Every account on that SMSC
site is held back for a back-off, then one request probes; another error 4 doubles the back-off,
any other answer lifts the block. A journal keeps the blocks across a restart."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.smsc.errors import AddressBlockedError

# The first back-off after an error 4; each error 4 on a probe doubles it, up to the maximum.
DEFAULT_ADDRESS_BACKOFF = 10 * 60.0
MAX_ADDRESS_BACKOFF = 60 * 60.0
# While one request probes a blocked address, the others are told to come back this much later.
PROBE_RETRY = 60.0


@dataclass(frozen=True, slots=True)
class AddressBlock:
    """An SMSC site that blocked this server's address until ``until`` (wall-clock time)."""

    site: str
    until: float
    backoff: float


@dataclass(slots=True)
class _Gate:
    until: float = 0.0
    backoff: float = 0.0
    probing: bool = False


class AddressGate:
    """``clock`` measures the back-off; ``wall`` stamps what ``journal`` keeps."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        wall: Callable[[], float] = time.time,
        backoff: float = DEFAULT_ADDRESS_BACKOFF,
        journal: Callable[[AddressBlock], None] | None = None,
    ) -> None:
        self.backoff = backoff
        self._clock = clock
        self._wall = wall
        self._journal = journal
        self._gates: dict[str, _Gate] = {}

    def blocked_for(self, site: str) -> float:
        """Seconds until requests to ``site`` may go out again; 0 when they may."""
        gate = self._gates.get(site)
        return max(0.0, gate.until - self._clock()) if gate else 0.0

    def restore(self, blocks: Iterable[AddressBlock]) -> None:
        now, wall = self._clock(), self._wall()
        for block in blocks:
            if block.until > wall:
                self._gates[block.site] = _Gate(now + (block.until - wall), block.backoff)

    def enter(self, site: str) -> bool:
        """Raise if ``site`` is blocked; True if this request is the one that probes it."""
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

    def probed(self, site: str, *, answered: bool) -> None:
        """The probe ended: an answer (other than error 4) lifts the block."""
        gate = self._gates.get(site)
        if gate is None:
            return
        gate.probing = False
        if answered:
            del self._gates[site]
            if self._journal is not None:
                self._journal(AddressBlock(site, 0.0, 0.0))

    def blocked(self, site: str) -> float:
        """SMSC answered error 4: hold every account on ``site`` back; returns the back-off."""
        now = self._clock()
        gate = self._gates.get(site)
        if gate is not None and gate.until > now:
            return gate.until - now  # already blocked: a request sent before the block
        backoff = self.backoff
        if gate is not None and gate.backoff:
            backoff = min(MAX_ADDRESS_BACKOFF, max(self.backoff, gate.backoff * 2))
        self._gates[site] = _Gate(now + backoff, backoff)
        if self._journal is not None:
            self._journal(AddressBlock(site, self._wall() + backoff, backoff))
        return backoff
