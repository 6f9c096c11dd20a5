"""SMSC's limits held across replicas: the limiter in Redis, against the sandbox over loopback,
with SMSC's real minute on both sides (nothing waits for it to pass). Two replicas are two
processes; Redis is the machine's own (skipped with one line where there is none)."""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from collections.abc import AsyncIterator, Iterable

import pytest
from redis.asyncio import Redis

from bot.sandbox import Fault, SandboxServer, SandboxState
from bot.smsc import (
    AddressBlockedError,
    ClientRateLimitError,
    Credentials,
    Endpoint,
    IpBlockedError,
    LimiterUnavailableError,
    RateLimitError,
    SmscClient,
    SmscTransport,
)
from bot.smsc.address_gate import AddressBlock
from bot.smsc.limiter import Stamp
from bot.smsc.redis_limiter import RedisLimiter
from tests.conftest import LOGIN, PASSWORD
from tests.redis_service import REDIS_URL, redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]

WINDOW = 60.0
NAMES = secrets.token_bytes(32)


@pytest.fixture
async def minute(sandbox_state: SandboxState) -> AsyncIterator[SandboxServer]:
    async with SandboxServer(sandbox_state, rate_window=WINDOW) as server:
        yield server


def replica(redis: Redis, prefix: str, **options: object) -> SmscTransport:
    limiter = RedisLimiter(redis, window=WINDOW, prefix=prefix, **options)  # type: ignore[arg-type]
    return SmscTransport(limiter=limiter, names_key=NAMES)


def client_of(transport: SmscTransport, sandbox: SandboxServer, wait: float | None) -> SmscClient:
    credentials = Credentials(LOGIN, PASSWORD)
    return SmscClient(transport, credentials, Endpoint(sandbox.base_url), max_wait=wait)


async def run_replica(prefix: str, sandbox: SandboxServer, mode: str, tasks: int) -> dict[str, int]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.limiter_replica",
        REDIS_URL,
        prefix,
        sandbox.base_url,
        NAMES.hex(),
        mode,
        str(tasks),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    outcome: dict[str, int] = json.loads(out.decode().strip().splitlines()[-1])
    return outcome


def identical(sandbox: SandboxServer) -> int:
    return sum(1 for r in sandbox.requests if r.action == "get_group" and r.status == "ok")


async def test_two_replicas_send_three_identical_requests_a_minute_between_them(
    redis_prefix: str, minute: SandboxServer
) -> None:
    outcomes = await asyncio.gather(
        *(run_replica(redis_prefix, minute, "identical", 20) for _ in range(2))
    )
    assert sum(o["answered"] for o in outcomes) == 3
    assert sum(o["refused"] for o in outcomes) == 37
    assert identical(minute) == 3
    assert minute.error9_count == 0


async def test_two_replicas_keep_under_fifteen_in_flight_for_one_login(
    redis_prefix: str, minute: SandboxServer
) -> None:
    minute.latency = 0.05
    outcomes = await asyncio.gather(
        *(run_replica(redis_prefix, minute, "spread", 20) for _ in range(2))
    )
    assert sum(o["answered"] for o in outcomes) == 40
    assert 1 < minute.peak_in_flight(LOGIN) <= 14
    assert minute.error9_count == 0


async def test_a_redis_that_lost_its_windows_gets_them_back_from_the_database(
    redis_client: Redis, redis_prefix: str, minute: SandboxServer
) -> None:
    kept: list[Stamp] = []

    class Journal:
        def stamped(self, stamp: Stamp) -> None:
            kept.append(stamp)

        def address(self, block: AddressBlock) -> None: ...

        def failed(self, failure: object) -> None: ...

    async def recent() -> tuple[Iterable[Stamp], Iterable[AddressBlock]]:
        return list(kept), []

    async with replica(redis_client, redis_prefix, journal=Journal(), recent=recent) as shared:
        client = client_of(shared, minute, 0)
        for _ in range(3):
            await client.phones.groups()
        # Redis restarted without persistence: all it held is gone.
        async for key in redis_client.scan_iter(match=f"{redis_prefix}:*"):
            await redis_client.delete(key)
        with pytest.raises(ClientRateLimitError) as caught:
            await client.phones.groups()
        assert 50 <= caught.value.retry_after <= 60
    assert identical(minute) == 3
    assert minute.error9_count == 0


async def test_smscs_own_answers_teach_every_replica(
    redis_client: Redis, redis_prefix: str, minute: SandboxServer
) -> None:
    async with (
        replica(redis_client, redis_prefix) as one,
        replica(redis_client, redis_prefix) as other,
    ):
        minute.set_fault(Fault("error", code=9))
        with pytest.raises(RateLimitError):
            await client_of(one, minute, 0).phones.groups()
        minute.clear_faults()
        with pytest.raises(ClientRateLimitError):
            await client_of(other, minute, 0).phones.groups()
        minute.set_fault(Fault("error", code=4))
        with pytest.raises(IpBlockedError):
            await client_of(one, minute, 0).balance()
        with pytest.raises(AddressBlockedError):
            await client_of(other, minute, 0).senders.list()
    assert len(minute.requests) == 2  # the error 9 and the error 4, nothing after them


async def test_without_redis_nothing_goes_out_unlimited(minute: SandboxServer) -> None:
    closed = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    async with replica(closed, "nowhere") as shared:
        with pytest.raises(LimiterUnavailableError):
            await client_of(shared, minute, None).phones.groups()
    await closed.aclose()
    assert minute.requests == []
