"""Storage: encryption bound to chats, key rotation, migrations, faults, concurrent writers.

Tests taking ``store`` or ``database_target`` run on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from storage import (
    AuthKind,
    CorruptDatabaseError,
    CredentialsUnreadableError,
    Database,
    DatabaseLockedError,
    InvalidKeyError,
    Keyring,
    NoKeyConfiguredError,
    NotificationKind,
    SchemaTooNewError,
    SeenSender,
    SeenTask,
    Storage,
    StorageError,
    StorageFullError,
    StoredBlock,
    StoredStamp,
    generate_key,
    parse_keys,
)
from storage.migrations import MIGRATIONS, SCHEMA_VERSION
from storage.sqlite import SqliteDatabase
from tests.watch_state import (
    baseline_taken,
    claim,
    delivery_count,
    seen_senders,
    seen_tasks,
    was_delivered,
)

PASSWORD = "Tr0ub4dor&3-unique-marker"
APIKEY = "APIKEY-7f3c9e2a1b-unique-marker"


@pytest.fixture
def key_text() -> str:
    return generate_key()


@pytest.fixture
async def store(database_target: str | Path, key_text: str) -> AsyncIterator[Storage]:
    opened = await Storage.open(database_target, Keyring.from_text(key_text))
    yield opened
    await opened.close()


@pytest.fixture
async def sqlite_store(tmp_path: Path, key_text: str) -> AsyncIterator[Storage]:
    opened = await Storage.open(tmp_path / "bot.sqlite3", Keyring.from_text(key_text))
    yield opened
    await opened.close()


async def save_password(store: Storage, chat_id: int, secret: str = PASSWORD) -> None:
    await store.credentials.save(
        chat_id, auth_kind=AuthKind.PASSWORD, secret=secret, login="acme", region="ru", set_by=42
    )


async def test_round_trip_and_repr_hides_the_secret(store: Storage) -> None:
    await save_password(store, -1001)
    creds = await store.credentials.get(-1001)
    assert creds is not None
    assert creds.secret == PASSWORD
    assert creds.login == "acme"
    assert creds.region == "ru"
    assert creds.set_by == 42
    assert PASSWORD not in repr(creds)
    assert PASSWORD not in str(creds)
    assert await store.credentials.get(5) is None


async def test_ciphertext_copied_to_another_chat_fails(store: Storage) -> None:
    await save_password(store, 1)
    await save_password(store, 2, "another")
    async with store.database.transaction() as tx:
        await tx.execute(
            "UPDATE credentials SET nonce = (SELECT nonce FROM credentials WHERE chat_id = 1), "
            "secret = (SELECT secret FROM credentials WHERE chat_id = 1) WHERE chat_id = 2"
        )
    with pytest.raises(CredentialsUnreadableError) as caught:
        await store.credentials.get(2)
    assert caught.value.chat_id == 2
    assert "chat 2" in str(caught.value)
    assert (await store.credentials.get(1)).secret == PASSWORD  # type: ignore[union-attr]


async def test_corrupted_ciphertext_and_missing_key_id(store: Storage) -> None:
    await save_password(store, 7)
    await save_password(store, 8)
    async with store.database.transaction() as tx:
        row = await tx.fetchone("SELECT secret FROM credentials WHERE chat_id = 7")
        assert row is not None
        await tx.execute(
            "UPDATE credentials SET secret = ? WHERE chat_id = 7", (b"\x00" + bytes(row[0]),)
        )
        await tx.execute("UPDATE credentials SET key_id = 'deadbeefdeadbeef' WHERE chat_id = 8")
    with pytest.raises(CredentialsUnreadableError, match="corrupted"):
        await store.credentials.get(7)
    with pytest.raises(CredentialsUnreadableError, match="deadbeefdeadbeef"):
        await store.credentials.get(8)
    found = await store.credentials.many([7, 8])
    assert all(isinstance(v, CredentialsUnreadableError) for v in found.values())


async def test_rotation_with_old_and_new_keys(database_target: str | Path) -> None:
    old, new = generate_key(), generate_key()
    path = database_target
    first = await Storage.open(path, Keyring.from_text(old))
    for chat_id in range(1, 6):
        await save_password(first, chat_id, f"secret-{chat_id}")
    await first.close()

    # Newest first: the new key encrypts, the old one still decrypts.
    both = await Storage.open(path, Keyring.from_text(f"{new},{old}"))
    assert (await both.credentials.get(3)).secret == "secret-3"  # type: ignore[union-attr]
    await save_password(both, 6, "secret-6")
    report = await both.credentials.rotate()
    assert report.changed == 5
    assert report.unreadable == ()
    assert (await both.credentials.rotate()).changed == 0
    await both.close()

    only_new = await Storage.open(path, Keyring.from_text(new))
    for chat_id in range(1, 7):
        assert (await only_new.credentials.get(chat_id)).secret == f"secret-{chat_id}"  # type: ignore[union-attr]
    await only_new.close()
    only_old = await Storage.open(path, Keyring.from_text(old))
    with pytest.raises(CredentialsUnreadableError, match="not configured"):
        await only_old.credentials.get(1)
    await only_old.close()


def test_key_configuration_errors() -> None:
    with pytest.raises(NoKeyConfiguredError, match="python -m bot keygen"):
        Keyring([])
    with pytest.raises(InvalidKeyError, match="#2"):
        parse_keys(f"{generate_key()},not-base64!")
    with pytest.raises(InvalidKeyError, match="16 bytes"):
        parse_keys("AAAAAAAAAAAAAAAAAAAAAA==")
    keyring = Keyring.from_text(f"{generate_key()}\n{generate_key()}")
    assert len(keyring.key_ids) == 2
    assert "keys=2" in repr(keyring)


async def test_secrets_never_reach_file_wal_or_log(
    tmp_path: Path, key_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "secret.sqlite3"
    store = await Storage.open(path, Keyring.from_text(key_text))
    await save_password(store, 11)
    await store.credentials.save(
        12, auth_kind=AuthKind.APIKEY, secret=APIKEY, region="kz", set_by=1
    )
    await store.credentials.rotate()
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    raw = b"".join(p.read_bytes() for p in files if p.exists())
    assert Path(f"{path}-wal").exists()
    await store.close()
    raw += path.read_bytes()
    for secret in (PASSWORD, APIKEY):
        assert secret.encode() not in raw
        assert secret.encode("utf-16-le") not in raw
        assert secret not in caplog.text
    assert b"acme" in raw  # the login is stored in the clear, and the scan really reads the file


async def test_migration_from_empty_file_and_every_earlier_version(tmp_path: Path) -> None:
    for start in range(SCHEMA_VERSION + 1):
        path = tmp_path / f"v{start}.sqlite3"
        old = await Database.open(path, migrate=False)
        await old.migrate(target=start)
        assert await old.schema_version() == start
        if start >= 1:
            async with old.transaction() as tx:
                await tx.execute("INSERT INTO chats (chat_id, created_at) VALUES (5, 'x')")
                await tx.execute(
                    "INSERT INTO audit_log (chat_id, user_id, action, result, at) "
                    "VALUES (5, 1, 'block', 'ok', 'x')"
                )
        await old.close()
        upgraded = await Database.open(path)
        assert await upgraded.schema_version() == SCHEMA_VERSION
        if start >= 1:
            row = await upgraded.fetchone("SELECT action FROM audit_log")
            assert row is not None
            assert row["action"] == "block"
        tables = {
            r["name"]
            for r in await upgraded.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        assert {"credentials", "watched_senders", "deliveries"} <= tables
        await upgraded.close()
    assert len(MIGRATIONS) == SCHEMA_VERSION


async def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        raw.execute("CREATE TABLE future (x)")
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError, match="newer than this program"):
        await Database.open(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("DROP TABLE chat_moves", "chat_moves"),
        ("ALTER TABLE watch_baselines DROP COLUMN digest", "watch_baselines"),
    ],
)
async def test_a_schema_changed_by_hand_is_refused(tmp_path: Path, change: str, named: str) -> None:
    path = tmp_path / "edited.sqlite3"
    await (await Database.open(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute(change)
    raw.close()
    with pytest.raises(CorruptDatabaseError, match=f"lacks what schema version .*{named}"):
        await Database.open(path)


async def test_locked_database_is_a_clear_error_and_loses_nothing(
    tmp_path: Path, key_text: str
) -> None:
    path = tmp_path / "locked.sqlite3"
    store = await Storage.open(path, Keyring.from_text(key_text))
    await save_password(store, 1)
    # Another process holds the write lock longer than the busy timeout.
    assert isinstance(store.database, SqliteDatabase)
    await store.database._connection.execute("PRAGMA busy_timeout = 100")
    async with aiosqlite.connect(path) as other:
        await other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseLockedError, match="nothing was changed"):
            await save_password(store, 2)
        await other.rollback()
    assert (await store.credentials.get(1)).secret == PASSWORD  # type: ignore[union-attr]
    await save_password(store, 2)
    assert await store.credentials.exists(2)
    await store.close()


async def test_full_disk_rolls_back_and_keeps_earlier_data(sqlite_store: Storage) -> None:
    store = sqlite_store
    await save_password(store, 1)
    row = await store.database.fetchone("PRAGMA page_count")
    assert row is not None
    # SQLite's own size cap produces the same SQLITE_FULL as a full disk.
    await store.database.fetchone(f"PRAGMA max_page_count = {row[0]}")
    with pytest.raises(StorageFullError, match="rolled back"):
        async with store.database.transaction() as tx:
            for n in range(2000):
                await tx.execute(
                    "INSERT INTO audit_log (chat_id, user_id, action, result, at) "
                    "VALUES (1, 1, ?, 'ok', 'x')",
                    (f"filler {n} " + "x" * 500,),
                )
    assert (await store.credentials.get(1)).secret == PASSWORD  # type: ignore[union-attr]
    assert await store.audit.recent(1) == []


async def test_200_concurrent_writers_lose_nothing(store: Storage) -> None:
    async def writer(n: int) -> None:
        await save_password(store, 1000 + n, f"secret-{n}")
        await store.settings.set_notify(1000 + n, NotificationKind.DOWNLOADS, True)
        await store.audit.record(1000 + n, n, "login", "ok", target="acme")
        await store.watch.record_task(
            await claim(store, 1000 + n), SeenTask(n, f"t{n}", 2), before=None, change="done"
        )

    await asyncio.gather(*(writer(n) for n in range(200)))
    found = await store.credentials.many([1000 + n for n in range(200)])
    assert {c.secret for c in found.values()} == {f"secret-{n}" for n in range(200)}  # type: ignore[union-attr]
    assert len(await store.settings.watching()) == 200
    await store.audit.flush()  # entries are written in batches, a moment later
    rows = await store.database.fetchall("SELECT COUNT(*) FROM audit_log")
    assert rows[0][0] == 200
    assert sum([await delivery_count(store, 1000 + n) for n in range(200)]) == 200


async def test_settings_and_watch_state(store: Storage) -> None:
    settings = await store.settings.get(9)
    assert settings.language is None
    assert not settings.notify_senders
    await store.settings.set_language(9, "uk")
    await store.settings.set_notify(9, NotificationKind.SENDERS, True)
    await store.settings.set_poll_interval(9, 900)
    settings = await store.settings.get(9)
    assert (settings.language, settings.notify_senders, settings.poll_interval) == ("uk", True, 900)
    # Watching requires credentials.
    assert await store.settings.watching() == []
    await save_password(store, 9)
    assert [s.chat_id for s in await store.settings.watching()] == [9]

    await store.watch.replace_sender_baseline(9, [SeenSender(1, "Shop", 0, {"mts": 1})])
    assert await baseline_taken(store, 9, NotificationKind.SENDERS)
    await store.watch.record_sender(
        await claim(store, 9),
        SeenSender(1, "Shop", 0, {"mts": 2}),
        before=SeenSender(1, "Shop", 0, {"mts": 1}),
        change="mts:1>2",
    )
    assert (await seen_senders(store, 9))[1].operators == {"mts": 2}
    assert await was_delivered(store, 9, NotificationKind.SENDERS, "1", "mts:1>2")
    await store.watch.record_sender(
        await claim(store, 9),
        SeenSender(1, "Shop", 0, {}),
        before=SeenSender(1, "Shop", 0, {"mts": 2}),
        change="deleted",
        deleted=True,
    )
    assert await seen_senders(store, 9) == {}


async def test_chat_migration_moves_and_reencrypts(store: Storage) -> None:
    await save_password(store, -100)
    await store.settings.set_language(-100, "ru")
    await store.watch.record_task(
        await claim(store, -100), SeenTask(1, "t", 2), before=None, change="done"
    )
    await store.chats.migrate(-100, -1009999)
    assert await store.credentials.get(-100) is None
    moved = await store.credentials.get(-1009999)
    assert moved is not None
    assert moved.secret == PASSWORD
    assert (await store.settings.get(-1009999)).language == "ru"
    assert 1 in await seen_tasks(store, -1009999)


async def test_a_rows_version_changes_with_every_write_and_only_then(store: Storage) -> None:
    async def versions(*chat_ids: int) -> dict[int, int]:
        return {c: v async for c, v in store.credentials.versions(list(chat_ids))}

    for chat_id in range(1, 1202):  # more than one chunk of the query
        await save_password(store, chat_id)
    first = await versions(*range(1, 1203))
    assert len(first) == 1201
    assert 1202 not in first
    assert await versions(*range(1, 1203)) == first  # reading changes nothing
    await save_password(store, 7)  # the same secret again: a new nonce, a new row
    await store.chats.migrate(8, -1008)
    async with store.database.transaction() as tx:
        await tx.execute("UPDATE credentials SET login = 'x' WHERE chat_id = 9")
    after = await versions(*range(1, 10), -1008)
    assert after[7] != first[7]
    assert after[9] != first[9]
    assert 8 not in after
    assert -1008 in after
    assert [after[c] for c in range(1, 7)] == [first[c] for c in range(1, 7)]


async def test_limits_journal_keeps_the_last_window_and_live_blocks(
    database_target: str | Path,
) -> None:
    path = database_target
    keyring = Keyring.from_text(generate_key())
    first = await Storage.open(path, keyring, rate_window=60)
    now = time.time()
    for at in (now - 90, now - 30, now - 1):
        first.limits.stamped(StoredStamp("smsc.ru|login:a", "same:abc", 3, at))
    first.limits.address(StoredBlock("smsc.ru", now + 300, 600))
    first.limits.address(StoredBlock("smsc.kz", now + 300, 600))
    first.limits.address(StoredBlock("smsc.kz", 0, 0))  # lifted
    await first.close()  # flushes the batch, as a graceful shutdown does

    again = await Storage.open(path, keyring, rate_window=60)
    stamps, blocks = await again.limits.recent()
    assert [round(now - s.at) for s in stamps] == [30, 1]
    assert {s.rule for s in stamps} == {"same:abc"}
    assert [(b.site, b.backoff) for b in blocks] == [("smsc.ru", 600)]
    # Stamps past the window are pruned from the file, not only skipped.
    row = await again.database.fetchone("SELECT COUNT(*) AS n FROM smsc_stamps")
    assert row is not None
    assert row["n"] == 2
    await again.close()


async def test_limits_are_written_in_batches(store: Storage) -> None:
    for n in range(300):
        store.limits.stamped(StoredStamp("smsc.ru|login:a", f"same:{n}", 3, time.time()))
    row = await store.database.fetchone("SELECT COUNT(*) AS n FROM smsc_stamps")
    assert row is not None
    assert row["n"] == 0  # nothing written yet: one transaction comes a moment later
    await store.limits.flush()
    row = await store.database.fetchone("SELECT COUNT(*) AS n FROM smsc_stamps")
    assert row is not None
    assert row["n"] == 300


async def test_a_transaction_cut_anywhere_leaves_the_database_usable(store: Storage) -> None:
    # The watcher's sweep is cancelled on shutdown wherever it is: inside BEGIN, a statement
    # or COMMIT, each still queued for the connection's thread.
    for steps in range(6):

        async def write(chat_id: int) -> None:
            async with store.database.transaction() as tx:
                await tx.execute(
                    "INSERT INTO chats (chat_id, created_at) VALUES (?, 'now') "
                    "ON CONFLICT DO NOTHING",
                    (chat_id,),
                )

        task = asyncio.create_task(write(9000 + steps))
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await save_password(store, 9100 + steps)
        assert (await store.credentials.get(9100 + steps)) is not None


async def test_a_watch_digest_holds_until_the_state_moves(store: Storage) -> None:
    await save_password(store, 12)
    await store.watch.replace_sender_baseline(12, [SeenSender(1, "Shop", 0, {})], "all|abc")
    seen = await store.watch.snapshot([12])
    assert seen.unchanged(12, NotificationKind.SENDERS, "all|abc")
    assert not seen.unchanged(12, NotificationKind.SENDERS, "all|abd")
    seen.took_in(12, NotificationKind.SENDERS, "all|def")
    await store.watch.save_digests(seen.taken)
    assert (await store.watch.snapshot([12])).unchanged(12, NotificationKind.SENDERS, "all|def")
    # Any move of the state clears the digest, in the same transaction.
    await store.watch.record_sender(
        await claim(store, 12),
        SeenSender(1, "Shop", 1, {}),
        before=SeenSender(1, "Shop", 0, {}),
        change="status",
    )
    assert not (await store.watch.snapshot([12])).unchanged(12, NotificationKind.SENDERS, "all|def")
    # A digest from a sweep that began before the watch was renewed is not written.
    stale = await store.watch.snapshot([12])
    stale.took_in(12, NotificationKind.SENDERS, "all|old")
    await store.watch.replace_sender_baseline(12, [], "all|new")
    await store.watch.save_digests(stale.taken)
    assert (await store.watch.snapshot([12])).unchanged(12, NotificationKind.SENDERS, "all|new")


async def test_a_failed_write_keeps_none_of_its_statements(store: Storage) -> None:
    with pytest.raises(StorageError):
        async with store.database.transaction() as tx:
            await tx.execute("INSERT INTO chats (chat_id, created_at) VALUES (?, 'now')", (5,))
            # Neither a region nor a base URL: the table's check refuses it.
            await tx.execute(
                "INSERT INTO credentials (chat_id, auth_kind, key_id, nonce, secret, set_by, "
                "set_at) VALUES (5, 'password', 'k', ?, ?, 1, 'now')",
                (b"n", b"s"),
            )
    assert await store.database.fetchall("SELECT chat_id FROM chats") == []


async def test_replicas_on_one_sqlite_file_see_each_others_writes(
    tmp_path: Path, key_text: str
) -> None:
    path = tmp_path / "shared.sqlite3"
    one = await Storage.open(path, Keyring.from_text(key_text), shared=True)
    other = await Storage.open(path, Keyring.from_text(key_text), shared=True)
    try:
        await save_password(one, 77)
        assert await other.credentials.get(77) is not None  # read, and kept if it could be
        assert (await other.settings.get(77)).language is None
        await one.chats.disconnect(77)
        assert await other.credentials.get(77) is None
        await one.settings.set_language(77, "ru")
        assert (await other.settings.get(77)).language == "ru"
    finally:
        await one.close()
        await other.close()


@pytest.mark.parametrize("shared", [False, True], ids=["alone", "shared"])
async def test_a_chats_record_holds_its_settings_and_its_sealed_credentials(
    database_target: str | Path, key_text: str, shared: bool
) -> None:
    """What every update reads first, in one query where nothing may be kept in memory:
    every combination of rows, a supergroup's 64-bit id, unreadable credentials."""
    store = await Storage.open(database_target, Keyring.from_text(key_text), shared=shared)
    writer = await Storage.open(database_target, Keyring.from_text(key_text), shared=True)
    supergroup = -1001234567890123
    try:
        empty = await store.chats.record(5)
        assert empty.settings == (await store.settings.get(5))
        assert empty.settings.language is None
        assert empty.credentials.open() is None

        await writer.settings.set_language(supergroup, "uk")
        only_settings = await store.chats.record(supergroup)
        assert only_settings.settings.chat_id == supergroup
        assert only_settings.settings.language == "uk"
        assert only_settings.credentials.open() is None

        await save_password(writer, 6)
        await writer.settings.set_poll_interval(supergroup, 300)
        await save_password(writer, supergroup, "other-" + PASSWORD)
        store.settings.forget(6, supergroup)  # what another process wrote, when kept
        store.credentials.forget(6, supergroup)
        only_credentials = await store.chats.record(6)
        assert only_credentials.settings.language is None
        opened = only_credentials.credentials.open()
        assert opened is not None
        assert (opened.secret, opened.chat_id) == (PASSWORD, 6)
        both = await store.chats.record(supergroup)
        assert (both.settings.language, both.settings.poll_interval) == ("uk", 300)
        opened = both.credentials.open()
        assert opened is not None
        assert opened.secret == "other-" + PASSWORD
        assert PASSWORD not in repr(both)
        assert PASSWORD not in str(both.credentials)
    finally:
        await store.close()
        await writer.close()
    other_key = await Storage.open(database_target, Keyring.from_text(generate_key()), shared=True)
    try:
        unreadable = await other_key.chats.record(6)
        with pytest.raises(CredentialsUnreadableError):
            unreadable.credentials.open()
    finally:
        await other_key.close()
