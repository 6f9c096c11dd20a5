from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.sandbox import SandboxServer, SandboxState
from tests.e2e.harness import TOKEN, BotProcess
from tests.fakes.telegram import FakeTelegram

LOGIN, PASSWORD = "teamlead", "Sandbox-Pa55-e2e"
APIKEY = "e2e-api-key-0123456789"
_chat_ids = itertools.count(5001)


def new_user() -> int:
    """A fresh private chat (and user) id, so that tests never share a chat."""
    return next(_chat_ids)


def new_group() -> int:
    return -1000000000000 - next(_chat_ids)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def sandbox() -> AsyncIterator[SandboxServer]:
    state = SandboxState()
    state.add_account(LOGIN, PASSWORD, apikey=APIKEY)
    async with SandboxServer(state, rate_window=0.5) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def bot(
    tmp_path_factory: pytest.TempPathFactory, telegram: FakeTelegram, sandbox: SandboxServer
) -> AsyncIterator[BotProcess]:
    workdir: Path = tmp_path_factory.mktemp("bot")
    process = BotProcess(workdir, telegram, sandbox.base_url)
    await process.start()
    yield process
    await process.stop()
