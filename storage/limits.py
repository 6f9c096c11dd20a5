"""What the SMSC limiter must not forget on a restart: the last window's stamps and the
address blocks (error 4), written in batches like the audit log.

Without them a deploy, or a crash loop under ``--restart unless-stopped``, would send a fourth
identical request within the provider's minute and earn an error 9, or hammer an address SMSC
has blocked. Rules are stored as the limiter names them (a digest, never the parameters).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from storage.batch import FLUSH_DELAY, BatchWriter
from storage.database import Database, Transaction


class StampFields(Protocol):
    @property
    def bucket(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def limit(self) -> int: ...
    @property
    def at(self) -> float: ...


class FailureFields(Protocol):
    @property
    def site(self) -> str: ...
    @property
    def who(self) -> str: ...
    @property
    def code(self) -> int: ...
    @property
    def at(self) -> float: ...


class BlockFields(Protocol):
    @property
    def site(self) -> str: ...
    @property
    def until(self) -> float: ...
    @property
    def backoff(self) -> float: ...


@dataclass(frozen=True, slots=True)
class StoredStamp:
    bucket: str
    rule: str
    limit: int
    at: float


@dataclass(frozen=True, slots=True)
class StoredFailure:
    site: str
    who: str
    code: int
    at: float


@dataclass(frozen=True, slots=True)
class StoredBlock:
    site: str
    until: float
    backoff: float


# ("stamp", (bucket, rule, limit, at)), ("block", (site, until, backoff)) or
# ("failure", (site, who, code, at))
_Row = tuple[str, tuple[str | float, ...]]


FAILURES_KEPT_WINDOWS = 5


class LimitsRepository:
    """The limiter's journal. ``window`` is the limiter's: older stamps are pruned."""

    def __init__(
        self,
        database: Database,
        *,
        window: float = 60.0,
        flush_delay: float = FLUSH_DELAY,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._db = database
        self.window = window
        # Failures teach for longer than a window: rejected credentials rest for several.
        self.failures_for = FAILURES_KEPT_WINDOWS * window
        self._wall = wall
        self._batch: BatchWriter[_Row] = BatchWriter(
            database, self._write, what="smsc limiter stamps", flush_delay=flush_delay
        )

    def stamped(self, stamp: StampFields) -> None:
        self._batch.add(("stamp", (stamp.bucket, stamp.rule, stamp.limit, stamp.at)))

    def address(self, block: BlockFields) -> None:
        self._batch.add(("block", (block.site, block.until, block.backoff)))

    def failed(self, failure: FailureFields) -> None:
        self._batch.add(("failure", (failure.site, failure.who, failure.code, failure.at)))

    async def _write(self, tx: Transaction, rows: Sequence[_Row]) -> None:
        await tx.executemany(
            "INSERT INTO smsc_stamps (bucket, rule, lim, at) VALUES (?, ?, ?, ?)",
            [values for kind, values in rows if kind == "stamp"],
        )
        for site, until, backoff in (values for kind, values in rows if kind == "block"):
            if until:
                await tx.execute(
                    "INSERT INTO smsc_address_blocks (site, until, backoff) VALUES (?, ?, ?) "
                    "ON CONFLICT (site) DO UPDATE "
                    "SET until = excluded.until, backoff = excluded.backoff",
                    (site, until, backoff),
                )
            else:
                await tx.execute("DELETE FROM smsc_address_blocks WHERE site = ?", (site,))
        await tx.executemany(
            "INSERT INTO smsc_failures (site, who, code, at) VALUES (?, ?, ?, ?)",
            [values for kind, values in rows if kind == "failure"],
        )
        await tx.execute("DELETE FROM smsc_stamps WHERE at <= ?", (self._wall() - self.window,))
        await tx.execute(
            "DELETE FROM smsc_failures WHERE at <= ?", (self._wall() - self.failures_for,)
        )

    async def flush(self) -> None:
        await self._batch.flush()

    async def close(self) -> None:
        await self._batch.close()

    async def failures(self) -> list[StoredFailure]:
        """The failing answers recent enough to still count."""
        await self.flush()
        rows = await self._db.fetchall(
            "SELECT site, who, code, at FROM smsc_failures WHERE at > ? ORDER BY at",
            (self._wall() - self.failures_for,),
        )
        return [StoredFailure(r["site"], r["who"], r["code"], r["at"]) for r in rows]

    async def recent(self) -> tuple[list[StoredStamp], list[StoredBlock]]:
        """The stamps of the last window and the blocks still in force."""
        await self.flush()
        now = self._wall()
        stamps = await self._db.fetchall(
            "SELECT bucket, rule, lim, at FROM smsc_stamps WHERE at > ? ORDER BY at",
            (now - self.window,),
        )
        blocks = await self._db.fetchall(
            "SELECT site, until, backoff FROM smsc_address_blocks WHERE until > ?", (now,)
        )
        return (
            [StoredStamp(r["bucket"], r["rule"], r["lim"], r["at"]) for r in stamps],
            [StoredBlock(r["site"], r["until"], r["backoff"]) for r in blocks],
        )
