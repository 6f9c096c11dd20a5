"""What the repositories talk to: a database engine, SQLite (:mod:`storage.sqlite`, the embedded
default) or PostgreSQL (:mod:`storage.postgres`, for several replicas).

Repositories write one SQL for both: ``?`` placeholders (the PostgreSQL engine numbers them),
``INSERT ... ON CONFLICT`` rather than SQLite's ``OR REPLACE``, no engine-specific functions.
Rows read back index by column name and by position on both engines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from storage.migrations import SCHEMA_VERSION

T = TypeVar("T")
# aiosqlite.Row or asyncpg.Record: row["column"], row[0], dict(row), tuple(row) on both.
Row = Any

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def utcnow(timespec: str = "seconds") -> str:
    return datetime.now(UTC).isoformat(timespec=timespec)


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


class Transaction(ABC):
    """Statements inside one transaction: all of them are kept, or none."""

    @abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns how many rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class Database(ABC):
    """One database, whichever engine holds it."""

    # Other processes write the same rows: nothing read may be kept in memory for later.
    shared: bool = False

    @classmethod
    async def open(cls, target: str | Path, *, migrate: bool = True) -> Database:
        """A SQLite file at a path, or PostgreSQL at a ``postgresql://`` URL."""
        if is_postgres_url(target):
            from storage.postgres import PostgresDatabase

            return await PostgresDatabase.open(str(target), migrate=migrate)
        from storage.sqlite import SqliteDatabase

        return await SqliteDatabase.open(target, migrate=migrate)

    @property
    @abstractmethod
    def name(self) -> str:
        """Where the data lives, fit to print: a path, or a URL without its password."""

    @property
    @abstractmethod
    def engine(self) -> str: ...

    @abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction; rolled back whole on any error."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]: ...

    @abstractmethod
    async def fetch_converted(
        self, sql: str, convert: Callable[[Row], T], params: Iterable[Any] = ()
    ) -> list[T]:
        """Every row, converted as it is read."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def migrate(self, target: int = SCHEMA_VERSION) -> int:
        """Run the migrations still missing; returns the version."""


def statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]
