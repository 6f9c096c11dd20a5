"""With replicas, the versions of the kept copies a chat's last update loaded are read as its next
update takes the chat's lock (one script): that update asks Redis for no version of its own for
a moment, and a change it makes from a version read so is never saved over a change made
meanwhile. On the
machine's Redis (skipped with one line where there is none); two replicas, each its own store."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis

from bot.copy_store import Kept
from bot.dialog_storage import shared_key_builder
from bot.kept_copies import KeptCopies
from bot.shared.copies import AHEAD_FOR, RedisCopyStore
from bot.shared.dialog_locks import StateReadWithLock
from tests.kept_entries import Clock, Entry, added
from tests.redis_service import redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]

CHAT = StorageKey(bot_id=1, chat_id=501, user_id=501)
OTHER_CHAT = StorageKey(bot_id=1, chat_id=502, user_id=502)
COPY = "127.0.0.1:1|0123abcd|black|phones"


def replica(
    redis: Redis, prefix: str, clock: Clock | None = None
) -> tuple[StateReadWithLock, KeptCopies]:
    store = RedisCopyStore(redis, prefix=prefix, clock=clock or Clock())
    locks = StateReadWithLock(redis, key_builder=shared_key_builder(prefix), ahead=store)
    return locks, KeptCopies(store, clock=lambda: 2.0)


@dataclass
class Replicas:
    """This replica (``locks``, ``copies``, its clock), after the chat's update that loaded
    the copy, and another replica's copies (``elsewhere``)."""

    locks: StateReadWithLock
    copies: KeptCopies
    clock: Clock
    elsewhere: KeptCopies


@pytest.fixture
async def two(redis_client: Redis, redis_prefix: str) -> Replicas:
    clock = Clock()
    locks, copies = replica(redis_client, redis_prefix, clock)
    _other_locks, elsewhere = replica(redis_client, redis_prefix)
    await first_update(locks, copies)
    return Replicas(locks, copies, clock, elsewhere)


async def phones(copies: KeptCopies) -> list[str]:
    kept = await copies.kept(COPY, Entry)
    assert kept is not None
    return [e.phone for e in kept.records]


async def first_update(locks: StateReadWithLock, copies: KeptCopies) -> None:
    """The chat's update that loads the copy (read from SMSC: one entry)."""

    async def fetch() -> tuple[list[Entry], bool]:
        return [Entry(phone="1")], True

    async with locks.lock(CHAT):
        await copies.read(COPY, Entry, fetch, refresh=False)


class Commands:
    """What clients (not scripts) send to Redis, from MONITOR, up to a marker the test sends."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.seen: list[tuple[str, ...]] = []
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def __aenter__(self) -> Commands:
        self._task = asyncio.create_task(self._listen())
        await self._ready.wait()
        return self

    async def _listen(self) -> None:
        async with self.redis.monitor() as monitor:
            self._ready.set()
            async for command in monitor.listen():
                if command["client_type"] == "lua":
                    continue
                words = tuple(command["command"].split(" "))
                if words == ("ECHO", "end-of-test"):
                    return
                self.seen.append(words)

    async def __aexit__(self, *_: object) -> None:
        await self.redis.echo("end-of-test")
        assert self._task is not None
        await asyncio.wait_for(self._task, 10)

    def gets(self) -> list[tuple[str, ...]]:
        return [c for c in self.seen if c[0] in ("GET", "MGET")]


async def test_the_next_update_of_a_chat_reads_no_version_of_its_own(
    redis_client: Redis, redis_prefix: str
) -> None:
    locks, copies = replica(redis_client, redis_prefix)
    await first_update(locks, copies)
    async with Commands(redis_client) as commands, locks.lock(CHAT):
        assert await phones(copies) == ["1"]
    assert commands.gets() == []
    # Another chat's update has nothing read ahead: it asks for the version.
    async with Commands(redis_client) as commands, locks.lock(OTHER_CHAT):
        assert await phones(copies) == ["1"]
    assert len(commands.gets()) == 1


async def test_a_change_elsewhere_before_the_lock_is_seen_by_the_next_update(two: Replicas) -> None:
    locks, copies, elsewhere = two.locks, two.copies, two.elsewhere
    await elsewhere.change(COPY, Entry, added("2"))
    async with locks.lock(CHAT):
        assert await phones(copies) == ["1", "2"]


async def test_a_change_from_a_version_read_ahead_keeps_a_change_made_meanwhile(
    two: Replicas,
) -> None:
    locks, copies, elsewhere = two.locks, two.copies, two.elsewhere
    async with locks.lock(CHAT):
        # Another replica's change lands after the lock read the version, before the load:
        # this update plans from the copy as it was a moment earlier...
        await elsewhere.change(COPY, Entry, added("2"))
        assert await phones(copies) == ["1"]
        # ...and its own change is made again on top of the other, not saved over it.
        await copies.change(COPY, Entry, added("3"))
        assert await phones(copies) == ["1", "2", "3"]
    # Outside the update, nothing read ahead is used.
    await elsewhere.change(COPY, Entry, added("4"))
    assert await phones(copies) == ["1", "2", "3", "4"]


async def test_a_version_read_with_the_lock_stands_only_for_a_moment(two: Replicas) -> None:
    """A card that waits on SMSC for the contacts before it loads the blacklist asks Redis."""
    async with two.locks.lock(CHAT):
        await two.elsewhere.change(COPY, Entry, added("2"))
        two.clock.now += AHEAD_FOR + 0.1
        assert await phones(two.copies) == ["1", "2"]


async def test_a_task_the_update_left_behind_asks_redis(two: Replicas) -> None:
    locks, copies, elsewhere = two.locks, two.copies, two.elsewhere
    go = asyncio.Event()

    async def later() -> list[str]:
        await go.wait()
        return await phones(copies)

    async with locks.lock(CHAT):
        task = asyncio.create_task(later())  # shares the update's context
    await elsewhere.change(COPY, Entry, added("2"))
    go.set()
    assert await task == ["1", "2"]


async def test_a_dropped_copy_is_read_afresh_by_the_next_update(two: Replicas) -> None:
    locks, copies, elsewhere = two.locks, two.copies, two.elsewhere
    await elsewhere.drop(COPY)
    async with locks.lock(CHAT):
        assert await copies.kept(COPY, Entry) is None
        assert isinstance(await copies.read(COPY, Entry, _two, refresh=False), Kept)
        assert await phones(copies) == ["1", "2"]


async def _two() -> tuple[list[Entry], bool]:
    return [Entry(phone="1"), Entry(phone="2")], True
