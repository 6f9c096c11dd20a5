"""Copying a SQLite database into PostgreSQL (``smsc-bot migrate-db``), table by table.

Rows go over as they are: credentials stay sealed (no key is needed, none is used), times and
ids unchanged. The whole copy is one PostgreSQL transaction, so a failure leaves nothing half
copied. Running it again adds nothing: rows with a key are skipped when the key is there, and
of the key-less journals (the limiter's stamps and failures) only the copies still missing go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.database import Transaction
from storage.errors import StorageError
from storage.migrations import expected_tables
from storage.postgres import PostgresDatabase
from storage.schema_postgres import IDENTITY_TABLES
from storage.sqlite import SqliteDatabase

_CONVERT: dict[str, Callable[[Any], Any]] = {
    "INTEGER": int,
    "REAL": float,
    "TEXT": str,
    "BLOB": bytes,
}


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int
    copied: int

    @property
    def matches(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    converters: tuple[Callable[[Any], Any], ...]
    keyed: bool

    def convert(self, row: Sequence[Any]) -> tuple[Any, ...]:
        try:
            return tuple(
                None if value is None else convert(value)
                for value, convert in zip(row, self.converters, strict=True)
            )
        except (TypeError, ValueError):
            # SQLite keeps any value in any column; PostgreSQL will not.
            raise StorageError(
                f"a row of {self.name} holds a value of the wrong type; nothing was copied"
            ) from None


async def copy_database(source: SqliteDatabase, target: PostgresDatabase) -> list[TableCount]:
    """Copy every table, then count each on both sides."""
    tables = [await _describe(source, name) for name in expected_tables()]
    copied: dict[str, int] = {}
    async with target.transaction() as tx:
        for table in tables:
            rows = [table.convert(row) for row in await source.fetchall(_select(table))]
            before = await _count(tx, table.name)
            if table.keyed:
                await tx.executemany(_insert(table, " ON CONFLICT DO NOTHING"), rows)
            else:
                await tx.executemany(_insert(table), await _missing(tx, table, rows))
            copied[table.name] = await _count(tx, table.name) - before
        for name in IDENTITY_TABLES:
            # Rows came with their ids: the next id PostgreSQL hands out comes after them.
            await tx.fetchone(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
    counts = []
    for table in tables:
        source_rows = await source.fetchone(f"SELECT COUNT(*) FROM {table.name}")  # noqa: S608
        target_rows = await target.fetchone(f"SELECT COUNT(*) FROM {table.name}")  # noqa: S608
        assert source_rows is not None
        assert target_rows is not None
        counts.append(TableCount(table.name, source_rows[0], target_rows[0], copied[table.name]))
    return counts


async def _describe(source: SqliteDatabase, name: str) -> _Table:
    info = await source.fetchall(f"SELECT name, type, pk FROM pragma_table_info('{name}')")  # noqa: S608
    return _Table(
        name=name,
        columns=tuple(row["name"] for row in info),
        converters=tuple(_CONVERT[row["type"].upper()] for row in info),
        keyed=any(row["pk"] for row in info),
    )


def _select(table: _Table) -> str:
    return f"SELECT {', '.join(table.columns)} FROM {table.name}"  # noqa: S608 - our names


def _insert(table: _Table, suffix: str = "") -> str:
    marks = ", ".join("?" * len(table.columns))
    return f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks}){suffix}"  # noqa: S608


async def _count(tx: Transaction, table: str) -> int:
    row = await tx.fetchone(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our names
    return int(row[0]) if row else 0


async def _missing(
    tx: Transaction, table: _Table, rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The copies of each row the target still lacks: a row twice in SQLite is there twice."""
    present = Counter(tuple(row) for row in await tx.fetchall(_select(table)))
    missing = []
    for row in rows:
        if present[row]:
            present[row] -= 1
        else:
            missing.append(row)
    return missing
