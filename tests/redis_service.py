"""The Redis the replica tests need: the machine's own at 127.0.0.1:6379. Where it is absent the
tests skip with one line saying so; under CI (``CI=true``) a missing Redis fails them instead."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

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
