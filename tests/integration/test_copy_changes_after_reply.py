"""A write's change to the kept copies is saved once its update's reply is out: the person does
not wait on the shared store (Redis, with replicas), and the chat's next update, and every other
chat on the login, still find it. Through the real dispatcher, against the sandbox with SMSC's
real 60 s window; the store notes how far the Bot API calls had got at each save."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bench.phone_pace import CHAT, LOGIN, PASSWORD, logged_in
from bot.copy_store import Kept, MemoryCopyStore
from tests.fakes.telegram import FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, sent, text_of

SAME = CHAT + 1  # another chat on the same login
NUMBER, OTHER_NUMBER = "79160007001", "79160007002"


class NotingStore(MemoryCopyStore):
    """Copies in memory; each save noted with the number of Bot API calls made before it."""

    def __init__(self, telegram: FakeTelegram) -> None:
        super().__init__()
        self.telegram = telegram
        self.saves: list[tuple[str, int]] = []

    async def save(self, key: str, kept: Kept[Any] | None, *, expected: str) -> str | None:
        self.saves.append((key, len(self.telegram.calls)))
        return await super().save(key, kept, expected=expected)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[tuple[Harness, NotingStore]]:
    harness, telegram, sandbox = await logged_in(tmp_path)
    await harness.say(SAME, f"/login {LOGIN} {PASSWORD}")
    store = NotingStore(telegram)
    harness.app.dispatcher.workflow_data["copies"].store = store
    yield harness, store
    await close_harness(harness)
    await telegram.stop()
    await sandbox.stop()


def blacklist_reads(h: Harness) -> int:
    return sum(1 for r in h.sandbox.requests if r.login == LOGIN and r.action == "get_black")


async def test_the_reply_goes_out_before_the_change_is_saved_and_every_chat_then_sees_it(
    bot: tuple[Harness, NotingStore],
) -> None:
    h, store = bot
    await h.say(CHAT, "/blacklist")
    saves_before = len(store.saves)
    since = h.telegram.mark()
    replies = sent(await h.say(CHAT, f"/block {NUMBER} all"))
    assert "is blacklisted" in replies[-1].text
    reply_at = h.telegram.calls.index(replies[-1], since)
    [(_key, calls_made)] = store.saves[saves_before:]
    assert calls_made > reply_at, "the copy was saved before the reply went out"
    # The same chat's next command and another chat on the login: no second read of SMSC.
    assert NUMBER in text_of(await h.say(CHAT, "/blacklist"))
    assert NUMBER in text_of(await h.say(SAME, "/blacklist"))
    assert blacklist_reads(h) == 1


async def test_a_change_is_saved_though_its_reply_is_refused(
    bot: tuple[Harness, NotingStore], caplog: pytest.LogCaptureFixture
) -> None:
    h, _store = bot
    await h.say(CHAT, "/blacklist")
    h.telegram.fail("sendMessage", 400, times=1)
    await h.say(CHAT, f"/block {NUMBER} all")
    assert "reply not delivered" in caplog.text
    assert NUMBER in text_of(await h.say(SAME, "/blacklist"))
    assert blacklist_reads(h) == 1


async def test_a_read_after_a_write_in_one_update_shows_the_write(
    bot: tuple[Harness, NotingStore],
) -> None:
    h, _store = bot
    card = next(c for c in await h.say(CHAT, OTHER_NUMBER) if c.text.startswith("📇"))
    # The card is drawn again from the copy right after the block, in the same update.
    pressed = await h.press(card, "Block all", user_id=CHAT)
    assert "Blacklisted: all messages blocked" in text_of(pressed)
    assert blacklist_reads(h) == 1
