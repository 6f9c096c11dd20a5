"""What replicas share through Redis, each piece tried as two replicas would use it: two
objects on one Redis (the machine's own; skipped with one line where there is none)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Update
from redis.asyncio import Redis

from bot.account_copies import AccountCopies, block_entry
from bot.login_attempts import TooManyAttemptsError
from bot.sandbox import SandboxServer
from bot.shared.attempts import RedisLoginAttempts
from bot.shared.copies import RedisCopyStore
from bot.shared.leases import Lease, LeaseKeeper
from bot.shared.updates import UpdateClaims, UpdateInHandElsewhereError
from bot.smsc import BlockType, LimiterUnavailableError, SmscClient
from storage import Keyring, Storage, generate_key
from tests.redis_service import redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def gone(redis: Redis, key: str) -> None:
    while await redis.exists(key):
        await asyncio.sleep(0.005)


def unreachable() -> Redis:
    # Port 1 on loopback: nothing listens there, and the refusal comes at once.
    return Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)


# -- leases --------------------------------------------------------------------------------


async def test_a_lease_has_one_holder_and_each_new_holder_a_larger_token(
    redis_client: Redis, redis_prefix: str
) -> None:
    first = Lease(redis_client, "watcher", ttl=30, holder="a", prefix=redis_prefix)
    second = Lease(redis_client, "watcher", ttl=30, holder="b", prefix=redis_prefix)
    token = await first.acquire()
    assert token is not None
    assert await second.acquire() is None
    assert await first.acquire() == token  # renewed, not taken anew
    assert await second.holder_now() == "a"
    await first.release()
    later = await second.acquire()
    assert later is not None
    assert later > token
    await first.release()  # not the holder: changes nothing
    assert await first.holder_now() == "b"


async def test_a_lease_nobody_renews_runs_out_and_passes_on(
    redis_client: Redis, redis_prefix: str
) -> None:
    first = Lease(redis_client, "watcher", ttl=30, holder="a", prefix=redis_prefix)
    second = Lease(redis_client, "watcher", ttl=30, holder="b", prefix=redis_prefix)
    token = await first.acquire()
    await redis_client.pexpire(first.key, 1)  # the holder froze; its time runs out
    await gone(redis_client, first.key)
    later = await second.acquire()
    assert token is not None
    assert later is not None
    assert later > token
    assert await first.acquire() is None


async def test_a_keeper_wins_and_loses_when_another_replica_takes_the_lease(
    redis_client: Redis, redis_prefix: str
) -> None:
    events: list[str] = []

    async def won(token: int) -> None:
        events.append(f"won {token}")

    async def lost() -> None:
        events.append("lost")

    lease = Lease(redis_client, "watcher", ttl=30, holder="a", prefix=redis_prefix)
    keeper = LeaseKeeper(lease, on_won=won, on_lost=lost, clock=Clock())
    await keeper.step()
    await keeper.step()  # renewing is not winning again
    assert events == [f"won {lease.token}"]
    assert keeper.valid()
    await redis_client.delete(lease.key)
    assert await Lease(redis_client, "watcher", ttl=30, holder="b", prefix=redis_prefix).acquire()
    await keeper.step()
    assert events[-1] == "lost"
    assert not keeper.valid()


async def test_a_keeper_that_fails_to_take_over_tries_again_at_its_next_step(
    redis_client: Redis, redis_prefix: str
) -> None:
    # Taking the watcher over reads the database, which may be away for a moment (it is
    # often why the lease moved): the lease must not stay held with nothing running.
    events: list[str] = []

    async def won(token: int) -> None:
        events.append(f"won {token}")
        if len(events) == 1:
            raise RuntimeError("the database is away for a moment")

    async def lost() -> None:
        events.append("lost")

    lease = Lease(redis_client, "watcher", ttl=30, holder="a", prefix=redis_prefix)
    keeper = LeaseKeeper(lease, on_won=won, on_lost=lost, clock=Clock())
    with pytest.raises(RuntimeError):
        await keeper.step()
    assert events == [f"won {lease.token}", "lost"]
    assert not keeper.valid()
    await keeper.step()
    assert events[-1] == f"won {lease.token}"
    assert keeper.valid()


async def test_a_keeper_cut_off_from_redis_stops_before_its_lease_could_pass_on() -> None:
    events: list[str] = []

    async def won(token: int) -> None:
        events.append("won")

    async def lost() -> None:
        events.append("lost")

    clock = Clock()
    redis = unreachable()
    lease = Lease(redis, "watcher", ttl=30, holder="a")
    keeper = LeaseKeeper(lease, on_won=won, on_lost=lost, clock=clock)
    # Held until now, renewed a moment ago: one failed renewal changes nothing yet.
    keeper.holding, keeper._renewed_at = True, clock.now
    clock.now += keeper.every
    await keeper.step()
    assert events == []
    assert keeper.valid()
    # Two renewals missed: another replica may take the lease a third later, so stop now.
    clock.now += keeper.every
    assert not keeper.valid()
    await keeper.step()
    assert events == ["lost"]
    await redis.aclose()


# -- kept copies ---------------------------------------------------------------------------


async def test_a_copy_read_through_one_replica_serves_another(
    redis_client: Redis, redis_prefix: str, client: SmscClient, sandbox: SandboxServer
) -> None:
    clock = Clock()
    one = AccountCopies(RedisCopyStore(redis_client, prefix=redis_prefix), clock=clock)
    other = AccountCopies(RedisCopyStore(redis_client, prefix=redis_prefix), clock=clock)
    number = "79160000002"
    await client.phones.block(number, BlockType.ALL, "before")
    first = await one.blacklist(client, mail=False)
    assert number in {e.phone.lstrip("+") for e in first.records}
    assert (await other.blacklist(client, mail=False)).records == first.records
    assert sum(1 for r in sandbox.requests if r.action == "get_black") == 1
    # A write through one replica is what the other shows, without a read.
    added = "79160000003"
    entry_id = await client.phones.block(added, BlockType.MASS, "спам ✓")
    await one.blocked(client, block_entry(entry_id, added, BlockType.MASS, "спам ✓"), mail=False)
    shown = await other.blacklist(client, mail=False)
    assert {(e.phone.lstrip("+"), e.type, e.comment) for e in shown.records} == {
        (e.phone.lstrip("+"), e.type, e.comment) for e in first.records
    } | {(added, BlockType.MASS, "спам ✓")}
    assert sum(1 for r in sandbox.requests if r.action == "get_black") == 1


async def test_one_copy_is_read_by_one_replica_at_a_time(
    redis_client: Redis, redis_prefix: str
) -> None:
    stores = [RedisCopyStore(redis_client, prefix=redis_prefix) for _ in range(2)]
    inside = asyncio.Event()
    leave = asyncio.Event()
    order: list[str] = []

    async def hold() -> None:
        async with stores[0].exclusive("acct|black|phones"):
            order.append("first in")
            inside.set()
            await leave.wait()
            order.append("first out")

    async def wait_turn() -> None:
        await inside.wait()
        async with stores[1].exclusive("acct|black|phones"):
            order.append("second in")

    holder, waiter = asyncio.create_task(hold()), asyncio.create_task(wait_turn())
    await inside.wait()
    for _ in range(20):
        await asyncio.sleep(0)
    leave.set()
    await asyncio.gather(holder, waiter)
    assert order == ["first in", "first out", "second in"]


# -- login attempts ------------------------------------------------------------------------


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(tmp_path / "bot.sqlite3", Keyring.from_text(generate_key()))
    yield opened
    await opened.close()


async def test_wrong_logins_count_across_replicas(
    redis_client: Redis, redis_prefix: str, storage: Storage
) -> None:
    one, other = (
        RedisLoginAttempts(redis_client, journal=storage.login_attempts, prefix=redis_prefix)
        for _ in range(2)
    )
    # One person tries in five chats, through both replicas.
    for chat in range(5):
        await (one if chat % 2 else other).begin(7, -100 - chat)
    with pytest.raises(TooManyAttemptsError) as refused:
        await one.begin(7, -200)
    assert 0 < refused.value.retry_after <= one.period
    # Another person in another chat is not affected.
    await other.begin(8, 8)


async def test_a_secret_smsc_accepted_gives_its_attempt_back_on_every_replica(
    redis_client: Redis, redis_prefix: str, storage: Storage
) -> None:
    one, other = (
        RedisLoginAttempts(redis_client, journal=storage.login_attempts, prefix=redis_prefix)
        for _ in range(2)
    )
    attempts = [await one.begin(7, 7) for _ in range(5)]
    with pytest.raises(TooManyAttemptsError):
        await other.begin(7, 7)
    await one.not_wrong(attempts[2])
    await other.begin(7, 7)


async def test_redis_restarted_empty_still_remembers_the_wrong_logins(
    redis_client: Redis, redis_prefix: str, storage: Storage
) -> None:
    before = RedisLoginAttempts(redis_client, journal=storage.login_attempts, prefix=redis_prefix)
    for _ in range(5):
        await before.begin(7, 7)
    async for key in redis_client.scan_iter(match=f"{redis_prefix}:*"):
        await redis_client.delete(key)  # what a restart without persistence leaves
    after = RedisLoginAttempts(redis_client, journal=storage.login_attempts, prefix=redis_prefix)
    with pytest.raises(TooManyAttemptsError):
        await after.begin(7, 7)
    with pytest.raises(TooManyAttemptsError):
        await after.begin(7, 99)  # the user's count, restored too
    await after.begin(8, 99)


async def test_no_login_is_tried_when_the_counts_cannot_be_checked(storage: Storage) -> None:
    redis = unreachable()
    attempts = RedisLoginAttempts(redis, journal=storage.login_attempts)
    with pytest.raises(LimiterUnavailableError):
        await attempts.begin(7, 7)
    assert await storage.login_attempts.since(0) == []
    await redis.aclose()


# -- updates -------------------------------------------------------------------------------


def update(update_id: int) -> Update:
    return Update(update_id=update_id)


async def test_an_update_handled_by_one_replica_is_dropped_by_another(
    redis_client: Redis, redis_prefix: str
) -> None:
    one = UpdateClaims(redis_client, replica="a", prefix=redis_prefix)
    other = UpdateClaims(redis_client, replica="b", prefix=redis_prefix)
    handled: list[str] = []

    def handler(name: str) -> Any:
        async def handle(event: Any, data: dict[str, Any]) -> str:
            handled.append(name)
            return "ok"

        return handle

    assert await one(handler("a"), update(1), {}) == "ok"
    assert await other(handler("b"), update(1), {}) is None
    assert handled == ["a"]
    assert await other(handler("b"), update(2), {}) == "ok"
    assert handled == ["a", "b"]


async def test_an_update_in_hand_elsewhere_is_refused_so_that_telegram_sends_it_again(
    redis_client: Redis, redis_prefix: str
) -> None:
    one = UpdateClaims(redis_client, replica="a", prefix=redis_prefix)
    other = UpdateClaims(redis_client, replica="b", prefix=redis_prefix)
    inside, leave = asyncio.Event(), asyncio.Event()

    async def slow(event: Any, data: dict[str, Any]) -> str:
        inside.set()
        await leave.wait()
        return "done"

    async def never(event: Any, data: dict[str, Any]) -> str:
        raise AssertionError("handled twice")

    first = asyncio.create_task(one(slow, update(5), {}))
    await inside.wait()
    with pytest.raises(UpdateInHandElsewhereError):
        await other(never, update(5), {})
    leave.set()
    assert await first == "done"
    assert await other(never, update(5), {}) is None


async def test_an_update_whose_handling_failed_or_was_cut_is_handled_when_sent_again(
    redis_client: Redis, redis_prefix: str
) -> None:
    one = UpdateClaims(redis_client, replica="a", prefix=redis_prefix)
    other = UpdateClaims(redis_client, replica="b", prefix=redis_prefix)

    async def cut(event: Any, data: dict[str, Any]) -> str:
        raise asyncio.CancelledError  # the replica is stopping

    async def fine(event: Any, data: dict[str, Any]) -> str:
        return "handled"

    with contextlib.suppress(asyncio.CancelledError):
        await one(cut, update(9), {})
    assert await other(fine, update(9), {}) == "handled"


async def test_a_replica_that_died_mid_update_leaves_it_to_the_next_once_its_claim_ends(
    redis_client: Redis, redis_prefix: str
) -> None:
    other = UpdateClaims(redis_client, replica="b", prefix=redis_prefix)
    key = f"{redis_prefix}:update:11"
    await redis_client.set(key, "a", px=1)  # replica a claimed it and died

    async def fine(event: Any, data: dict[str, Any]) -> str:
        return "handled"

    await gone(redis_client, key)
    assert await other(fine, update(11), {}) == "handled"
