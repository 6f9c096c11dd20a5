"""What a replica keeps of a chat's record (:mod:`bot.shared.records`), on the machine's Redis
(skipped with one line where there is none) and a database two replicas share: a record is
used only by an update whose chat's lock came back with the version it was kept with; a change
through any replica's accounts, or one made without the chat's lock while an update reads,
sends the next update to the database, and the version a change sets before it writes is
enough for a change under the lock; a change Redis cannot version is not made; nothing kept is
used once a replica reaches a restarted Redis (it may have come back older); a record is not used
past its age, or by a task an update left behind; a group's is kept without its credentials."""

from __future__ import annotations

import asyncio
import secrets
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
from tests.kept_entries import Clock
from tests.postgres_service import free_port
from tests.redis_service import REDIS_URL, OwnRedis, redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]

CHAT = 601


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
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
async def replicas(
    redis_url: str, redis_prefix: str, tmp_path: Path
) -> AsyncIterator[tuple[Replica, Replica, Clock]]:
    key = generate_key()
    transport = SmscTransport()
    clock = Clock()
    made: list[Replica] = []
    clients: list[Redis] = []
    for _ in range(2):
        # Each replica its own client, built as the bot builds it (told of new connections).
        connections = Connections()
        redis = shared_redis(redis_url, connections)
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


async def kept_while_the_database_changed(one: Replica, other: Replica) -> None:
    """``one`` keeps the chat's record in English; the database says German since, written
    behind the replicas' back (none writes so): only what is kept answers English."""
    await other.accounts.set_language(CHAT, "en")
    assert await one.language() == "en"
    await other.storage.settings.set_language(CHAT, "de")


