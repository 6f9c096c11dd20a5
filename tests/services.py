"""Redis and PostgreSQL servers a test owns, on free loopback ports, so that it can restart them
under the bot. The machine's own servers (127.0.0.1:6379 and :5432) are never restarted.

Where the binaries are missing the test skips with one line; under CI (``CI=true``) it fails.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def missing(what: str) -> None:
    message = f"{what} is not available on this machine"
    if os.environ.get("CI") == "true":
        pytest.fail(message + ": CI needs it")
    pytest.skip(message)


class OwnRedis:
    """A redis-server that keeps nothing on disk: a restart comes back empty."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            missing("redis-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        assert self.binary is not None
        self.process = await asyncio.create_subprocess_exec(
            self.binary,
            *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(self.workdir)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url)
        try:
            for _ in range(200):
                try:
                    await client.ping()
                    return
                except (OSError, RedisError):  # not listening, or still loading
                    await asyncio.sleep(0.02)
            raise AssertionError("redis-server did not start")
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def restart(self) -> None:
        await self.stop()
        await self.start()


class OwnPostgres:
    """A PostgreSQL cluster in a temporary directory, run as the ``postgres`` user when the
    tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        # Its own directory, not the test's: PostgreSQL's user must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="smsc-bot-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if not (PG_BIN / "initdb").exists():
            missing("PostgreSQL's initdb")
        self._as: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                missing("runuser (to run PostgreSQL as a non-root user)")
            self._as = [str(runuser), "-u", "postgres", "--"]
        self._initialised = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, timeout=120, check=False)
        if done.returncode:
            raise AssertionError(f"{Path(args[0]).name} failed: {done.stderr.decode()[-500:]}")

    def _initialise(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        if self._as:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.data, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")
        self._initialised = True

    async def start(self) -> None:
        if not self._initialised:
            await asyncio.to_thread(self._initialise)
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        await asyncio.to_thread(
            self._run,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            *("-l", str(self.root / "log"), "-w", "start"),
        )
        connection = await asyncpg.connect(self.url)
        await connection.close()

    async def stop(self, mode: str = "fast") -> None:
        await asyncio.to_thread(
            self._run, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"
        )

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def remove(self) -> None:
        """Stop it if it runs, and remove its files."""
        if (self.data / "postmaster.pid").exists():
            await self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
