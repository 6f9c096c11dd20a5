"""The bot on PostgreSQL while PostgreSQL restarts: a command during the outage gets a clear
answer, the next one after it works again (the pool reconnects), ``check`` and ``/healthz`` say
what is wrong; and a start-up without a usable database is one line that never names the
password."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox import SandboxServer
from storage import AuthKind, Keyring, Storage, generate_key
from tests.e2e.conftest import LOGIN, PASSWORD, new_user
from tests.e2e.harness import TOKEN, BotProcess
from tests.e2e.test_cli import arun
from tests.e2e.test_webhook import start_webhook_bot
from tests.fakes.telegram import FakeTelegram
from tests.postgres_service import OwnPostgres

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_a_command_during_a_postgresql_restart_is_answered_and_the_next_one_works(
    tmp_path: Path, sandbox: SandboxServer, telegram: FakeTelegram, own_postgres: OwnPostgres
) -> None:
    key, chat = generate_key(), new_user()
    storage = await Storage.open(own_postgres.url, Keyring.from_text(key))
    await storage.credentials.save(
        chat, auth_kind=AuthKind.PASSWORD, secret=PASSWORD, login=LOGIN, region="ru", set_by=chat
    )
    await storage.close()
    env = {"BOT_TOKEN": TOKEN, "DATABASE_URL": own_postgres.url, "ENCRYPTION_KEYS": key}
    process = BotProcess(tmp_path, telegram, sandbox.base_url, **env)
    await process.start()
    try:
        reply = await telegram.reply_to(chat, chat, "/account")
        assert "1871.62" in reply.text

        await own_postgres.stop()
        reply = await telegram.reply_to(chat, chat, "/account")
        assert "My database is unavailable right now; nothing was changed" in reply.text
        down = await arun("check", "--skip-smsc", env=env)
        assert down.returncode == 1
        report = json.loads(down.stdout)["database"]
        assert report["ok"] is False
        assert "is unavailable while connecting" in report["error"]

        await own_postgres.start()
        reply = await telegram.reply_to(chat, chat, "/account")
        assert "1871.62" in reply.text
        up = await arun("check", "--skip-smsc", env=env)
        assert up.returncode == 0, up.stdout
        report = json.loads(up.stdout)["database"]
        assert report["engine"] == "postgresql"
        assert report["path"] == own_postgres.url
        assert report["chats"] == 1
    finally:
        await process.stop()
    assert "Traceback" not in process.log


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ("127.0.0.1:1/smsc", "is unavailable while connecting (ConnectionRefusedError)"),
        ("127.0.0.1:5432/no_such_database_here", "that database does not exist"),
    ],
)
async def test_a_start_without_a_usable_database_is_one_line_without_the_password(
    tmp_path: Path, postgres_url: str, database: str, expected: str
) -> None:
    # postgres_url only makes sure the machine's server is there (or skips).
    url = f"postgresql://postgres:hunter2-secret@{database}"
    env = {"BOT_TOKEN": TOKEN, "DATABASE_URL": url, "ENCRYPTION_KEYS": generate_key()}
    result = await arun(env=env)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("smsc-bot: storage error: PostgreSQL at postgresql://postgres@")
    assert expected in line
    assert "hunter2" not in result.stdout + result.stderr


async def test_check_reports_postgresql_like_sqlite_without_the_password(
    postgres_url: str,
) -> None:
    # Trust authentication ignores the password: it is there to be kept out of the report.
    url = postgres_url.replace("postgres@", "postgres:hunter2-secret@", 1)
    env = {"BOT_TOKEN": TOKEN, "DATABASE_URL": url, "ENCRYPTION_KEYS": generate_key()}
    result = await arun("check", "--skip-smsc", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["database"] == {
        "ok": True,
        "engine": "postgresql",
        "path": postgres_url,
        "schema_version": report["database"]["schema_version"],
        "chats": 0,
    }
    assert report["database"]["schema_version"] >= 9
    assert "hunter2" not in result.stdout + result.stderr


async def test_healthz_says_503_while_postgresql_is_down_and_200_once_it_is_back(
    tmp_path: Path, sandbox: SandboxServer, telegram: FakeTelegram, own_postgres: OwnPostgres
) -> None:
    process, base = await start_webhook_bot(
        tmp_path, telegram, sandbox, DATABASE_URL=own_postgres.url
    )
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
            await own_postgres.stop()
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 503
                assert await response.json() == {"ok": False, "error": "database unavailable"}
            await own_postgres.start()
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
    finally:
        await process.stop()
    assert "Traceback" not in process.log
