"""``smsc-bot migrate-db --to postgresql://...``: copy the SQLite database at DATABASE_PATH into
PostgreSQL, then compare each table's row count on both sides.

Safe to run again (nothing is copied twice) and on a live SQLite file (only read). Stop the bot
first all the same: what it writes after the copy stays behind in SQLite.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.config import ConfigError, Settings, check_database_url
from storage import StorageError
from storage.postgres import PostgresDatabase
from storage.sqlite import SqliteDatabase
from storage.transfer import TableCount, copy_database


async def migrate_db(settings: Settings, to: str | None, out: TextIO = sys.stdout) -> None:
    """Raises ConfigError or StorageError, each one line; a count that differs is one too."""
    url = check_database_url(to, "--to") if to else None
    if url is None and settings.database_url is not None:
        url = settings.database_url.get_secret_value()
    if url is None:
        raise ConfigError("migrate-db needs --to postgresql://... (or DATABASE_URL)")
    if not settings.database_path.is_file():
        raise StorageError(f"there is no SQLite database at {settings.database_path} to copy")
    source = await SqliteDatabase.open(settings.database_path)
    try:
        target = await PostgresDatabase.open(url)
        try:
            out.write(f"copying {source.name} into {target.name}\n")
            counts = await copy_database(source, target)
        finally:
            await target.close()
    finally:
        await source.close()
    out.write(report(counts))
    differing = [count for count in counts if not count.matches]
    if differing:
        raise StorageError(
            "row counts differ after the copy: "
            + ", ".join(
                f"{c.table} {c.source} in SQLite, {c.target} in PostgreSQL" for c in differing
            )
        )


def report(counts: list[TableCount]) -> str:
    width = max(len(count.table) for count in counts)
    lines = [f"{'table':<{width}}  {'sqlite':>8}  {'postgresql':>10}  {'copied':>8}"]
    lines += [
        f"{c.table:<{width}}  {c.source:>8}  {c.target:>10}  {c.copied:>8}"
        + ("" if c.matches else "  differs")
        for c in counts
    ]
    return "\n".join(lines) + "\n"
