"""PostgreSQL's own side of storage: what replicas sharing one database see of each other's
writes, the schema's version and shape, ids past 32 bits, secrets only sealed, clear one-line
errors that never name the password. The repository tests in test_storage run on it too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from storage import (
    AuthKind,
    CorruptDatabaseError,
    Database,
    DatabaseUnavailableError,
    Keyring,
    NotificationKind,
    SchemaTooNewError,
    SeenTask,
    Storage,
    StorageError,
    generate_key,
)
from storage.migrations import SCHEMA_VERSION, expected_tables
from storage.postgres import _translate, check_version, describe_url, numbered
from storage.schema_postgres import MIGRATIONS as POSTGRES_MIGRATIONS
from tests.watch_state import claim, seen_tasks

PASSWORD = "Tr0ub4dor&3-pg-marker"
APIKEY = "APIKEY-9e1d-pg-marker"
SUPERGROUP = -1_002_345_678_901
BIG_USER = 7_123_456_789


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.from_text(generate_key())


@pytest.fixture
async def replicas(postgres_url: str, keyring: Keyring) -> AsyncIterator[tuple[Storage, Storage]]:
    first = await Storage.open(postgres_url, keyring)
    second = await Storage.open(postgres_url, keyring)
    yield first, second
    await first.close()
    await second.close()


def test_placeholders_are_numbered_and_quoted_text_is_left_alone() -> None:
    assert numbered("SELECT 1 WHERE a = ? AND b = '?' AND c IN (?, ?)") == (
        "SELECT 1 WHERE a = $1 AND b = '?' AND c IN ($2, $3)"
    )
    assert numbered("UPDATE t SET x = 'it''s ?' WHERE y = ?") == (
        "UPDATE t SET x = 'it''s ?' WHERE y = $1"
    )


def test_every_sqlite_migration_has_its_postgresql_twin() -> None:
    # A migration added for SQLite alone would leave PostgreSQL databases behind: opening one
    # would then refuse it as changed by hand.
    assert max(POSTGRES_MIGRATIONS) == SCHEMA_VERSION


def test_an_address_is_described_without_its_password() -> None:
    described = describe_url(
        "postgresql://bot:hunter2-secret@db.internal:6543/smsc?sslmode=require"
    )
    assert described == "postgresql://bot@db.internal:6543/smsc"


async def test_a_write_by_one_replica_is_read_by_another(
    replicas: tuple[Storage, Storage],
) -> None:
    one, other = replicas
    # The other replica reads first: anything it kept in memory would now be stale.
    assert (await other.settings.get(SUPERGROUP)).language is None
    assert await other.credentials.get(SUPERGROUP) is None
    assert await other.dialogs.get("chat:7") == (None, {})
    assert not await other.login_traces.window_open(7, 7)

    await one.settings.set_language(SUPERGROUP, "uk")
    await one.credentials.save(
        SUPERGROUP, auth_kind=AuthKind.PASSWORD, secret=PASSWORD, login="acme", region="ru",
        set_by=BIG_USER,
    )  # fmt: skip
    await one.dialogs.put("chat:7", "Login:secret", {"target_chat": SUPERGROUP})
    await one.login_traces.dialog_opened(7, 7, SUPERGROUP)

    assert (await other.settings.get(SUPERGROUP)).language == "uk"
    seen = await other.credentials.get(SUPERGROUP)
    assert seen is not None
    assert seen.secret == PASSWORD
    assert await other.dialogs.get("chat:7") == ("Login:secret", {"target_chat": SUPERGROUP})
    assert await other.login_traces.window_open(7, 7)

    # And back: a logout on the other replica is seen by the first one at once.
    await other.chats.disconnect(SUPERGROUP)
    await other.dialogs.put("chat:7", None, {})
    assert await one.credentials.get(SUPERGROUP) is None
    assert await one.dialogs.get("chat:7") == (None, {})


async def test_on_sqlite_one_process_keeps_what_it_read(tmp_path: Path, keyring: Keyring) -> None:
    # The embedded engine has one writer: caching stays on there (and only there).
    store = await Storage.open(tmp_path / "bot.sqlite3", keyring)
    try:
        assert not store.database.shared
        await store.settings.set_language(5, "ru")
        await store.settings.get(5)
        async with store.database.transaction() as tx:
            await tx.execute("UPDATE chat_settings SET language = 'uk' WHERE chat_id = 5")
        assert (await store.settings.get(5)).language == "ru"
    finally:
        await store.close()


async def test_ids_past_32_bits_are_kept(postgres_url: str, keyring: Keyring) -> None:
    store = await Storage.open(postgres_url, keyring)
    try:
        await store.credentials.save(
            SUPERGROUP, auth_kind=AuthKind.APIKEY, secret=APIKEY, region="kz", set_by=BIG_USER
        )
        await store.settings.set_notify(SUPERGROUP, NotificationKind.DOWNLOADS, True)
        task = SeenTask(9_876_543_210, "export", 2)
        mine = await claim(store, SUPERGROUP)
        await store.watch.record_task(
            mine, task, before=None, change="done", message_id=3_000_000_000
        )
        await store.chats.migrate(SUPERGROUP, SUPERGROUP - 1)
        moved = await store.credentials.get(SUPERGROUP - 1)
        assert moved is not None
        assert (moved.secret, moved.set_by) == (APIKEY, BIG_USER)
        assert await store.chats.moved_to(SUPERGROUP) == SUPERGROUP - 1
        assert (await seen_tasks(store, SUPERGROUP - 1))[task.task_id] == task
        token = await store.login_attempts.counted(BIG_USER, SUPERGROUP, 1.5, older=0)
        assert [a.token for a in await store.login_attempts.since(0)] == [token]
    finally:
        await store.close()


async def test_postgresql_never_holds_a_secret_in_the_clear(
    postgres_url: str, keyring: Keyring
) -> None:
    store = await Storage.open(postgres_url, keyring)
    try:
        await store.credentials.save(
            1, auth_kind=AuthKind.PASSWORD, secret=PASSWORD, login="acme", region="ru", set_by=1
        )
        await store.credentials.save(
            2, auth_kind=AuthKind.APIKEY, secret=APIKEY, region="kz", set_by=1
        )
        await store.credentials.rotate()
        await store.audit.record(1, 1, "login", "ok", target="acme")
        await store.audit.flush()
    finally:
        await store.close()
    connection = await asyncpg.connect(postgres_url)
    try:
        # Every table as text, as an operator's dump would show it.
        dumped = "".join(
            [
                str(row[0])
                for table in expected_tables()
                for row in await connection.fetch(f"SELECT t::text FROM {table} AS t")  # noqa: S608
            ]
        )
    finally:
        await connection.close()
    assert "acme" in dumped  # the dump really reads the rows
    for secret in (PASSWORD, APIKEY):
        assert secret not in dumped
        assert secret.encode().hex() not in dumped


async def test_replicas_starting_together_migrate_once(postgres_url: str) -> None:
    opened = await asyncio.gather(*(Database.open(postgres_url) for _ in range(4)))
    try:
        assert {await database.schema_version() for database in opened} == {SCHEMA_VERSION}
        rows = await opened[0].fetchall("SELECT version FROM schema_version")
        assert [row[0] for row in rows] == [SCHEMA_VERSION]
    finally:
        for database in opened:
            await database.close()


async def test_a_newer_schema_is_refused_and_left_untouched(postgres_url: str) -> None:
    database = await Database.open(postgres_url)
    async with database.transaction() as tx:
        await tx.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    await database.close()
    with pytest.raises(SchemaTooNewError, match="newer than this program"):
        await Database.open(postgres_url)
    database = await Database.open(postgres_url, migrate=False)
    try:
        assert await database.schema_version() == SCHEMA_VERSION + 1
    finally:
        await database.close()


async def test_a_schema_changed_by_hand_is_refused(postgres_url: str) -> None:
    database = await Database.open(postgres_url)
    async with database.transaction() as tx:
        await tx.execute("ALTER TABLE watch_baselines DROP COLUMN digest")
    await database.close()
    with pytest.raises(CorruptDatabaseError, match=r"lacks what schema version .*watch_baselines"):
        await Database.open(postgres_url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://postgres:hunter2-secret@127.0.0.1:1/smsc", DatabaseUnavailableError),
        ("postgres://postgres:hunter2-secret@127.0.0.1:5432/no_such_db_here", StorageError),
    ],
)
async def test_an_unusable_database_is_one_line_without_the_password(
    postgres_url: str, keyring: Keyring, url: str, expected: type[StorageError]
) -> None:
    # postgres_url only makes sure a server is there (or skips): the URLs name other places.
    with pytest.raises(expected) as caught:
        await Storage.open(url, keyring)
    text = str(caught.value)
    assert "hunter2" not in text
    assert "\n" not in text
    assert "127.0.0.1" in text


def test_a_connection_caught_mid_statement_counts_as_the_database_away() -> None:
    # What asyncpg raised once while PostgreSQL restarted under a transaction's first
    # statement: untranslated, it escaped the callers that wait for the database to return.
    error = asyncpg.InternalClientError(
        "cannot switch to state 15; another operation (2) is in progress"
    )
    translated = _translate(error, "postgresql://postgres@127.0.0.1:5432/smsc", "writing")
    assert isinstance(translated, DatabaseUnavailableError)
    assert "InternalClientError" in str(translated)


def test_a_server_older_than_14_is_refused_in_one_line() -> None:
    # Such a server ignores idle_session_timeout: a frozen leader would keep the watcher.
    with pytest.raises(StorageError, match="version 13; smsc-bot needs 14 or newer"):
        check_version(13, "postgresql://postgres@127.0.0.1:5432/smsc")
    check_version(14, "postgresql://postgres@127.0.0.1:5432/smsc")
