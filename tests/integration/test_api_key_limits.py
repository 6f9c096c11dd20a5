"""SMSC counts its limits per login, whether a request carries the login and password or the
account's API key. The bot keys its limiter by the login where it has one; no documented call
says which login an API key belongs to, so a chat on the key has windows of its own (README,
"SMSC limits"). Against the sandbox with SMSC's real 60 s window: nothing waits for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.state import SandboxState
from tests.conftest import APIKEY, LOGIN, PASSWORD
from tests.fakes.telegram import FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, text_of

WINDOW = 60.0
BY_PASSWORD, SAME_LOGIN, BY_KEY = 7631, 7632, 7633
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def minute(tmp_path: Path, telegram: FakeTelegram) -> AsyncIterator[Harness]:
    state = SandboxState()
    state.add_account(LOGIN, PASSWORD, apikey=APIKEY)
    async with SandboxServer(state, rate_window=WINDOW) as sandbox:
        harness = await open_harness(telegram, sandbox, tmp_path, smsc_rate_window=WINDOW)
        await harness.say(BY_PASSWORD, f"/login {LOGIN} {PASSWORD}")
        await harness.say(SAME_LOGIN, f"/login {LOGIN} {PASSWORD}")
        await harness.say(BY_KEY, f"/login {APIKEY}")
        yield harness
        await close_harness(harness)


def lists(harness: Harness) -> int:
    return sum(1 for r in harness.sandbox.requests if r.action == "get_list")


async def test_another_chat_on_the_same_login_shares_the_minute(minute: Harness) -> None:
    for _ in range(3):
        assert "Exports" in text_of(await minute.say(BY_PASSWORD, "/downloads"))
    held = text_of(await minute.say(SAME_LOGIN, "/downloads"))
    assert "Too many similar requests to SMSC in a minute" in held
    assert lists(minute) == 3
    assert minute.sandbox.error9_count == 0


async def test_a_chat_on_the_api_key_counts_apart_and_smsc_says_so(minute: Harness) -> None:
    for _ in range(3):
        await minute.say(BY_PASSWORD, "/downloads")
    # The bot cannot tell that the key is the same login: the request goes, SMSC refuses it.
    refused = text_of(await minute.say(BY_KEY, "/downloads"))
    assert "SMSC refused a repeated request; try again in" in refused
    assert minute.sandbox.error9_count == 1
    # From then on the bot holds that request back itself for the rest of the window.
    again = text_of(await minute.say(BY_KEY, "/downloads"))
    assert "try again in" in again
    assert minute.sandbox.error9_count == 1


def test_the_readme_says_an_api_key_counts_apart() -> None:
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "no documented call names the login behind an API key" in readme
    assert "counted apart by the bot but together by SMSC" in readme
