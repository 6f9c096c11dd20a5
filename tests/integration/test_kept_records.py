"""What a replica keeps of a chat's record (:mod:`bot.shared.records`), on the machine's Redis
(skipped with one line where there is none) and a database two replicas share: a record is
used only by an update whose chat's lock came back with the version it was kept with; a change
through any replica's accounts, or one made without the chat's lock while an update reads,
sends the next update to the database, and the version a change sets before it writes is
enough for a change under the lock; a change Redis cannot version is not made; nothing kept is
used once Redis has been connected to again (it may have come back older); a record is not used
past its age, by a task an update left behind, in a group, a topic or a business chat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.accounts import ChatAccounts
from bot.assembly.replicas import Connections, shared_redis
from bot.dialog_storage import shared_key_builder
from bot.shared.dialog_locks import StateReadWithLock
from bot.shared.records import KEEP_FOR, KeptRecords
from bot.smsc import SmscTransport
from bot.smsc.factory import SmscFactory
from storage import AuthKind, ChatSettings, Keyring, NotificationKind, Storage, generate_key
from tests.postgres_service import free_port
from tests.redis_service import REDIS_URL, redis_client, redis_prefix

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

    async def settings(self) -> ChatSettings:
        """The settings an update of the private chat reads with its record."""
        async with self.locks.lock(StorageKey(bot_id=1, chat_id=CHAT, user_id=CHAT)):
            return (await self.accounts.record(CHAT)).settings

    async def language(self) -> str | None:
        return (await self.settings()).language


@pytest.fixture
async def replicas(
    redis_prefix: str, tmp_path: Path
) -> AsyncIterator[tuple[Replica, Replica, Clock]]:
    key = generate_key()
    transport = SmscTransport()
    clock = Clock()
    made: list[Replica] = []
    clients: list[Redis] = []
    for _ in range(2):
        # Each replica its own client, built as the bot builds it (told of new connections).
        connections = Connections()
        redis = shared_redis(REDIS_URL, connections)
        clients.append(redis)
        storage = await Storage.open(
            tmp_path / "shared.sqlite3", Keyring.from_text(key), shared=True
        )
        records = KeptRecords(redis, prefix=redis_prefix, clock=clock)
        connections.told.append(records.reconnected)
        locks = StateReadWithLock(
            redis, key_builder=shared_key_builder(redis_prefix), records=records
        )
        factory = SmscFactory(transport, forced_base_url="http://127.0.0.1:9")
        made.append(
            Replica(locks, records, ChatAccounts(storage, factory, records=records), storage)
        )
    yield made[0], made[1], clock
    for replica in made:
        await replica.storage.close()
    for client in clients:
        await client.aclose()
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
        StorageKey(bot_id=1, chat_id=CHAT, user_id=CHAT, business_connection_id="b1"),
    ],
    ids=["group", "topic", "business"],
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


@pytest.mark.parametrize(
    ("change", "seen"),
    [
        (lambda a: a.pause(CHAT, "credentials rejected"), lambda s: s.watch_paused is not None),
        (lambda a: a.set_poll_interval(CHAT, 900), lambda s: s.poll_interval == 900),
        (lambda a: a.unwatch(CHAT, NotificationKind.DOWNLOADS), lambda s: not s.notify_downloads),
        (lambda a: a.stop_watching(CHAT), lambda s: not s.notify_downloads),
    ],
    ids=["pause", "poll interval", "unwatch", "stop watching"],
)
async def test_every_change_of_the_record_through_the_accounts_is_seen_by_the_next_update(
    replicas: tuple[Replica, Replica, Clock],
    change: Callable[[ChatAccounts], Awaitable[None]],
    seen: Callable[[ChatSettings], bool],
) -> None:
    one, other, _clock = replicas
    await other.storage.settings.set_notify(CHAT, NotificationKind.DOWNLOADS, True)
    await other.accounts.set_language(CHAT, "en")
    assert not seen(await one.settings())  # read now, kept
    await change(other.accounts)
    assert seen(await one.settings())


async def test_the_version_set_before_a_change_is_enough_for_one_made_under_the_lock(
    replicas: tuple[Replica, Replica, Clock],
    redis_client: Redis,
    redis_prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A replica that loses Redis between its change's two versions: the change, made under
    the chat's lock (as a /logout is), is still seen by the next update everywhere."""
    one, other, _clock = replicas
    await other.accounts.set_language(CHAT, "en")
    assert await one.language() == "en"
    user = f"{redis_prefix}-other"
    await redis_client.acl_setuser(user, enabled=True, nopass=True, keys=["*"], commands=["+@all"])
    losing = Redis.from_url(REDIS_URL, username=user)
    records = KeptRecords(losing, prefix=redis_prefix)
    try:
        lock = other.locks.lock(StorageKey(bot_id=1, chat_id=CHAT, user_id=CHAT))
        async with lock, records.changing(CHAT):
            await other.storage.settings.set_language(CHAT, "uk")
            # Redis refuses this replica from now on: its second version is not set.
            await redis_client.acl_setuser(user, enabled=True, reset=True, nopass=True)
    finally:
        await losing.aclose()
        await redis_client.acl_deluser(user)
    assert "record version not renewed" in caplog.text
    assert await one.language() == "uk"


async def test_nothing_kept_is_used_once_redis_is_connected_to_again(
    replicas: tuple[Replica, Replica, Clock], redis_client: Redis
) -> None:
    """Redis restarted from a snapshot taken before a change: the chat's version is back to
    the one a record was kept with, but the change is in the database."""
    one, other, _clock = replicas
    await other.accounts.set_language(CHAT, "en")
    assert await one.language() == "en"
    version_key = one.records.version_key(CHAT)
    before = await redis_client.get(version_key)
    assert before is not None
    await other.accounts.set_language(CHAT, "uk")
    await redis_client.set(version_key, before)  # as the snapshot held it
    # A restart closes every connection: the replica's next command connects again.
    await one.records.redis.connection_pool.disconnect()
    assert await one.language() == "uk"


async def test_a_record_read_across_a_new_connection_is_not_kept(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    """The version came from the Redis before the new connection, which may be older now."""
    one, _other, _clock = replicas
    record = await one.storage.chats.record(CHAT)
    with one.records.taken_with_lock(CHAT, "v1"):
        one.records.reconnected()
        one.records.keep(CHAT, record)
    with one.records.taken_with_lock(CHAT, "v1"):
        assert one.records.kept(CHAT) is None
        one.records.keep(CHAT, record)
    with one.records.taken_with_lock(CHAT, "v1"):
        assert one.records.kept(CHAT) is record
