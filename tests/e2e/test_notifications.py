"""Notifications through the running bot process, with WATCH_INTERVAL of one second."""

from __future__ import annotations

import pytest

from bot.sandbox import SandboxServer
from tests.e2e.conftest import LOGIN, PASSWORD, new_user
from tests.e2e.harness import BotProcess
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_export_done_and_operator_change_reach_the_chat(
    bot: BotProcess, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    chat = new_user()
    await telegram.reply_to(chat, chat, f"/login {LOGIN} {PASSWORD}", contains="Logged in")
    await telegram.reply_to(chat, chat, "/watch downloads on", contains="known now")
    await telegram.reply_to(chat, chat, "/watch senders on", contains="known now")
    since = telegram.mark()
    task = sandbox.state.add_task(LOGIN, "nightly_export", 1)
    sandbox.state.set_task_status(LOGIN, task.id, 2, size=2048)
    document = await telegram.wait_for("sendDocument", chat_id=chat, since=since, timeout=30)
    assert "nightly_export" in document.text
    assert len(document.files["document"][1]) == 2048

    since = telegram.mark()
    sandbox.state.set_operator_status(LOGIN, 2, "tele2_step", 2)
    message = await telegram.wait_for(
        "sendMessage", chat_id=chat, since=since, contains="MyShop", timeout=30
    )
    assert "Tele2: documents required → approved" in message.text
