"""The Redis the replica tests need: the machine's own at 127.0.0.1:6379. Where it is absent the
tests skip with one line saying so; under CI (``CI=true``) a missing Redis fails them instead."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.postgres_service import free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def reachable_redis() -> Redis:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as error:
        await client.aclose()
        message = f"Redis is not reachable at {REDIS_URL} ({type(error).__name__})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": CI needs it")
        pytest.skip(message)
    return client


@pytest.fixture
async def redis_client() -> AsyncIterator[Redis]:
    client = await reachable_redis()
    yield client
    await client.aclose()


@pytest.fixture
async def redis_prefix(redis_client: Redis) -> AsyncIterator[str]:
    """A key prefix of the test's own, its keys removed afterwards: nothing assumes an empty
    server, and nothing is left on it."""
    prefix = f"test-{secrets.token_hex(6)}"
    yield prefix
    async for key in redis_client.scan_iter(match=f"{prefix}:*"):
        await redis_client.delete(key)


class OwnRedis:
    """A redis-server that keeps nothing on disk: a restart comes back empty."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            message = "redis-server is not installed: no server of the test's own"
            if os.environ.get("CI") == "true":
                pytest.fail(message + ": CI needs it")
            pytest.skip(message)

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
