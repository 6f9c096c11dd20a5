"""SMSC's limits hold across a restart of the bot process: the limiter's last window is kept
in the database, so a deploy or a crash loop never sends a fourth identical request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.sandbox import SandboxServer, SandboxState
from tests.e2e.conftest import LOGIN, PASSWORD, new_user
from tests.e2e.harness import BotProcess
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def provider() -> AsyncIterator[SandboxServer]:
    # The real provider's minute on both sides: a restart takes seconds, well within it.
    state = SandboxState()
    state.add_account(LOGIN, PASSWORD)
    async with SandboxServer(state, rate_window=60) as server:
        yield server


async def test_three_reads_a_restart_and_a_fourth_sends_nothing(
    tmp_path: Path, telegram: FakeTelegram, provider: SandboxServer
) -> None:
    process = BotProcess(tmp_path, telegram, provider.base_url, SMSC_RATE_WINDOW="60")
    await process.start()
    chat = new_user()
    try:
        await telegram.reply_to(chat, chat, f"/login {LOGIN} {PASSWORD}", contains="Logged in")
        # /contacts reads afresh each time (lists of contacts are not kept), the same request.
        for _ in range(3):
            await telegram.reply_to(chat, chat, "/contacts", contains="Contacts")
        assert await process.stop() == 0
        await process.start()

        def lists() -> int:
            return sum(1 for r in provider.reached("phones") if r.action == "get")

        reached = lists()
        reply = await telegram.reply_to(chat, chat, "/contacts")
        assert "try again in" in reply.text
        seconds = int(reply.text.split("try again in ")[1].split(" s")[0])
        assert 30 <= seconds <= 60
        assert lists() == reached
        assert provider.error9_count == 0
        # Another request is not held back by the identical ones.
        await telegram.reply_to(chat, chat, "/groups", contains="Groups")
    finally:
        await process.stop()
    assert "smsc limits restored" in process.log


async def test_wrong_logins_counted_before_a_restart_still_count_after_it(
    tmp_path: Path, telegram: FakeTelegram, provider: SandboxServer
) -> None:
    process = BotProcess(tmp_path, telegram, provider.base_url, SMSC_RATE_WINDOW="60")
    chat = new_user()

    def wrong_logins() -> list[str]:
        return [r.status for r in provider.requests if r.script == "balance"]

    await process.start()
    try:
        for guess in range(5):
            await telegram.reply_to(chat, chat, f"/login {LOGIN} wrong-{guess}", contains="error 2")
        await telegram.reply_to(chat, chat, f"/login {LOGIN} wrong-5", contains="Too many")
        assert await process.stop() == 0
        await process.start()
        for guess in range(6, 12):
            reply = await telegram.reply_to(chat, chat, f"/login {LOGIN} wrong-{guess}")
            assert "Too many wrong logins" in reply.text
    finally:
        await process.stop()
    assert wrong_logins() == ["error 2"] * 5
