"""SMSC's limits held across replicas: the limiter in Redis, against the sandbox over loopback,
with SMSC's real minute on both sides (nothing waits for it to pass). Two replicas are two
processes; Redis is the machine's own (skipped with one line where there is none)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.sandbox import Fault, SandboxServer, SandboxState
from bot.smsc import (
    AddressBlockedError,
    AuthenticationError,
    ClientRateLimitError,
    Credentials,
    Endpoint,
    IpBlockedError,
    LimiterUnavailableError,
    RateLimitError,
    SmscClient,
    SmscTransport,
)
from bot.smsc.address_gate import PROBE_RETRY, AddressBlock
from bot.smsc.errors import (
    BadParametersError,
    CredentialsRejectedError,
    FailuresHeldError,
)
from bot.smsc.failures import ACCOUNT_FAILURES
from bot.smsc.limiter import Stamp
from bot.smsc.redis_limiter import RedisLimiter
from tests.conftest import LOGIN, PASSWORD
from tests.redis_service import REDIS_URL, OwnRedis, redis_client, redis_prefix

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


class Journal:
    """The database's journal of answered requests, as every replica writes and reads it."""

    def __init__(self) -> None:
        self.kept: list[Stamp] = []

    def stamped(self, stamp: Stamp) -> None:
        self.kept.append(stamp)

    def address(self, block: AddressBlock) -> None: ...

    def failed(self, failure: object) -> None: ...

    async def recent(self) -> tuple[Iterable[Stamp], Iterable[AddressBlock]]:
        return list(self.kept), []


async def restart(redis: Redis, prefix: str) -> None:
    """Redis restarted without persistence: all it held is gone."""
    async for key in redis.scan_iter(match=f"{prefix}:*"):
        await redis.delete(key)


async def test_a_redis_that_lost_its_windows_gets_them_back_from_the_database(
    redis_client: Redis, redis_prefix: str, minute: SandboxServer
) -> None:
    journal = Journal()
    options = {"journal": journal, "recent": journal.recent}
    async with replica(redis_client, redis_prefix, **options) as shared:
        client = client_of(shared, minute, 0)
        for _ in range(3):
            await client.phones.groups()
        await restart(redis_client, redis_prefix)
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


IDENTICAL = (("same:groups", 3),)


def limiters(redis: Redis, prefix: str, journal: Journal, count: int) -> list[RedisLimiter]:
    return [
        RedisLimiter(redis, window=WINDOW, prefix=prefix, journal=journal, recent=journal.recent)
        for _ in range(count)
    ]


async def send(limiter: RedisLimiter, bucket: str = "acct", *, site: str = "smsc.ru") -> None:
    async with limiter.acquire(bucket, IDENTICAL, 0, site=site):
        pass


async def test_requests_on_their_way_when_redis_forgets_still_count(
    redis_client: Redis, redis_prefix: str
) -> None:
    journal = Journal()
    (limiter,) = limiters(redis_client, redis_prefix, journal, 1)
    for _ in range(2):
        await send(limiter)
    async with limiter.acquire("acct", IDENTICAL, 0):
        await restart(redis_client, redis_prefix)
        # Two answered (the database kept them) and this one on its way: the window is full.
        with pytest.raises(ClientRateLimitError):
            await send(limiter)
    with pytest.raises(ClientRateLimitError):
        await send(limiter)


async def test_another_replicas_request_counts_again_once_answered_after_a_redis_restart(
    redis_client: Redis, redis_prefix: str
) -> None:
    journal = Journal()
    one, other = limiters(redis_client, redis_prefix, journal, 2)
    for _ in range(2):
        await send(one)
    async with one.acquire("acct", IDENTICAL, 0):
        await restart(redis_client, redis_prefix)
        await send(other, "another account")  # puts back what the database kept
    await one.settled()  # the answer stamped, just behind its caller
    with pytest.raises(ClientRateLimitError):
        await send(other)


async def test_credentials_smsc_rejected_are_not_sent_again_through_another_replica(
    redis_client: Redis, redis_prefix: str, minute: SandboxServer
) -> None:
    async with (
        replica(redis_client, redis_prefix) as one,
        replica(redis_client, redis_prefix) as other,
    ):
        minute.set_fault(Fault("error", code=2))
        with pytest.raises(AuthenticationError):
            await client_of(one, minute, 0).balance()
        minute.clear_faults()
        with pytest.raises(CredentialsRejectedError) as held:
            await client_of(other, minute, 0).balance()
    assert held.value.retry_after is not None
    assert held.value.retry_after > WINDOW
    assert len(minute.requests) == 1


