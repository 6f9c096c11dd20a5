"""The command line: configuration errors in one clear line, keys, rotation, the health check."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from storage import AuthKind, Keyring, Storage, generate_key
from tests.e2e.harness import ROOT, TOKEN, BotProcess
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.e2e]


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "SMSC_", "DATABASE_", "ENCRYPTION_", "WATCH_", "LOG_"))
    }
    clean.update(extra or {})
    return clean


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=_env(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def arun(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """As run(), without blocking the loop that serves the sandbox."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=_env(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return subprocess.CompletedProcess(args, process.returncode or 0, out.decode(), err.decode())


def test_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "smsc-bot: configuration error: BOT_TOKEN is required: set it in the environment or in .env"
    ]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("WATCH_INTERVAL", "soon", "WATCH_INTERVAL is malformed"),
        (
            "TELEGRAM_API_URL",
            "localhost:8081",
            "TELEGRAM_API_URL is malformed: must start with http",
        ),
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN is malformed"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL is malformed"),
        (
            "DATABASE_URL",
            "mysql://root:hunter2-secret@db/smsc",
            "DATABASE_URL is malformed: must start with postgresql:// or postgres://",
        ),
        ("DATABASE_URL", "postgresql://u:hunter2-secret@db:99999/x", "DATABASE_URL is malformed"),
    ],
)
def test_malformed_setting_is_named(tmp_path: Path, name: str, value: str, expected: str) -> None:
    env = {"BOT_TOKEN": TOKEN, name: value}
    result = run(env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert expected in line
    assert TOKEN not in result.stderr
    assert "hunter2" not in result.stderr


def test_no_key_says_how_to_make_one(tmp_path: Path) -> None:
    result = run(
        env={"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "db.sqlite3")}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "python -m bot keygen" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_keygen_prints_a_usable_key() -> None:
    result = run("keygen")
    assert result.returncode == 0
    Keyring.from_text(result.stdout.strip())


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=123:short\n")
    result = run(cwd=tmp_path)
    assert "BOT_TOKEN is malformed" in result.stderr


@pytest.mark.asyncio(loop_scope="session")
async def test_rotate_keys_and_check(tmp_path: Path, sandbox: SandboxServer) -> None:
    old, new = generate_key(), generate_key()
    database = tmp_path / "bot.sqlite3"
    storage = await Storage.open(database, Keyring.from_text(old))
    for chat in (1, 2, 3):
        await storage.credentials.save(
            chat,
            auth_kind=AuthKind.PASSWORD,
            secret=f"pw{chat}",
            login="demo",
            region="ru",
            set_by=1,
        )
    await storage.close()
    env = {
        "BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(database),
        "ENCRYPTION_KEYS": f"{new},{old}",
        "SMSC_BASE_URL": sandbox.base_url,
    }
    result = await arun("rotate-keys", env=env)
    assert result.returncode == 0, result.stderr
    assert "re-encrypted 3 chat(s)" in result.stdout

    result = await arun("check", env={**env, "ENCRYPTION_KEYS": new})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["database"]["schema_version"] >= 3
    assert report["credentials"] == {"ok": True, "stored": 3, "unreadable_chats": []}
    assert report["smsc"]["custom"]["ok"] is True

    result = await arun("check", "--skip-smsc", env={**env, "ENCRYPTION_KEYS": new})
    assert result.returncode == 0
    assert "smsc" not in json.loads(result.stdout)

    result = await arun("check", env={**env, "ENCRYPTION_KEYS": old})
    assert result.returncode == 1
    assert json.loads(result.stdout)["credentials"]["unreadable_chats"] == [1, 2, 3]
    for secret in ("pw1", old, new):
        assert secret not in result.stdout + result.stderr


@pytest.mark.asyncio(loop_scope="session")
async def test_a_wrong_key_stops_start_up_in_one_line_unless_allowed(
    tmp_path: Path, sandbox: SandboxServer, telegram: FakeTelegram
) -> None:
    right, wrong = generate_key(), generate_key()
    database = tmp_path / "bot.sqlite3"
    storage = await Storage.open(database, Keyring.from_text(right))
    for chat in (11, 12):
        await storage.credentials.save(
            chat, auth_kind=AuthKind.APIKEY, secret=f"key-{chat}", region="ru", set_by=1
        )
    await storage.close()
    env = {
        "BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(database),
        "ENCRYPTION_KEYS": wrong,
        "SMSC_BASE_URL": sandbox.base_url,
        "TELEGRAM_API_URL": telegram.base_url,
    }
    result = await arun(env=env)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "ENCRYPTION_KEYS opens none of the 2 stored credentials" in line
    assert "--allow-unreadable" in line
    assert wrong not in line

    process = BotProcess(tmp_path, telegram, sandbox.base_url, ENCRYPTION_KEYS=wrong)
    process.args = ["--allow-unreadable"]
    await process.start()
    try:
        telegram.admins[-100011].add(11)
        # Logging out and silencing notifications need no readable secret.
        question = await telegram.reply_to(11, 11, "/logout", contains="Disconnect")
        since = telegram.mark()
        telegram.press(question, "Yes", 11)
        await telegram.wait_for("editMessageText", chat_id=11, since=since, contains="Logged out")
        reply = await telegram.reply_to(12, 12, "/watch senders off")
        assert "No more notifications about sender names" in reply.text
        reply = await telegram.reply_to(12, 12, "/senders")
        assert "cannot read this chat's stored SMSC credentials" in reply.text
        assert "Send /login again." in reply.text
    finally:
        await process.stop()
    again = await Storage.open(database, Keyring.from_text(right))
    assert await again.credentials.exists(11) is False
    assert await again.credentials.exists(12) is True
    await again.close()
