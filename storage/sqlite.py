"""The embedded engine: one SQLite file through aiosqlite; pragmas, migrations, serialised
transactions, clear errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.database import Database, Transaction, statements
from storage.errors import (
    CorruptDatabaseError,
    DatabaseLockedError,
    SchemaTooNewError,
    StorageError,
    StorageFullError,
)
from storage.migrations import COLUMNS_SQL, MIGRATIONS, SCHEMA_VERSION, expected_columns

T = TypeVar("T")
# Rows read at once by fetch_converted.
_PAGE = 500

log = logging.getLogger("storage")

DEFAULT_BUSY_TIMEOUT = 5.0


class SqliteTransaction(Transaction):
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self._connection.execute(sql, tuple(params))
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._connection.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        cursor = await self._connection.execute(sql, tuple(params))
        return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        cursor = await self._connection.execute(sql, tuple(params))
        return list(await cursor.fetchall())


class SqliteDatabase(Database):
    """A single shared connection; every transaction holds a lock so coroutines never interleave.

    One aiosqlite connection runs its statements one by one in its own thread anyway: the lock
    only makes each transaction whole, so that a handler and a watcher job writing at the same
    moment lose nothing.
    """

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.path = path

    @property
    def name(self) -> str:
        return self.path

    @property
    def engine(self) -> str:
        return "sqlite"

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        migrate: bool = True,
    ) -> SqliteDatabase:
        path = str(path)
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the database's folder {Path(path).parent} "
                    f"({exc.strerror or type(exc).__name__})"
                ) from None
        try:
            connection = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise _translate(exc, "opening the database") from None
        connection.row_factory = aiosqlite.Row
        database = cls(connection, path)
        try:
            await database._configure(busy_timeout)
            if migrate:
                await database.migrate()
                await database._check_schema()
        except BaseException:
            await connection.close()
            raise
        return database

    async def close(self) -> None:
        await self._connection.close()

    async def _configure(self, busy_timeout: float) -> None:
        async with self._guard("configuring the database"):
            await self._connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            await self._connection.execute("PRAGMA foreign_keys = ON")
        # Refuse a newer schema before anything (switching to WAL included) writes to the file.
        if await self.schema_version() > SCHEMA_VERSION:
            raise SchemaTooNewError(await self.schema_version(), SCHEMA_VERSION)
        async with self._guard("configuring the database"):
            if self.path != ":memory:":
                cursor = await self._connection.execute("PRAGMA journal_mode = WAL")
                row = await cursor.fetchone()
                if row is None or str(row[0]).lower() != "wal":
                    log.warning("sqlite did not switch to WAL mode", extra={"mode": row})
            await self._connection.execute("PRAGMA synchronous = NORMAL")

    async def _check_schema(self) -> None:
        """Refuse a file whose tables were changed by hand: at its version nothing migrates
        them back, and each missing piece would fail later, inside a command or a sweep."""
        rows = await self.fetchall(COLUMNS_SQL)
        missing = sorted(expected_columns() - {(row[0], row[1]) for row in rows})
        if missing:
            tables = sorted({table for table, _ in missing})
            raise CorruptDatabaseError(
                f"the database lacks what schema version {SCHEMA_VERSION} has "
                f"(in {', '.join(tables)}): it was changed outside smsc-bot; restore a backup"
            )

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, target: int = SCHEMA_VERSION) -> int:
        """Run the migrations still missing, each in its own transaction; returns the version."""
        current = await self.schema_version()
        if current > SCHEMA_VERSION:
            raise SchemaTooNewError(current, SCHEMA_VERSION)
        for version in range(current + 1, target + 1):
            async with self.transaction() as tx:
                for statement in statements(MIGRATIONS[version - 1]):
                    await tx.execute(statement)
                # PRAGMA takes no parameters; version is an int from our own table.
                await tx.execute(f"PRAGMA user_version = {version}")
            log.info("database migrated", extra={"schema_version": version})
        return max(current, target)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write transaction started with BEGIN IMMEDIATE; rolled back whole on any error."""
        async with self._lock, self._guard("writing to the database"):
            try:
                # In WAL a read transaction that later writes fails at once with SQLITE_BUSY;
                # taking the write lock up front makes it wait for busy_timeout instead.
                await self._connection.execute("BEGIN IMMEDIATE")
                yield SqliteTransaction(self._connection)
                await self._connection.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        # Always sent, and shielded: a task cancelled while its BEGIN was still queued for the
        # connection's thread would otherwise leave the connection inside a transaction, and
        # every later BEGIN would fail. The thread runs statements in order, so this ROLLBACK
        # comes after that BEGIN. With no transaction open (SQLite rolls back by itself on a
        # full disk), SQLite refuses it, which is fine.
        with contextlib.suppress(sqlite3.Error, ValueError):
            await asyncio.shield(self._connection.execute("ROLLBACK"))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._lock, self._guard("reading the database"):
            cursor = await self._connection.execute(sql, tuple(params))
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock, self._guard("reading the database"):
            cursor = await self._connection.execute(sql, tuple(params))
            return list(await cursor.fetchall())

    async def fetch_converted(
        self, sql: str, convert: Callable[[sqlite3.Row], T], params: Iterable[Any] = ()
    ) -> list[T]:
        """Every row, converted a page at a time: ten thousand rows read at once are megabytes
        that only live until they are converted."""
        converted: list[T] = []
        async with self._lock, self._guard("reading the database"):
            cursor = await self._connection.execute(sql, tuple(params))
            while rows := await cursor.fetchmany(_PAGE):
                converted += map(convert, rows)
        return converted

    @asynccontextmanager
    async def _guard(self, doing: str) -> AsyncIterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise _translate(exc, doing) from None


def _translate(exc: sqlite3.Error, doing: str) -> StorageError:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return DatabaseLockedError(
            f"the database stayed locked by another process while {doing}; nothing was changed"
        )
    if name.startswith("SQLITE_FULL") or "full" in text:
        return StorageFullError(
            f"the disk is full while {doing}; the change was rolled back, nothing was lost"
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "not a database" in text:
        return CorruptDatabaseError(f"the database file is damaged or not SQLite ({doing})")
    return StorageError(f"database error while {doing}: {name or type(exc).__name__}")
