from __future__ import annotations

import json

import pytest

from bot.sandbox import SandboxServer
from tests.e2e.conftest import LOGIN, PASSWORD, new_user
from tests.e2e.harness import BotProcess
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_command_menu_is_set_per_language(bot: BotProcess, telegram: FakeTelegram) -> None:
    menus = {
        c.params.get("language_code"): json.loads(c.params["commands"])
        for c in telegram.find("setMyCommands")
    }
    assert set(menus) == {None, "ru", "uk"}
    block = "add a number or an e-mail address to the blacklist"
    assert {"command": "block", "description": block} in menus[None]
    block = "добавить номер или e-mail в чёрный список"
    assert {"command": "block", "description": block} in menus["ru"]
    assert all(len(menu) == len(menus[None]) for menu in menus.values())


async def test_start_login_block(
    bot: BotProcess, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    user = new_user()
    reply = await telegram.reply_to(user, user, "/start")
    assert "/login" in reply.text
    reply = await telegram.reply_to(user, user, f"/login {LOGIN} {PASSWORD}", contains="Logged in")
    assert "deleted" in reply.text
    reply = await telegram.reply_to(user, user, "/block 79161234567 mass spam complaint")
    assert "79161234567" in reply.text
    assert sandbox.state.accounts[LOGIN].phones.find_blacklisted("79161234567") is not None
