"""PostgreSQL through an asyncpg pool: for several replicas on one database.

The repositories' SQL is written once, with SQLite's ``?`` placeholders; they are numbered here.
A connection lost (PostgreSQL restarted, a network cut) fails the statement with
:class:`DatabaseUnavailableError`; the pool opens a new connection for the next one.

The URL may carry a password: it is kept only inside the pool, and nothing raised or printed
here names more than the user, host, port and database.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

from storage.database import Database, Transaction, statements
from storage.errors import (
    CorruptDatabaseError,
    DatabaseUnavailableError,
    SchemaTooNewError,
    StorageError,
)
from storage.migrations import SCHEMA_VERSION, expected_columns
from storage.schema_postgres import MIGRATIONS

T = TypeVar("T")

log = logging.getLogger("storage")

CONNECT_TIMEOUT = 5.0
COMMAND_TIMEOUT = 30.0
POOL_SIZE = 10
MIN_VERSION = 14
# Any number of our own, the same for every replica: whoever holds it migrates the schema.
_MIGRATION_LOCK = 0x5_35_4D_53_43  # "SMSC"
# What the database's connection refusals and restarts look like: class 08 (connection
# exception), 57P01-57P03 (shut down by an administrator, a crash, still starting), 53300
# (too many connections).
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300")

# InternalClientError: asyncpg's protocol caught between two states by a connection that
# broke mid-statement (seen while PostgreSQL restarts); the connection is unusable, nothing else.
_Failure = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)


def describe_url(url: str) -> str:
    """The URL without its password or query: fit for a log line or an error."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "localhost", parts.port or 5432
    except ValueError:
        return "postgresql://(unreadable address)"
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}:{port}{parts.path}"


