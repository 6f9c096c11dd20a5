"""A kept copy changed by one replica (or task) while another reads it from SMSC: the write is
never lost to that read, and neither waits for the other. In one process's memory and in Redis
(the machine's own; skipped with one line where there is none), as two replicas use it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.account_copies import AccountCopies, MemoryCopyStore
from bot.shared.copies import RedisCopyStore
from bot.smsc import BlacklistEntry, BlockType
from tests.redis_service import redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]

KEY = "acct|black|phones"
Fetch = Callable[[], Awaitable[tuple[list[BlacklistEntry], bool]]]


def entry(number: int) -> BlacklistEntry:
    return BlacklistEntry(id=number, phone=f"7916000000{number}", type=BlockType.ALL, comment="")


@pytest.fixture(params=["memory", "redis"])
def replicas(request: pytest.FixtureRequest) -> tuple[AccountCopies, AccountCopies]:
    if request.param == "memory":
        store = MemoryCopyStore()
        return AccountCopies(store), AccountCopies(store)
    redis, prefix = request.getfixturevalue("redis_client"), request.getfixturevalue("redis_prefix")
    return (
        AccountCopies(RedisCopyStore(redis, prefix=prefix)),
        AccountCopies(RedisCopyStore(redis, prefix=prefix)),
    )


class SlowRead:
    """A read from SMSC that answers ``records`` when let go."""

    def __init__(self, records: list[BlacklistEntry]) -> None:
        self.records = records
        self.started = asyncio.Event()
        self.answer = asyncio.Event()

    async def __call__(self) -> tuple[list[BlacklistEntry], bool]:
        self.started.set()
        await self.answer.wait()
        return self.records, True


class CountedRead:
    def __init__(self, records: list[BlacklistEntry]) -> None:
        self.records = records
        self.count = 0

    async def __call__(self) -> tuple[list[BlacklistEntry], bool]:
        self.count += 1
        return self.records, True


def blocked(number: int) -> Callable[[tuple[BlacklistEntry, ...]], tuple[BlacklistEntry, ...]]:
    return lambda records: (entry(number), *records)


async def read(copies: AccountCopies, fetch: Fetch, *, refresh: bool = False) -> list[int]:
    kept = await copies.read(KEY, BlacklistEntry, fetch, refresh=refresh)
    return [each.id for each in kept.records]


async def test_a_block_during_a_refresh_stays_in_the_copy(
    replicas: tuple[AccountCopies, AccountCopies],
) -> None:
    one, other = replicas
    assert await read(one, CountedRead([entry(1)])) == [1]
    refresh = SlowRead([entry(1)])  # SMSC answered before the block landed
    refreshing = asyncio.create_task(read(one, refresh, refresh=True))
    await refresh.started.wait()
    # The block does not wait for the refresh to end.
    await other.change(KEY, BlacklistEntry, blocked(2))
    refresh.answer.set()
    assert await refreshing == [1]  # what SMSC said when asked
    never = CountedRead([])
    assert await read(other, never) == [2, 1]
    assert await read(one, never) == [2, 1]
    assert never.count == 0


async def test_a_block_during_the_first_read_is_not_hidden_by_it(
    replicas: tuple[AccountCopies, AccountCopies],
) -> None:
    one, other = replicas
    first = SlowRead([entry(1)])
    reading = asyncio.create_task(read(one, first))
    await first.started.wait()
    await other.change(KEY, BlacklistEntry, blocked(2))  # no copy yet to change
    first.answer.set()
    assert await reading == [1]
    # That read may have missed the block: it was not kept, and the next use reads again.
    again = CountedRead([entry(2), entry(1)])
    assert await read(other, again) == [2, 1]
    assert again.count == 1


async def test_a_fresh_copy_is_served_while_another_replica_refreshes_it(
    replicas: tuple[AccountCopies, AccountCopies],
) -> None:
    one, other = replicas
    assert await read(one, CountedRead([entry(1)])) == [1]
    refresh = SlowRead([entry(3), entry(1)])
    refreshing = asyncio.create_task(read(one, refresh, refresh=True))
    await refresh.started.wait()
    never = CountedRead([])
    assert await read(other, never) == [1]
    assert never.count == 0
    refresh.answer.set()
    assert await refreshing == [3, 1]
    assert await read(other, never) == [3, 1]


async def test_a_copy_that_could_not_be_vouched_for_is_read_again(
    replicas: tuple[AccountCopies, AccountCopies],
) -> None:
    one, other = replicas
    assert await read(one, CountedRead([entry(1)])) == [1]
    await other.store.drop(KEY)
    again = CountedRead([entry(4)])
    assert await read(one, again) == [4]
    assert again.count == 1
