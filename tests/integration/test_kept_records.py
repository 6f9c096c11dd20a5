"""What a replica keeps of a chat's record (:mod:`bot.shared.records`), on the machine's Redis
(skipped with one line where there is none) and a database two replicas share: a record is
used only by an update whose chat's lock came back with the version it was kept with; a change
through any replica's accounts, or one made without the chat's lock while an update reads,
sends the next update to the database; a change Redis cannot version is not made; a record is
not used past its age, by a task an update left behind, or in a group."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.accounts import ChatAccounts
from bot.dialog_storage import shared_key_builder
from bot.shared.dialog_locks import StateReadWithLock
from bot.shared.records import KEEP_FOR, KeptRecords
from bot.smsc import SmscTransport
from bot.smsc.factory import SmscFactory
from storage import AuthKind, Keyring, Storage, generate_key
from tests.postgres_service import free_port
from tests.redis_service import redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]

CHAT = 601


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Replica:
    locks: StateReadWithLock
    records: KeptRecords
    accounts: ChatAccounts
    storage: Storage

    async def language(self, chat_id: int = CHAT, user_id: int | None = None) -> str | None:
        """The language an update of the chat reads with its record."""
        key = StorageKey(bot_id=1, chat_id=chat_id, user_id=user_id or chat_id)
        async with self.locks.lock(key):
            return (await self.accounts.record(chat_id)).settings.language


@pytest.fixture
async def replicas(
    redis_client: Redis, redis_prefix: str, tmp_path: Path
) -> AsyncIterator[tuple[Replica, Replica, Clock]]:
    key = generate_key()
    transport = SmscTransport()
    clock = Clock()
    made: list[Replica] = []
    for _ in range(2):
        storage = await Storage.open(
            tmp_path / "shared.sqlite3", Keyring.from_text(key), shared=True
        )
        records = KeptRecords(redis_client, prefix=redis_prefix, clock=clock)
        locks = StateReadWithLock(
            redis_client, key_builder=shared_key_builder(redis_prefix), records=records
        )
        factory = SmscFactory(transport, forced_base_url="http://127.0.0.1:9")
        made.append(
            Replica(locks, records, ChatAccounts(storage, factory, records=records), storage)
        )
    yield made[0], made[1], clock
    for replica in made:
        await replica.storage.close()
    await transport.aclose()


async def test_a_record_is_kept_until_a_replica_changes_it(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    one, other, _clock = replicas
    await other.accounts.set_language(CHAT, "en")
    assert await one.language() == "en"
    # Written behind the replicas' back (none writes so): the kept record is what is used.
    await other.storage.settings.set_language(CHAT, "de")
    assert await one.language() == "en"
    # Through the other replica's accounts: the version changes, the next update reads.
    await other.accounts.set_language(CHAT, "uk")
    assert await one.language() == "uk"


async def test_a_record_is_read_again_past_its_age(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    one, other, clock = replicas
    await other.accounts.set_language(CHAT, "en")
    assert await one.language() == "en"
    await other.storage.settings.set_language(CHAT, "de")
    clock.now += KEEP_FOR
    assert await one.language() == "en"
    clock.now += 0.01
    assert await one.language() == "de"


async def test_a_record_is_used_only_within_the_update_that_took_the_lock(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    one, other, _clock = replicas
    await other.accounts.set_language(CHAT, "en")
    assert await one.language() == "en"
    await other.storage.settings.set_language(CHAT, "de")
    left_behind: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    go_on = asyncio.Event()

    async def later() -> None:
        await go_on.wait()
        left_behind.set_result((await one.accounts.record(CHAT)).settings.language)

    key = StorageKey(bot_id=1, chat_id=CHAT, user_id=CHAT)
    async with one.locks.lock(key):
        assert (await one.accounts.record(CHAT)).settings.language == "en"
        task = asyncio.create_task(later())
    go_on.set()
    await task
    assert await left_behind == "de"  # without the lock, the database's
    # And outside any update, too.
    assert (await one.accounts.record(CHAT)).settings.language == "de"


async def test_a_change_made_without_the_lock_while_an_update_reads_is_seen_next(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    """The watcher's changes are made without the chat's lock: an update that took the lock
    between the change's two versions may keep what it read before the change was written;
    the second version sends the next update to the database."""
    one, other, _clock = replicas
    await other.accounts.set_language(CHAT, "en")
    assert await one.language() == "en"
    async with other.records.changing(CHAT):
        assert await one.language() == "en"  # read before the write, kept
        await other.storage.settings.set_language(CHAT, "de")
    assert await one.language() == "de"


async def test_a_change_redis_cannot_version_is_not_made(
    replicas: tuple[Replica, Replica, Clock], redis_prefix: str
) -> None:
    one, _other, _clock = replicas
    await one.storage.credentials.save(
        CHAT, auth_kind=AuthKind.PASSWORD, secret="Kept-Pa55", login="acme", region="ru", set_by=1
    )
    away = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    records = KeptRecords(away, prefix=redis_prefix)
    accounts = ChatAccounts(one.storage, one.accounts.factory, records=records)
    try:
        with pytest.raises(RedisConnectionError):
            await accounts.disconnect(CHAT)
        with pytest.raises(RedisConnectionError):
            await accounts.set_language(CHAT, "uk")
    finally:
        await away.aclose()
    stored = await one.storage.credentials.get(CHAT)
    assert stored is not None
    assert stored.secret == "Kept-Pa55"
    assert (await one.storage.settings.get(CHAT)).language is None


@pytest.mark.parametrize(
    "key",
    [
        StorageKey(bot_id=1, chat_id=-CHAT, user_id=CHAT),  # a group's member
        StorageKey(bot_id=1, chat_id=CHAT, user_id=CHAT, thread_id=5),  # a topic
    ],
    ids=["group", "topic"],
)
async def test_no_record_is_kept_under_a_lock_that_is_not_the_chats_only_one(
    replicas: tuple[Replica, Replica, Clock], key: StorageKey
) -> None:
    one, other, _clock = replicas
    await other.accounts.set_language(key.chat_id, "en")
    for language in ("en", "de"):
        await other.storage.settings.set_language(key.chat_id, language)
        async with one.locks.lock(key):
            assert (await one.accounts.record(key.chat_id)).settings.language == language