async def test_an_account_failing_again_and_again_is_held_on_every_replica(
    redis_client: Redis, redis_prefix: str, minute: SandboxServer
) -> None:
    async with (
        replica(redis_client, redis_prefix) as one,
        replica(redis_client, redis_prefix) as other,
    ):
        minute.set_fault(Fault("error", code=1))
        for n in range(ACCOUNT_FAILURES):
            with pytest.raises(BadParametersError):
                client = client_of(one if n % 2 else other, minute, 0)
                await client.phones.block(f"7916000000{n}")
        with pytest.raises(FailuresHeldError) as held:
            await client_of(one, minute, 0).balance()
    assert not held.value.whole_site
    assert 0 < held.value.retry_after <= WINDOW
    assert len(minute.requests) == ACCOUNT_FAILURES


async def test_after_an_address_block_one_replica_probes_while_the_others_wait(
    redis_client: Redis, redis_prefix: str
) -> None:
    one, other = limiters(redis_client, redis_prefix, Journal(), 2)
    with pytest.raises(IpBlockedError):
        async with one.acquire("acct", IDENTICAL, 0, site="smsc.ru"):
            raise IpBlockedError("blocked")
    with pytest.raises(AddressBlockedError):
        await send(other, "another account")
    await send(other, "elsewhere", site="smsc.kz")
    # The back-off ran out: one request may try the address.
    await redis_client.delete(f"{redis_prefix}:gate:smsc.ru")
    async with one.acquire("acct", (("balance", 3),), 0, site="smsc.ru"):
        with pytest.raises(AddressBlockedError) as later:
            await send(other, "another account")
        assert later.value.retry_after == PROBE_RETRY
    # The probe was answered: every replica goes on.
    await send(other, "another account")


async def test_an_answer_that_comes_while_redis_is_down_is_kept_for_when_it_is_back(
    tmp_path: Path,
) -> None:
    own = OwnRedis(tmp_path)
    await own.start()
    redis = Redis.from_url(own.url)
    journal = Journal()
    (limiter,) = limiters(redis, "own", journal, 1)
    try:
        for _ in range(2):
            await send(limiter)
        async with limiter.acquire("acct", IDENTICAL, 0, site="smsc.ru"):
            await own.stop()  # the answer comes while Redis is down
        await own.start()  # and back empty
        with pytest.raises(ClientRateLimitError):
            await send(limiter)
    finally:
        await redis.aclose()
        await own.stop()
    assert len(journal.kept) == 3