async def test_a_record_is_kept_until_a_replica_changes_it(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    one, other, _clock = replicas
    await kept_while_the_database_changed(one, other)
    assert await one.language() == "en"
    # Through the other replica's accounts: the version changes, the next update reads.
    await other.accounts.set_language(CHAT, "uk")
    assert await one.language() == "uk"


async def test_a_record_is_read_again_past_its_age(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    one, other, clock = replicas
    await kept_while_the_database_changed(one, other)
    clock.now += KEEP_FOR
    assert await one.language() == "en"
    clock.now += 0.01
    assert await one.language() == "de"


async def test_a_record_is_used_only_within_the_update_that_took_the_lock(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    one, other, _clock = replicas
    await kept_while_the_database_changed(one, other)
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
        # Dialogs are kept per user in a chat, not per topic: were they, a topic's lock.
        StorageKey(bot_id=1, chat_id=CHAT, user_id=CHAT, thread_id=5),
        StorageKey(bot_id=1, chat_id=CHAT, user_id=CHAT, business_connection_id="b1"),
        StorageKey(bot_id=1, chat_id=CHAT, user_id=CHAT + 1),  # another user's, in a private chat
    ],
    ids=["topic", "business", "another user in a private chat"],
)
async def test_no_record_is_kept_under_a_lock_that_is_not_the_private_chats_or_a_members(
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
    user, password = f"{redis_prefix}-other", secrets.token_hex(16)
    await redis_client.acl_setuser(
        user,
        enabled=True,
        passwords=[f"+{password}"],
        keys=[f"{redis_prefix}:*"],
        commands=["+@all"],
    )
    losing = Redis.from_url(REDIS_URL, username=user, password=password)
    records = KeptRecords(losing, prefix=redis_prefix)
    try:
        lock = other.locks.lock(StorageKey(bot_id=1, chat_id=CHAT, user_id=CHAT))
        async with lock, records.changing(CHAT):
            await other.storage.settings.set_language(CHAT, "uk")
            # Redis refuses this replica from now on: its second version is not set.
            await redis_client.acl_setuser(user, enabled=False, reset=True)
    finally:
        await losing.aclose()
        await redis_client.acl_deluser(user)
    assert "record version not renewed" in caplog.text
    assert await one.language() == "uk"


class TestARedisRestoredFromASnapshot:
    """Restarted from a snapshot taken before a change, Redis holds the version a record was
    kept with again, while the change is in the database."""

    @pytest.fixture
    async def own(self, tmp_path: Path) -> AsyncIterator[OwnRedis]:
        own = OwnRedis(tmp_path)
        await own.start()
        yield own
        await own.stop()

    @pytest.fixture
    def redis_url(self, own: OwnRedis) -> str:
        return own.url

    async def test_nothing_kept_is_used_once_a_replica_reaches_it(
        self, replicas: tuple[Replica, Replica, Clock], own: OwnRedis
    ) -> None:
        one, other, _clock = replicas
        await other.accounts.set_language(CHAT, "en")
        assert await one.language() == "en"
        version_key = one.records.version_key(CHAT)
        before = await one.records.redis.get(version_key)
        assert before is not None
        await other.accounts.set_language(CHAT, "uk")
        await own.restart()
        await one.records.redis.set(version_key, before)  # as the snapshot held it
        assert await one.language() == "uk"

    async def test_new_connections_to_the_same_server_keep_what_is_kept(
        self, replicas: tuple[Replica, Replica, Clock]
    ) -> None:
        one, other, _clock = replicas
        await kept_while_the_database_changed(one, other)
        await one.records.redis.connection_pool.disconnect()
        assert await one.language() == "en"


async def test_a_record_read_across_a_connection_to_another_server_is_not_kept(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    """The version came from the Redis server before, which the one now may not hold."""
    one, _other, _clock = replicas
    record = await one.storage.chats.record(CHAT)
    records = one.records
    with records.taken_with_lock(CHAT, "v1", connections=records.connections):
        records.reconnected()
        records.keep(CHAT, record)
    with records.taken_with_lock(CHAT, "v1", connections=records.connections):
        assert records.kept(CHAT) is None
        records.keep(CHAT, record)
    # Sent before a new connection, answered after it.
    sent_at = records.connections
    records.reconnected()
    with records.taken_with_lock(CHAT, "v1", connections=sent_at):
        assert records.kept(CHAT) is None
    with records.taken_with_lock(CHAT, "v1", connections=records.connections):
        records.keep(CHAT, record)
    with records.taken_with_lock(CHAT, "v1", connections=records.connections):
        assert records.kept(CHAT) is record


async def test_where_redis_refuses_info_every_new_connection_counts_as_another_server(
    redis_client: Redis, redis_prefix: str
) -> None:
    user, password = f"{redis_prefix}-noinfo", secrets.token_hex(16)
    await redis_client.acl_setuser(
        user,
        enabled=True,
        passwords=[f"+{password}"],
        keys=[f"{redis_prefix}:*"],
        commands=["+@all", "-info"],
    )
    told: list[str] = []
    connections = Connections()
    connections.told.append(lambda: told.append("another"))
    url = REDIS_URL.replace("redis://", f"redis://{user}:{password}@", 1)
    redis = shared_redis(url, connections)
    try:
        await redis.ping()
        await redis.connection_pool.disconnect()
        await redis.ping()
    finally:
        await redis.aclose()
        await redis_client.acl_deluser(user)
    assert told == ["another", "another"]


async def test_a_groups_record_is_kept_and_a_change_by_one_member_is_seen_by_another(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    """Each member holds a lock of their own: a change one makes while another's update
    reads (between its two versions) is seen by the next update once its second is set."""
    one, other, _clock = replicas
    group = -CHAT

    async def language(user_id: int) -> str | None:
        async with one.locks.lock(StorageKey(bot_id=1, chat_id=group, user_id=user_id)):
            return (await one.accounts.record(group)).settings.language

    await other.accounts.set_language(group, "en")
    assert await language(11) == "en"
    await other.storage.settings.set_language(group, "de")  # behind every replica's back
    assert await language(12) == "en"  # kept, whichever member
    lock = other.locks.lock(StorageKey(bot_id=1, chat_id=group, user_id=13))
    async with lock, other.records.changing(group):
        # A member's update meanwhile reads what the database holds before the write, and
        # keeps it with the version set before the write.
        assert await language(11) == "de"
        await other.storage.settings.set_language(group, "uk")
    assert await language(12) == "uk"


async def test_a_groups_sealed_credentials_are_not_kept(
    replicas: tuple[Replica, Replica, Clock],
) -> None:
    one, other, _clock = replicas
    group = -CHAT
    await other.storage.credentials.save(
        group, auth_kind=AuthKind.PASSWORD, secret="Group-Pa55", login="acme", region="ru", set_by=1
    )
    await other.accounts.set_language(group, "en")
    key = StorageKey(bot_id=1, chat_id=group, user_id=11)
    async with one.locks.lock(key):
        read = await one.accounts.record(group)
        assert read.credentials.open() is not None  # read now: whole
    async with one.locks.lock(key):
        kept = await one.accounts.record(group)
        assert kept.settings.language == "en"
        assert kept.credentials.open() is None  # kept: without them