# The statements are a fixed set written in the repositories: each is translated once.
@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, ...``; quoted text is left alone."""
    parts = sql.split("'")
    count = 0
    for index in range(0, len(parts), 2):
        pieces = parts[index].split("?")
        text = pieces[0]
        for piece in pieces[1:]:
            count += 1
            text += f"${count}{piece}"
        parts[index] = text
    return "'".join(parts)


def check_version(major: int, where: str) -> None:
    """PostgreSQL 14 or newer: a frozen replica loses the watcher's lock when the server ends
    its idle session (``idle_session_timeout``), which older servers ignore."""
    if major < MIN_VERSION:
        raise StorageError(
            f"PostgreSQL at {where} is version {major}; smsc-bot needs {MIN_VERSION} or newer"
        )


def _changed(status: str) -> int:
    """Rows a statement changed, from its status ("UPDATE 3", "INSERT 0 1", "DELETE 0")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresTransaction(Transaction):
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _changed(await self._connection.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(row) for row in rows]
        if batch:
            await self._connection.executemany(numbered(sql), batch)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> asyncpg.Record | None:
        return await self._connection.fetchrow(numbered(sql), *params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        return list(await self._connection.fetch(numbered(sql), *params))


class PostgresDatabase(Database):
    """A pool of connections; each transaction holds one of them until it ends."""

    shared = True

    def __init__(self, pool: asyncpg.Pool, where: str) -> None:
        self._pool = pool
        self._where = where

    def __repr__(self) -> str:
        return f"PostgresDatabase({self._where})"

    @property
    def name(self) -> str:
        return self._where

    @property
    def engine(self) -> str:
        return "postgresql"

    @classmethod
    async def open(
        cls, target: str | Path, *, migrate: bool = True, pool_size: int = POOL_SIZE
    ) -> PostgresDatabase:
        url = str(target)
        where = describe_url(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                # No connection kept open for its own sake: asyncpg would keep reopening it
                # (with a traceback in the log each time) while PostgreSQL is down.
                min_size=0,
                max_size=pool_size,
                timeout=CONNECT_TIMEOUT,
                command_timeout=COMMAND_TIMEOUT,
                server_settings={"application_name": "smsc-bot"},
                reset=_keep_session,
            )
        except (*_Failure, ValueError) as exc:
            raise _translate(exc, where, "connecting") from None
        database = cls(pool, where)
        try:
            async with database._guard("connecting"), pool.acquire() as connection:
                check_version(connection.get_server_version().major, where)
            if migrate:
                await database.migrate()
                await database._check_schema()
        except BaseException:
            await database.close()
            raise
        return database

    async def close(self) -> None:
        try:
            await self._pool.close()
        except _Failure:
            self._pool.terminate()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with (
            self._guard("writing to the database"),
            self._pool.acquire() as connection,
            connection.transaction(),
        ):
            yield PostgresTransaction(connection)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> asyncpg.Record | None:
        async with self._guard("reading the database"):
            return await self._pool.fetchrow(numbered(sql), *params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[asyncpg.Record]:
        async with self._guard("reading the database"):
            return list(await self._pool.fetch(numbered(sql), *params))

    async def fetch_converted(
        self, sql: str, convert: Callable[[asyncpg.Record], T], params: Iterable[Any] = ()
    ) -> list[T]:
        return [convert(row) for row in await self.fetchall(sql, params)]

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT to_regclass('schema_version') IS NOT NULL")
        if row is None or not row[0]:
            return 0
        row = await self.fetchone("SELECT max(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0

    async def migrate(self, target: int = SCHEMA_VERSION) -> int:
        """Bring the schema up to ``target`` in one transaction. Replicas starting together
        take turns: the first migrates, the others find it done."""
        async with self.transaction() as tx:
            await tx.fetchone("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            await tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = await tx.fetchone("SELECT max(version) FROM schema_version")
            current = int(row[0]) if row and row[0] is not None else 0
            if current > SCHEMA_VERSION:
                raise SchemaTooNewError(current, SCHEMA_VERSION)
            for version in sorted(v for v in MIGRATIONS if current < v <= target):
                for statement in statements(MIGRATIONS[version]):
                    await tx.execute(statement)
                current = version
                log.info("database migrated", extra={"schema_version": version})
            await tx.execute("DELETE FROM schema_version")
            await tx.execute("INSERT INTO schema_version (version) VALUES (?)", (current,))
        return current

    async def _check_schema(self) -> None:
        rows = await self.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        missing = sorted(expected_columns() - {(row[0], row[1]) for row in rows})
        if missing:
            tables = sorted({table for table, _ in missing})
            raise CorruptDatabaseError(
                f"the database at {self._where} lacks what schema version {SCHEMA_VERSION} has "
                f"(in {', '.join(tables)}): it was changed outside smsc-bot; restore a backup"
            )

    @asynccontextmanager
    async def _guard(self, doing: str) -> AsyncIterator[None]:
        try:
            yield
        except _Failure as exc:
            raise _translate(exc, self._where, doing) from None


async def _keep_session(connection: asyncpg.Connection) -> None:
    """A connection goes back to the pool as it is: nothing here changes a session's state
    (settings, cursors, LISTEN, session advisory locks; the watcher's lock has a connection of
    its own), so asyncpg's reset would be a round trip per statement for nothing. An open
    transaction is still rolled back by asyncpg before this is called."""


def _translate(exc: BaseException, where: str, doing: str) -> StorageError:
    """One sentence without the server's own text: that may quote the connection string."""
    state = getattr(exc, "sqlstate", None) or ""
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return StorageError(f"PostgreSQL at {where}: that database does not exist")
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return StorageError(f"PostgreSQL at {where} refused the user or its password")
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return StorageError(f"PostgreSQL at {where}: the user lacks a permission while {doing}")
    if isinstance(exc, ValueError):
        return StorageError(f"{where} is not an address asyncpg can use (check its options)")
    # asyncpg says "connection is closed" or "pool is closing" with a bare InterfaceError.
    closed = isinstance(exc, asyncpg.InterfaceError) and "clos" in str(exc)
    broken = isinstance(exc, OSError | TimeoutError | asyncpg.InternalClientError)
    if broken or closed or state.startswith(_UNAVAILABLE_STATES):
        return DatabaseUnavailableError(
            f"PostgreSQL at {where} is unavailable while {doing} ({type(exc).__name__}); "
            "nothing was changed"
        )
    return StorageError(
        f"database error while {doing}: {type(exc).__name__}" + (f" ({state})" if state else "")
    )
