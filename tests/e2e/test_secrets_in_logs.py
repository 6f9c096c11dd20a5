"""Secrets never reach the log: the bot runs at DEBUG, logins go through it, the whole log is
searched for every secret it saw."""

from __future__ import annotations

import pytest

from bot.sandbox import Fault, SandboxServer
from tests.e2e.conftest import APIKEY, LOGIN, PASSWORD, new_group, new_user
from tests.e2e.harness import TOKEN, BotProcess
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_debug_log_holds_no_secret(
    bot: BotProcess, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    assert bot.env["LOG_LEVEL"] == "DEBUG"
    chat = new_user()
    await telegram.reply_to(chat, chat, f"/login {LOGIN} {PASSWORD}", contains="Logged in")
    await telegram.reply_to(chat, chat, f"/login com {APIKEY}", contains="Logged in")
    await telegram.reply_to(chat, chat, f"/login {LOGIN} wrong-{PASSWORD}", contains="rejected")
    await telegram.reply_to(chat, chat, f"/login {LOGIN} {PASSWORD} extra", contains="Usage")
    group = new_group()
    await telegram.reply_to(group, chat, f"/login {LOGIN} {PASSWORD}", contains="Only admin")
    own_group = new_group()
    telegram.admins[own_group].add(chat)
    await telegram.reply_to(own_group, chat, f"/login {LOGIN} {PASSWORD}", contains="private")
    await telegram.reply_to(chat, chat, "/login")
    await telegram.reply_to(chat, chat, f"{LOGIN} {PASSWORD}", contains="Logged in")
    sandbox.set_fault(Fault("http500"))
    await telegram.reply_to(chat, chat, "/balance_is_not_a_command")
    await telegram.reply_to(chat, chat, "/account", contains="HTTP 500")
    sandbox.clear_faults()
    await telegram.reply_to(chat, chat, "/account", contains=LOGIN)

    log = bot.log
    assert '"event": "smsc call"' in log  # every SMSC request is there, and was scrubbed
    assert "/login" in log
    for secret in (PASSWORD, APIKEY, TOKEN, TOKEN.split(":")[1], bot.key):
        assert secret not in log, secret
