"""Two bot processes on one PostgreSQL database (no Redis): what one stores, the other uses at
once. A login dialog begun on one finishes on the other, a language chosen on one is spoken by
the other, a logout on one disconnects the chat on both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from storage import generate_key
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, sent, text_of

USER = 7301


@pytest.fixture
async def replicas(
    telegram: FakeTelegram, sandbox: SandboxServer, tmp_path: Path, postgres_url: str
) -> AsyncIterator[tuple[Harness, Harness]]:
    key = generate_key()
    first = await open_harness(
        telegram, sandbox, tmp_path, database_url=postgres_url, encryption_keys=key
    )
    second = await open_harness(
        telegram, sandbox, tmp_path, database_url=postgres_url, encryption_keys=key
    )
    yield first, second
    await close_harness(first)
    await close_harness(second)


async def test_what_one_process_stores_the_other_uses_at_once(
    replicas: tuple[Harness, Harness],
) -> None:
    first, second = replicas
    assert "not connected to SMSC" in text_of(await second.say(USER, "/account"))

    assert "Send the API key" in text_of(await first.say(USER, "/login"))
    calls = await second.say(USER, f"{LOGIN} {PASSWORD}")
    assert [c.method for c in calls].count("deleteMessage") == 1
    assert "Logged in to SMSC as demo" in text_of(calls)
    assert "1871.62" in text_of(await first.say(USER, "/account"))

    await second.say(USER, "/lang uk")
    assert "Баланс" in text_of(await first.say(USER, "/account"))
    await first.say(USER, "/lang en")

    question = sent(await first.say(USER, "/logout"))[-1]
    assert "Logged out" in text_of(await first.press(question, "Yes", user_id=USER))
    assert "not connected to SMSC" in text_of(await second.say(USER, "/account"))
