"""``smsc-bot check`` answers false whenever the bot could not work."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.assembly.health import run_check
from bot.config import Settings
from bot.sandbox import SandboxServer
from bot.smsc import Endpoint, Region
from storage import AuthKind, Keyring, Storage, StoredBlock, generate_key
from tests.e2e.harness import TOKEN
from tests.e2e.test_cli import arun
from tests.e2e.test_fail_fast import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
async def env(tmp_path: Path, sandbox: SandboxServer) -> dict[str, str]:
    key = generate_key()
    database = tmp_path / "bot.sqlite3"
    storage = await Storage.open(database, Keyring.from_text(key))
    await storage.credentials.save(
        5, auth_kind=AuthKind.APIKEY, secret="stored-key-0123", region="ru", set_by=1
    )
    await storage.close()
    return {
        "BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(database),
        "ENCRYPTION_KEYS": key,
        "SMSC_BASE_URL": sandbox.base_url,
    }


async def check(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    result = await arun("check", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is (result.returncode == 0)
    return result.returncode, report


async def test_a_healthy_bot_checks_true(env: dict[str, str], sandbox: SandboxServer) -> None:
    scripts_called = len(sandbox.requests)
    code, report = await check(env)
    # Reachability is no API call: nothing that could count as a failing request.
    assert sandbox.requests[scripts_called:] == []
    assert code == 0
    assert report["database"]["ok"] is True
    # The sandbox has no home page: a 404 still proves the site answers.
    assert report["smsc"] == {"custom": {"ok": True, "status": 404}}
    with sqlite3.connect(env["DATABASE_PATH"]) as connection:
        [probes] = connection.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'health-check'"
        ).fetchone()
    connection.close()
    assert probes == 0  # the write it tried was rolled back


async def test_a_missing_table_checks_false(env: dict[str, str]) -> None:
    with sqlite3.connect(env["DATABASE_PATH"]) as connection:
        connection.execute("DROP TABLE deliveries")
    connection.close()
    code, report = await check(env, "--skip-smsc")
    assert code == 1
    assert report["database"]["ok"] is False
    assert "deliveries" in report["database"]["error"]


async def test_a_database_it_cannot_write_checks_false(env: dict[str, str]) -> None:
    # Another process holding the write lock: reads still work, every write of the bot waits
    # past its busy timeout and fails.
    holder = sqlite3.connect(env["DATABASE_PATH"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, report = await check(env, "--skip-smsc")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1
    assert report["database"]["ok"] is False
    assert "locked" in report["database"]["error"]


async def test_smsc_unreachable_everywhere_checks_false(env: dict[str, str]) -> None:
    env = {**env, "SMSC_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    code, report = await check(env)
    assert code == 1
    assert report["smsc"] == {"custom": {"ok": False, "error": "ConnectError"}}
    assert report["database"]["ok"] is True
    assert report["credentials"]["ok"] is True

    code, report = await check(env, "--skip-smsc")
    assert code == 0
    assert "smsc" not in report


@contextlib.contextmanager
def refusing_regions() -> Iterator[dict[str, Endpoint]]:
    """Every region of SMSC at a loopback address that refuses connections: a port bound and
    never listened on, so that nothing else can answer there while the test runs."""
    with contextlib.ExitStack() as stack:
        regions = {}
        for region in Region:
            bound = stack.enter_context(socket.socket())
            bound.bind(("127.0.0.1", 0))
            regions[region.value] = Endpoint(f"http://127.0.0.1:{bound.getsockname()[1]}")
        yield regions


async def check_regions(
    env: dict[str, str], regions: dict[str, Endpoint]
) -> tuple[int, dict[str, Any]]:
    """``check`` as the bot runs it for chats in SMSC's regions (no SMSC_BASE_URL), with each
    region's addresses on loopback: nothing reaches the provider."""
    settings = Settings(
        _env_file=None,
        bot_token=env["BOT_TOKEN"],
        database_path=Path(env["DATABASE_PATH"]),
        database_url=None,
        encryption_keys=env["ENCRYPTION_KEYS"],
        smsc_base_url=None,
    )
    out = io.StringIO()
    code = await run_check(settings, out, regions=regions)
    report = json.loads(out.getvalue())
    assert report["ok"] is (code == 0)
    return code, report


async def test_smsc_unreachable_in_every_region_checks_false(env: dict[str, str]) -> None:
    with refusing_regions() as regions:
        code, report = await check_regions(env, regions)
    assert code == 1
    assert report["smsc"] == {name: {"ok": False, "error": "ConnectError"} for name in regions}
    assert report["database"]["ok"] is True
    assert report["credentials"]["ok"] is True


async def test_one_region_answering_checks_true(
    env: dict[str, str], sandbox: SandboxServer
) -> None:
    with refusing_regions() as regions:
        regions[Region.COM.value] = Endpoint(sandbox.base_url)
        code, report = await check_regions(env, regions)
    assert code == 0
    assert report["smsc"][Region.COM.value] == {"ok": True, "status": 404}
    assert [name for name, target in report["smsc"].items() if not target["ok"]] == [
        Region.RU.value,
        Region.UA.value,
        Region.KZ.value,
    ]


async def test_a_region_answering_on_its_backup_host_is_reachable(
    env: dict[str, str], sandbox: SandboxServer
) -> None:
    # Requests fall back to a region's backup host when its main one cannot be reached: the
    # chats there still work.
    with refusing_regions() as regions:
        regions[Region.RU.value] = Endpoint(regions[Region.RU.value].base_url, [sandbox.base_url])
        code, report = await check_regions(env, regions)
    assert code == 0
    assert report["smsc"][Region.RU.value] == {"ok": True, "status": 404}


async def record_block(env: dict[str, str], site: str, until: float) -> None:
    storage = await Storage.open(env["DATABASE_PATH"], Keyring.from_text(env["ENCRYPTION_KEYS"]))
    try:
        storage.limits.address(StoredBlock(site, until, 600.0))
    finally:
        await storage.close()


async def test_an_address_block_in_force_checks_false_and_says_until_when(
    env: dict[str, str], sandbox: SandboxServer
) -> None:
    until = time.time() + 600
    await record_block(env, Endpoint(sandbox.base_url).site, until)
    code, report = await check(env)
    assert code == 1
    assert report["smsc"]["custom"] == {
        "ok": False,
        "error": "SMSC has blocked this server's address",
        "blocked_until": datetime.fromtimestamp(until, UTC).isoformat(timespec="seconds"),
    }
    assert report["database"]["ok"] is True


async def test_an_address_block_that_ended_checks_true(
    env: dict[str, str], sandbox: SandboxServer
) -> None:
    await record_block(env, Endpoint(sandbox.base_url).site, time.time() - 1)
    code, report = await check(env)
    assert code == 0
    assert report["smsc"]["custom"]["ok"] is True
