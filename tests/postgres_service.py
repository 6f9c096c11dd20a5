"""The PostgreSQL the storage tests need: the machine's own at 127.0.0.1:5432 (trust auth, user
postgres). Each test gets a database of its own, created for it and dropped after it; nothing
assumes an empty server. Where PostgreSQL is absent the tests skip with one line saying so;
under CI (``CI=true``) they fail instead."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

T = TypeVar("T")


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on an event loop of its own, in a thread: the test's loop is left as it is."""
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


def url_of(database: str, admin_url: str = ADMIN_URL) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def _create(admin_url: str) -> str | Exception:
    try:
        admin = await asyncpg.connect(admin_url, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        return error
    name = f"test_{secrets.token_hex(6)}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name


async def drop_database(name: str, admin_url: str = ADMIN_URL) -> None:
    admin = await asyncpg.connect(admin_url, timeout=3)
    try:
        # FORCE: a pool a failing test left open must not keep the database alive.
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def fresh_database(admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A new, empty database's URL; the database is dropped when the generator closes."""
    created = run_apart(_create(admin_url))
    if isinstance(created, Exception):
        where = urlsplit(admin_url)
        message = (
            f"PostgreSQL is not reachable at {where.hostname}:{where.port or 5432} "
            f"({type(created).__name__})"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": CI needs it")
        pytest.skip(message)
    try:
        yield url_of(created, admin_url)
    finally:
        run_apart(drop_database(created, admin_url))
