"""The PostgreSQL the storage tests need: the machine's own at 127.0.0.1:5432 (trust auth, user
postgres). Each test gets a database of its own, created for it and dropped after it; nothing
assumes an empty server. Where PostgreSQL is absent the tests skip with one line saying so;
under CI (``CI=true``) they fail instead.

Tests that restart PostgreSQL under the bot run a server of their own (:class:`OwnPostgres`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
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


class OwnPostgres:
    """A PostgreSQL server of a test's own, on a free port, for the test to stop and start
    under the bot. Run as the ``postgres`` user when the tests run as root (PostgreSQL refuses
    root)."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.workdir = Path(tempfile.mkdtemp(prefix="smsc-pg-"))
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._root = os.geteuid() == 0
        if self._root:
            shutil.chown(self.workdir, "postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._root:
            command = ["su", "postgres", "-c", shlex.join(command)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[-300:]}")

    def init(self) -> None:
        data = str(self.workdir / "data")
        self._run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync")

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        await asyncio.to_thread(
            self._run, "pg_ctl", "-D", str(self.workdir / "data"), "-o", options,
            "-l", str(self.workdir / "log"), "-w", "start",
        )  # fmt: skip

    async def stop(self) -> None:
        await asyncio.to_thread(
            self._run, "pg_ctl", "-D", str(self.workdir / "data"), "-m", "fast", "-w", "stop"
        )

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.workdir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.workdir, ignore_errors=True)


def _binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    initdb = found[0] if found else Path(shutil.which("initdb") or "/nonexistent/initdb")
    if not (initdb.exists() and (initdb.parent / "pg_ctl").exists()):
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed: no server of the test's own")
    return initdb.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.init()
        run_apart(server.start())
    except (RuntimeError, OSError, KeyError, LookupError) as error:
        server.remove()
        pytest.skip(f"cannot run a PostgreSQL server of the test's own ({error})".splitlines()[0])
    try:
        yield server
    finally:
        server.remove()
