"""Two replicas of the bot on the machine's Redis and one database (a SQLite file both use), with
a bot of their own: its id names their keys on the shared Redis, removed afterwards. (Skipped
with one line where there is no Redis.)"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.sandbox import SandboxServer
from storage import generate_key
from tests.fakes.telegram import FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness
from tests.redis_service import REDIS_URL, reachable_redis


@pytest.fixture
async def two_replicas(
    sandbox: SandboxServer, tmp_path: Path
) -> AsyncIterator[tuple[Harness, Harness]]:
    redis = await reachable_redis()
    try:
        async with replicas_on(REDIS_URL, sandbox, tmp_path) as replicas:
            yield replicas
    finally:
        await redis.aclose()


@contextlib.asynccontextmanager
async def replicas_on(
    redis_url: str, sandbox: SandboxServer, tmp_path: Path
) -> AsyncIterator[tuple[Harness, Harness]]:
    # A bot of its own: its id names its keys on the shared Redis, removed afterwards.
    bot_id = 900_000_000 + secrets.randbelow(99_999_999)
    token = f"{bot_id}:TEST-fake-token-for-replica-tests-0"
    telegram = FakeTelegram(token)
    await telegram.start()
    shared = {"bot_token": token, "redis_url": redis_url, "encryption_keys": generate_key()}
    replicas: list[Harness] = []
    try:
        for _ in range(2):
            replicas.append(await open_harness(telegram, sandbox, tmp_path, **shared))
        yield replicas[0], replicas[1]
    finally:
        for replica in replicas:
            await close_harness(replica)
        await telegram.stop()
        redis = Redis.from_url(redis_url)
        async for key in redis.scan_iter(match=f"smsc-bot:{bot_id}:*"):
            await redis.delete(key)
        await redis.aclose()