class HeldReplies:
    """A TCP relay to Redis on loopback whose replies can be held back: a reply lost on its way
    to the replica, as the network edge sees it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.server: asyncio.Server | None = None

    @classmethod
    def before(cls, redis: Redis) -> HeldReplies:
        """A relay to the Redis ``redis`` talks to."""
        where = redis.connection_pool.connection_kwargs
        return cls((where.get("host", "127.0.0.1"), where.get("port", 6379)))

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _relay(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        server, to_server = await asyncio.open_connection(*self.target)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, held: bool) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    if held:
                        await self.flowing.wait()
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(client, to_server, False), pipe(server, to_client, True))


async def test_a_request_cancelled_while_reserving_gives_its_place_back(
    redis_client: Redis, redis_prefix: str
) -> None:
    relay = HeldReplies.before(redis_client)
    async with relay as url:
        relayed = Redis.from_url(url)
        (limiter,) = limiters(relayed, redis_prefix, Journal(), 1)
        await send(limiter, "another account")
        await limiter.settled()  # its answer stamped: nothing of it is held with the replies
        relay.flowing.clear()
        request = asyncio.create_task(send(limiter))
        # The reservation is made; its answer is held on the way back, and the request given up.
        while not await redis_client.exists(f"{redis_prefix}:inflight:acct"):
            await asyncio.sleep(0.005)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        relay.flowing.set()
        await limiter.close()
        await relayed.aclose()
    for held in ("inflight:acct", "w:acct:same:groups", "risky:smsc.ru"):
        assert await redis_client.zcard(f"{redis_prefix}:{held}") == 0, held
    # The same request's reservation run again (its reply lost) reserves once.
    (limiter,) = limiters(redis_client, redis_prefix, Journal(), 1)
    slot = limiter.acquire("acct", IDENTICAL, 0, site="smsc.ru")
    async with slot:
        again = await limiter.run("ENTER", slot._enter_keys(), slot._enter_args())  # type: ignore[attr-defined]
        assert again[0] == b"ok"
        assert await redis_client.zcard(f"{redis_prefix}:inflight:acct") == 1


async def test_a_plain_answer_goes_on_while_it_is_stamped_an_error_only_once_learned(
    redis_client: Redis, redis_prefix: str
) -> None:
    """The caller of a plain answer (a person's reply) does not wait for Redis to record it;
    until it is recorded the request still counts in flight and in its window. An error 9 is
    learned before its caller hears of it: the next request must already see the halved cap."""
    relay = HeldReplies.before(redis_client)
    async with relay as url:
        relayed = Redis.from_url(url)
        (limiter,) = limiters(relayed, redis_prefix, Journal(), 1)
        await send(limiter, "warm")  # the account and the address known to work
        await limiter.settled()
        slot = limiter.acquire("acct", IDENTICAL, 0, site="smsc.ru")
        await slot.__aenter__()
        relay.flowing.clear()  # Redis's replies held from here on
        await asyncio.wait_for(slot.__aexit__(None, None, None), 5)
        assert await redis_client.zcard(f"{redis_prefix}:inflight:acct") == 1  # still counted
        assert await redis_client.zcard(f"{redis_prefix}:w:acct:same:groups") == 1
        relay.flowing.set()
        await limiter.settled()
        assert await redis_client.zcard(f"{redis_prefix}:inflight:acct") == 0
        assert await redis_client.zcard(f"{redis_prefix}:w:acct:same:groups") == 1

        slot = limiter.acquire("acct", IDENTICAL, 0, site="smsc.ru")
        await slot.__aenter__()
        relay.flowing.clear()
        refused = RateLimitError("too many requests", code=9)
        leaving = asyncio.create_task(slot.__aexit__(RateLimitError, refused, None))
        await asyncio.sleep(0.05)
        assert not leaving.done()  # what error 9 teaches is in force before its caller goes on
        relay.flowing.set()
        await asyncio.wait_for(leaving, 5)
        assert await redis_client.exists(f"{redis_prefix}:cap:acct")
        await limiter.close()
        await relayed.aclose()


async def test_a_logins_next_request_never_finds_its_last_answered_one_in_flight(
    redis_client: Redis, redis_prefix: str
) -> None:
    """The pages of a list, one after the other, with the cap at one (halved after error 9):
    each page's request goes once the last one's answer is stamped, never refused as if two
    were in flight."""
    limiter = RedisLimiter(redis_client, window=WINDOW, prefix=redis_prefix, max_concurrent=1)
    try:
        for page in range(20):
            async with limiter.acquire("acct", ((f"page:{page}", 3),), 0, site="smsc.ru"):
                pass
    finally:
        await limiter.close()
    assert await redis_client.zcard(f"{redis_prefix}:inflight:acct") == 0


async def test_a_request_given_up_while_waiting_for_its_logins_stamps_leaves_them_running(
    redis_client: Redis, redis_prefix: str
) -> None:
    """A cancelled sweep's request must not cancel the stamps of a person's answers."""
    relay = HeldReplies.before(redis_client)
    async with relay as url:
        relayed = Redis.from_url(url)
        journal = Journal()
        (limiter,) = limiters(relayed, redis_prefix, journal, 1)
        await send(limiter, "warm")
        await limiter.settled()
        relay.flowing.clear()
        slot = limiter.acquire("acct", IDENTICAL, 0, site="smsc.ru")
        relay.flowing.set()
        await slot.__aenter__()
        relay.flowing.clear()
        await slot.__aexit__(None, None, None)  # its stamp held on the way back
        waiting = asyncio.create_task(send(limiter))
        await asyncio.sleep(0.02)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        relay.flowing.set()
        await limiter.close()
        await relayed.aclose()
    assert await redis_client.zcard(f"{redis_prefix}:inflight:acct") == 0
    assert len(journal.kept) == 2  # the answer's stamp, journaled after all
