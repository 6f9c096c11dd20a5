"""``smsc-bot migrate-db``: every table of a SQLite database copied into PostgreSQL, counted on
both sides, nothing doubled by a second run; then the bot runs on PostgreSQL and the chat is
still logged in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from storage import AuthKind, Keyring, NotificationKind, SeenSender, SeenTask, Storage, generate_key
from storage.limits import StoredBlock, StoredFailure, StoredStamp
from storage.migrations import expected_tables
from tests.e2e.conftest import LOGIN, PASSWORD, new_group, new_user
from tests.e2e.harness import TOKEN, BotProcess
from tests.e2e.test_cli import arun
from tests.fakes.telegram import FakeTelegram
from tests.watch_state import claim

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def fill(database: Path, key: str, chat: int) -> None:
    """A row in every table, as a bot that ran a while leaves them."""
    storage = await Storage.open(database, Keyring.from_text(key))
    try:
        await storage.credentials.save(
            chat,
            auth_kind=AuthKind.PASSWORD,
            secret=PASSWORD,
            login=LOGIN,
            region="ru",
            set_by=chat,
        )
        await storage.settings.set_notify(chat, NotificationKind.SENDERS, True)
        await storage.watch.replace_download_baseline(chat, [SeenTask(1, "export", 1)], "d|1")
        mine = await claim(storage, chat)
        await storage.watch.record_sender(
            mine, SeenSender(5, "Shop", 1, {"mts": 1}), before=None, change="new"
        )
        await storage.deliveries.claim(
            mine, NotificationKind.DOWNLOADS, "1", "2", now=time.time(), lease=60
        )
        group = new_group()
        await storage.settings.set_language(group, "uk")
        await storage.chats.migrate(group, group - 1)
        await storage.audit.record(chat, chat, "login", "ok", target=LOGIN)
        now = time.time()
        # Another site's journal: nothing the sandbox's requests are held back by.
        storage.limits.stamped(StoredStamp("smsc.kz|login:other", "same:abc", 3, now - 1))
        storage.limits.stamped(StoredStamp("smsc.kz|login:other", "same:abc", 3, now - 1))
        storage.limits.failed(StoredFailure("smsc.kz", "other", 2, now - 5))
        storage.limits.address(StoredBlock("smsc.kz", now - 1, 600))
        await storage.login_attempts.counted(99, 99, now - 5, older=0)
        await storage.dialogs.put("bot:1:chat:99", "Login:secret", {"target_chat": 99})
        await storage.login_traces.dialog_opened(99, 99, 99)
        await storage.login_traces.prompt_sent(group - 1, 7)
    finally:
        await storage.close()


def counts(stdout: str) -> dict[str, tuple[int, int, int]]:
    found = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] in expected_tables():
            found[parts[0]] = (int(parts[1]), int(parts[2]), int(parts[3]))
    return found


async def test_migrate_db_copies_every_table_once_and_the_bot_runs_on_the_copy(
    tmp_path: Path, sandbox: SandboxServer, telegram: FakeTelegram, postgres_url: str
) -> None:
    key, chat = generate_key(), new_user()
    database = tmp_path / "bot.sqlite3"
    await fill(database, key, chat)
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(database), "ENCRYPTION_KEYS": key}

    first = await arun("migrate-db", "--to", postgres_url, env=env)
    assert first.returncode == 0, first.stderr
    copied = counts(first.stdout)
    assert set(copied) == set(expected_tables())
    assert all(source == target == moved > 0 for source, target, moved in copied.values())
    assert copied["smsc_stamps"] == (2, 2, 2)  # a row twice in SQLite is there twice

    again = await arun("migrate-db", env={**env, "DATABASE_URL": postgres_url})
    assert again.returncode == 0, again.stderr
    assert counts(again.stdout) == {t: (s, s, 0) for t, (s, _, _) in copied.items()}

    # Rows PostgreSQL numbers itself come after the copied ones.
    storage = await Storage.open(postgres_url, Keyring.from_text(key))
    try:
        [copied_attempt] = await storage.login_attempts.since(0)
        assert await storage.login_attempts.counted(98, 98, time.time(), older=0) > (
            copied_attempt.token
        )
        await storage.audit.record(chat, chat, "after-the-move", "ok")
        await storage.audit.flush()
    finally:
        await storage.close()

    process = BotProcess(
        tmp_path,
        telegram,
        sandbox.base_url,
        DATABASE_URL=postgres_url,
        DATABASE_PATH=str(tmp_path / "not-used.sqlite3"),
        ENCRYPTION_KEYS=key,
    )
    await process.start()
    try:
        reply = await telegram.reply_to(chat, chat, "/account")
        assert LOGIN in reply.text
        assert "1871.62" in reply.text
    finally:
        await process.stop()
    assert not (tmp_path / "not-used.sqlite3").exists()
    assert PASSWORD not in process.log


async def test_a_count_that_differs_is_one_line_and_exit_1(
    tmp_path: Path, postgres_url: str
) -> None:
    key = generate_key()
    database = tmp_path / "bot.sqlite3"
    await fill(database, key, new_user())
    # The target already holds a chat SQLite never had: the counts cannot match.
    storage = await Storage.open(postgres_url, Keyring.from_text(key))
    await storage.settings.set_language(-42, "ru")
    await storage.close()
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(database), "ENCRYPTION_KEYS": key}
    result = await arun("migrate-db", "--to", postgres_url, env=env)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "row counts differ after the copy: chats 2 in SQLite, 3 in PostgreSQL" in line


async def test_migrate_db_refuses_what_it_cannot_use_in_one_line(tmp_path: Path) -> None:
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "missing.sqlite3")}
    result = await arun("migrate-db", "--to", "mysql://root:hunter2-secret@db/x", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "smsc-bot: configuration error: --to is malformed: must start with postgresql:// or "
        "postgres://"
    ]
    result = await arun(
        "migrate-db", "--to", "postgresql://u:hunter2-secret@127.0.0.1:1/x", env=env
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "no SQLite database at" in line
    await (await Storage.open(tmp_path / "bot.sqlite3", Keyring.from_text(generate_key()))).close()
    env["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    result = await arun(
        "migrate-db", "--to", "postgresql://u:hunter2-secret@127.0.0.1:1/x", env=env
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "smsc-bot: storage error: PostgreSQL at postgresql://u@127.0.0.1:1/x is unavailable "
        "while connecting (ConnectionRefusedError); nothing was changed"
    ]
    assert "hunter2" not in result.stdout
