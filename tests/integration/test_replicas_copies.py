"""Blocks tapped at once in two chats of one login, through two replicas on one Redis (and in
one process without replicas): every block lands in the kept blacklist, whichever replica or
update saved last, and the list is read from SMSC once. (Skipped with one line where there is
no Redis.)"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.phone_pace import CHAT, LOGIN, PASSWORD, WINDOW, logged_in
from bot.sandbox import SandboxServer
from storage import generate_key
from tests.integration.bot_harness import Harness, close_harness, open_harness, text_of
from tests.redis_service import REDIS_URL, reachable_redis

SAME = CHAT + 1
NUMBERS = [f"7916000{n:04d}" for n in range(6)]


def blacklist_reads(sandbox: SandboxServer, login: str) -> int:
    return sum(1 for r in sandbox.requests if r.login == login and r.action == "get_black")


async def blocks_at_once(through: list[Harness], login: str, password: str) -> str:
    """Each chat logged in, the list read once, then the blocks all at once; the list after."""
    for chat, harness in ((CHAT, through[0]), (SAME, through[-1])):
        await harness.say(chat, f"/login {login} {password}")
    await through[0].say(CHAT, "/blacklist")
    await asyncio.gather(
        *(
            through[n % len(through)].say(CHAT if n % 2 else SAME, f"/block {number} all")
            for n, number in enumerate(NUMBERS)
        )
    )
    return text_of(await through[-1].say(SAME, "/blacklist"))


async def test_blocks_at_once_in_two_chats_all_land_in_the_kept_list(tmp_path: Path) -> None:
    harness, telegram, sandbox = await logged_in(tmp_path)
    try:
        shown = await blocks_at_once([harness], LOGIN, PASSWORD)
        assert [n for n in NUMBERS if n not in shown] == []
        assert blacklist_reads(sandbox, LOGIN) == 1
    finally:
        await close_harness(harness)
        await telegram.stop()
        await sandbox.stop()


@pytest.fixture
async def two_replicas(tmp_path: Path) -> AsyncIterator[tuple[list[Harness], SandboxServer]]:
    """Two replicas on the machine's Redis, SMSC's real 60 s window; a bot of their own, whose
    keys are removed afterwards."""
    redis = await reachable_redis()
    bot_id = 900_000_000 + secrets.randbelow(99_999_999)
    token = f"{bot_id}:TEST-fake-token-for-replica-tests-0"
    shared = {"redis_url": REDIS_URL, "encryption_keys": generate_key()}
    first, telegram, sandbox = await logged_in(tmp_path, token=token, **shared)
    replicas = [first]
    try:
        replicas.append(
            await open_harness(
                telegram, sandbox, tmp_path, bot_token=token, smsc_rate_window=WINDOW, **shared
            )
        )
        yield replicas, sandbox
    finally:
        for replica in replicas:
            await close_harness(replica)
        await telegram.stop()
        await sandbox.stop()
        async for key in redis.scan_iter(match=f"smsc-bot:{bot_id}:*"):
            await redis.delete(key)
        await redis.aclose()


async def test_blocks_at_once_through_two_replicas_all_land_in_the_kept_list(
    two_replicas: tuple[list[Harness], SandboxServer],
) -> None:
    replicas, sandbox = two_replicas
    shown = await blocks_at_once(replicas, LOGIN, PASSWORD)
    assert [n for n in NUMBERS if n not in shown] == []
    assert blacklist_reads(sandbox, LOGIN) == 1
