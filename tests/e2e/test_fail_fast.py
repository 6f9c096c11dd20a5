"""A start-up that cannot work exits at once, with one line and nothing secret.

Each case used to print a traceback and then hang: the database's thread kept the process
alive after the error.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from storage import AuthKind, Keyring, Storage, generate_key
from tests.e2e.harness import ROOT, TOKEN
from tests.e2e.test_cli import _env
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

SECRET = "Stored-Secret-0123456789"
WEBHOOK_SECRET = "webhook-secret-0123456789"
# Far longer than a failing start-up needs; a process still running then has hung.
EXIT_DEADLINE = 60.0


def free_port() -> int:
    """A loopback port nobody listens on (taken and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
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
    try:
        out, err = await asyncio.wait_for(process.communicate(), EXIT_DEADLINE)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        raise AssertionError(f"the bot did not exit:\n{err.decode(errors='replace')}") from None
    return subprocess.CompletedProcess(args, process.returncode or 0, out.decode(), err.decode())


def failed_in_one_line(result: subprocess.CompletedProcess[str], *secrets: str) -> str:
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything, everything
    for secret in (TOKEN, TOKEN.partition(":")[2], *secrets):
        assert secret not in everything
    assert result.returncode == 1, everything
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("smsc-bot: ")
    return line


@pytest.fixture
def env(tmp_path: Path, telegram: FakeTelegram, sandbox: SandboxServer) -> dict[str, str]:
    # ERROR and text: a traceback logged on the way out would show as lines of its own.
    return {
        "BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "ENCRYPTION_KEYS": generate_key(),
        "SMSC_BASE_URL": sandbox.base_url,
        "TELEGRAM_API_URL": telegram.base_url,
        "LOG_LEVEL": "ERROR",
        "LOG_FORMAT": "text",
    }


async def stored_chat(env: dict[str, str], chat_id: int = 7) -> Path:
    database = Path(env["DATABASE_PATH"])
    storage = await Storage.open(database, Keyring.from_text(env["ENCRYPTION_KEYS"]))
    await storage.credentials.save(
        chat_id, auth_kind=AuthKind.APIKEY, secret=SECRET, region="ru", set_by=1
    )
    await storage.close()
    return database


def corrupt_page_of(database: Path, table: str) -> None:
    with sqlite3.connect(database) as connection:
        [page] = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
        [size] = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    with database.open("r+b") as file:
        file.seek((page - 1) * size)
        file.write(b"\xff" * size)


async def test_a_corrupt_credentials_page_stops_start_up(env: dict[str, str]) -> None:
    database = await stored_chat(env)
    corrupt_page_of(database, "credentials")
    line = failed_in_one_line(await start(env=env), SECRET, env["ENCRYPTION_KEYS"])
    assert "damaged" in line


async def test_a_missing_table_stops_start_up(env: dict[str, str]) -> None:
    database = await stored_chat(env)
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TABLE smsc_stamps")
    connection.close()
    line = failed_in_one_line(await start(env=env), SECRET)
    assert "smsc_stamps" in line


async def test_a_secret_stored_as_text_stops_start_up(env: dict[str, str]) -> None:
    database = await stored_chat(env)
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE credentials SET secret = ?", (SECRET,))
    connection.close()
    line = failed_in_one_line(await start(env=env), SECRET)
    assert "ENCRYPTION_KEYS opens none of the 1 stored credentials" in line


async def test_webhook_without_url_is_a_configuration_error(env: dict[str, str]) -> None:
    result = await start("--webhook", env={**env, "WEBHOOK_SECRET": WEBHOOK_SECRET})
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "smsc-bot: configuration error: WEBHOOK_URL is required with --webhook"
    ]
    assert not Path(env["DATABASE_PATH"]).exists()


async def test_a_refused_set_webhook_stops_start_up(
    env: dict[str, str], telegram: FakeTelegram
) -> None:
    await stored_chat(env)
    telegram.fail("setWebhook", 400)
    since = telegram.mark()
    port = free_port()
    webhook = {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    line = failed_in_one_line(await start(env={**env, **webhook}), WEBHOOK_SECRET, SECRET)
    assert telegram.find("setWebhook", since=since)
    assert "setWebhook" in line


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_telegram_unreachable_at_start_stops_it(env: dict[str, str], mode: str) -> None:
    await stored_chat(env)
    env = {**env, "TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}"}
    if mode == "webhook":
        port = free_port()
        env |= {
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
    line = failed_in_one_line(await start(env=env), SECRET, WEBHOOK_SECRET)
    assert line.startswith("smsc-bot: Telegram cannot be reached")


async def test_telegram_unreachable_leaves_no_traceback_in_the_debug_log(
    env: dict[str, str],
) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}"
    debug = {"TELEGRAM_API_URL": unreachable, "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"}
    result = await start(env={**env, **debug})
    everything = result.stdout + result.stderr
    assert result.returncode == 1
    assert "Traceback" not in everything
    assert TOKEN.partition(":")[2] not in everything
    assert result.stderr.strip().splitlines()[-1].startswith("smsc-bot: ")


async def test_a_malformed_telegram_url_is_named_without_the_token(env: dict[str, str]) -> None:
    result = await start(env={**env, "TELEGRAM_API_URL": "http://[::1"})
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything
    assert TOKEN.partition(":")[2] not in everything
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("smsc-bot: configuration error: TELEGRAM_API_URL is malformed")
    assert not Path(env["DATABASE_PATH"]).exists()


async def test_a_webhook_secret_telegram_would_refuse_is_named(env: dict[str, str]) -> None:
    webhook = {"WEBHOOK_URL": "http://127.0.0.1:8443/hook", "WEBHOOK_SECRET": "ключ;секрет"}
    result = await start(env={**env, **webhook})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("smsc-bot: configuration error: WEBHOOK_SECRET is malformed")
    assert "ключ;секрет" not in line
    assert not Path(env["DATABASE_PATH"]).exists()


async def test_a_database_path_under_a_file_is_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "plain-file").write_text("")
    database = tmp_path / "plain-file" / "bot.sqlite3"
    line = failed_in_one_line(await start(env={**env, "DATABASE_PATH": str(database)}))
    assert line.startswith("smsc-bot: storage error: cannot create the database's folder")


async def test_a_webhook_port_in_use_stops_start_up(env: dict[str, str]) -> None:
    await stored_chat(env)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        webhook = {
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        line = failed_in_one_line(await start(env={**env, **webhook}), WEBHOOK_SECRET, SECRET)
    assert f"cannot listen on WEBHOOK_HOST:WEBHOOK_PORT 127.0.0.1:{port}" in line
