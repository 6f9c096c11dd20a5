"""Two replicas of the bot on the machine's Redis and one database (a SQLite file both use), with
a bot of their own: its id names their keys on the shared Redis, removed afterwards. (Skipped
with one line where there is no Redis.)"""

from __future__ import annotations

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
    # A bot of its own: its id names its keys on the shared Redis, removed afterwards.
    bot_id = 900_000_000 + secrets.randbelow(99_999_999)
    token = f"{bot_id}:TEST-fake-token-for-replica-tests-0"
    telegram = FakeTelegram(token)
    await telegram.start()
    shared = {"bot_token": token, "redis_url": REDIS_URL, "encryption_keys": generate_key()}
    replicas: list[Harness] = []
    try:
        for _ in range(2):
            replicas.append(await open_harness(telegram, sandbox, tmp_path, **shared))
        yield replicas[0], replicas[1]
    finally:
        for replica in replicas:
            await close_harness(replica)
        await telegram.stop()
        await _forget_keys(redis, f"smsc-bot:{bot_id}:*")
        await redis.aclose()


async def _forget_keys(redis: Redis, pattern: str) -> None:
    async for key in redis.scan_iter(match=pattern):
        await redis.delete(key)
