"""A write's change to the kept copies is saved beside its update's reply: begun as SMSC
answers, before the reply goes out, and the reply does not wait for the shared store (Redis,
with replicas); the chat's next update, and every other chat on the login, still find it.
Through the real dispatcher, against the sandbox with SMSC's real 60 s window."""

from __future__ import annotations

import asyncio
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
    """Copies in memory; each save noted with the number of Bot API calls made before it, and
    held until ``go`` (a store far away)."""

    def __init__(self, telegram: FakeTelegram) -> None:
        super().__init__()
        self.telegram = telegram
        self.saves: list[tuple[str, int]] = []
        self.go = asyncio.Event()
        self.go.set()

    async def save(self, key: str, kept: Kept[Any] | None, *, expected: str) -> str | None:
        self.saves.append((key, len(self.telegram.calls)))
        await self.go.wait()
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


async def test_the_change_is_saved_as_smsc_answers_and_the_reply_does_not_wait_for_it(
    bot: tuple[Harness, NotingStore],
) -> None:
    h, store = bot
    await h.say(CHAT, "/blacklist")
    saves_before = len(store.saves)
    since = h.telegram.mark()
    # The store is slow: the reply goes out while the change is on its way to it...
    store.go.clear()
    block = asyncio.create_task(h.say(CHAT, f"/block {NUMBER} all"))
    reply = await h.telegram.wait_for(
        "sendMessage", chat_id=CHAT, since=since, contains="is blacklisted"
    )
    # ...begun before the reply reached Telegram, in the order SMSC answered.
    [(_key, calls_made)] = store.saves[saves_before:]
    assert calls_made <= h.telegram.calls.index(reply, since)
    assert not block.done(), "the update ended before its change was saved"
    store.go.set()
    await block
    # The same chat's next command and another chat on the login: no second read of SMSC.
    assert NUMBER in text_of(await h.say(CHAT, "/blacklist"))
    assert NUMBER in text_of(await h.say(SAME, "/blacklist"))
    assert blacklist_reads(h) == 1


async def test_a_block_with_a_slow_reply_and_an_unblock_elsewhere_keep_smsc_order(
    bot: tuple[Harness, NotingStore],
) -> None:
    h, _store = bot
    await h.say(CHAT, "/blacklist")
    held = h.telegram.hold("sendMessage")  # the block's reply is slow (429s, a slow link)
    block = asyncio.create_task(h.say(CHAT, f"/block {NUMBER} all"))
    await asyncio.wait_for(held.arrived.wait(), 10)
    # Another chat on the login (a second phone, a group member) unblocks it meanwhile.
    [question] = [c for c in sent(await h.say(SAME, f"/unblock {NUMBER}")) if "Remove" in c.text]
    await h.press(question, "Yes", user_id=SAME)
    assert h.sandbox.state.accounts[LOGIN].phones.find_blacklisted(NUMBER) is None
    held.released.set()
    await block
    assert NUMBER not in text_of(await h.say(SAME, "/blacklist"))
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
