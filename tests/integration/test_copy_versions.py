"""A kept copy changed by one replica (or task) while another reads it from SMSC: the write is
never lost to that read, and neither waits for the other. In one process's memory and in Redis
(the machine's own; skipped with one line where there is none), as two replicas use it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis

from bot.account_copies import AccountCopies, Kept, KeptGroup, MemoryCopyStore
from bot.sender_copies import SubClient
from bot.shared.copies import RedisCopyStore
from bot.smsc import BlacklistEntry, BlockType, Contact, Group, Sender
from tests.integration.test_copies_out_of_reach import GoneAtTheWrite
from tests.redis_service import redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]

KEY = "acct|black|phones"
Fetch = Callable[[], Awaitable[tuple[list[BlacklistEntry], bool]]]


def entry(number: int) -> BlacklistEntry:
    return BlacklistEntry(id=number, phone=f"7916000000{number}", type=BlockType.ALL, comment="")


@pytest.fixture(params=["one process", "two replicas"])
def replicas(request: pytest.FixtureRequest) -> tuple[AccountCopies, AccountCopies]:
    """Where two tasks keep copies: in one process's memory (the default), or in two replicas
    sharing Redis."""
    if request.param == "one process":
        copies = AccountCopies(MemoryCopyStore())
        return copies, copies
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
    # In one process the refresh shows the block too; a replica shows what SMSC said.
    assert await refreshing == ([2, 1] if one is other else [1])
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
    again = CountedRead([entry(2), entry(1)])
    if one is other:
        # The block goes on top of what the read brought, and that is kept.
        assert await reading == [2, 1]
        assert await read(other, again) == [2, 1]
        assert again.count == 0
    else:
        # Another replica's read may have missed the block: not kept, read again when used.
        assert await reading == [1]
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


async def test_every_kind_of_copy_reads_back_the_same_on_another_replica(
    redis_client: Redis, redis_prefix: str
) -> None:
    samples: list[tuple[type[BaseModel], list[BaseModel]]] = [
        (
            BlacklistEntry,
            [BlacklistEntry(id=1, phone="+79160000001", type=BlockType.MASS, comment="спам ✓")],
        ),
        (Group, [Group.model_validate({"id": 2, "name": "VIP «клиенты»", "num": "5", "cnt": 3})]),
        # A group whose count the bot's own writes changed: counted again where shown.
        (
            KeptGroup,
            [KeptGroup.model_validate({"id": 3, "name": "VIP", "cnt": 6, "counted": False})],
        ),
        (
            Contact,
            [Contact(address="79160000002", name="Анна", groups=(1, 2), int_id=7), Contact()],
        ),
        (
            Sender,
            [
                Sender.model_validate(
                    {
                        "id": 3,
                        "sender": "MyShop",
                        "status": 1,
                        "operators": {"mts": 2, "beeline": 9},
                        "files": [{"file": "letter.pdf", "fid": 4, "fstatus": 1}],
                    }
                )
            ],
        ),
        (SubClient, [SubClient(login="branch-2")]),
    ]
    one, other = (RedisCopyStore(redis_client, prefix=redis_prefix) for _ in range(2))
    for n, (model, records) in enumerate(samples):
        key = f"acct|kind{n}"
        kept = Kept(1_800_000_000.5, tuple(records), complete=n % 2 == 0)
        assert await one.save(key, kept, expected="")
        version, loaded = await other.load(key, model)
        assert version
        assert loaded == kept
        # A change through the other replica reads back the same on the first.
        changed = Kept(kept.read_at, (*loaded.records, *records), kept.complete)
        assert await other.save(key, changed, expected=version)
        assert (await one.load(key, model))[1] == changed


async def test_a_read_begun_before_a_write_is_not_kept_though_memory_let_that_write_go() -> None:
    store = MemoryCopyStore(max_copies=1)
    copies = AccountCopies(store)
    version, kept = await store.load(KEY, BlacklistEntry)  # a read from SMSC begins
    assert kept is None
    await copies.change(KEY, BlacklistEntry, blocked(2))  # no copy: only its mark stays
    await store.save("another|black|phones", Kept(0.0, ()), expected="")  # that mark goes
    assert not await store.save(KEY, Kept(0.0, (entry(1),)), expected=version)


async def test_a_change_made_from_an_outdated_copy_is_made_again_on_the_current_one(
    replicas: tuple[AccountCopies, AccountCopies],
) -> None:
    """A change starts from the copy as this replica last saw it (one round trip when nobody
    changed it since); another replica's change meanwhile is kept, and so is this one."""
    one, other = replicas
    smsc = CountedRead([entry(1)])
    await read(one, smsc)
    await read(other, smsc)
    await other.change(KEY, BlacklistEntry, blocked(2))
    await one.change(KEY, BlacklistEntry, blocked(3))  # "one" last saw [1]
    await one.change(KEY, BlacklistEntry, blocked(4))
    assert await read(other, smsc) == [4, 3, 2, 1]
    assert await read(one, smsc) == [4, 3, 2, 1]
    assert smsc.count == 1


async def test_a_read_that_a_lost_write_raced_is_kept_by_no_replica() -> None:
    """A block SMSC accepted while this replica read the blacklist, and the store out of reach
    for both the block's change and its drop: the read, which SMSC may have answered before
    the block, is not kept once the store is back, and another replica reads afresh."""
    store = GoneAtTheWrite()
    one, other = AccountCopies(store), AccountCopies(store)
    first = SlowRead([entry(1)])  # SMSC answered before the block
    reading = asyncio.create_task(read(one, first))
    await first.started.wait()
    store.down = True
    await one.change(KEY, BlacklistEntry, blocked(2))  # logged, never raised
    store.down = False
    first.answer.set()
    shown = await reading
    smsc = CountedRead([entry(2), entry(1)])
    assert await read(other, smsc) == [2, 1]
    assert smsc.count == 1
    assert shown == [2, 1]  # this process knows of its block, and says so
