"""Chats on one SMSC login share what the bot keeps of the account: what one chat read, or
wrote, the other is shown without reading again; a chat on other credentials is never shown
it. Through the real dispatcher, against the sandbox with SMSC's real 60 s window."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.phone_pace import CHAT, LOGIN, PASSWORD, logged_in
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, close_harness, sent, text_of

SAME, OTHER = CHAT + 1, CHAT + 2  # a second chat on the login, a chat on another account
OTHER_LOGIN, OTHER_PASSWORD = "branch", "branch-Pa55"
NUMBER, ANOTHER = "79160005001", "79160005002"


@pytest.fixture
async def chats(tmp_path: Path) -> AsyncIterator[Harness]:
    harness, telegram, sandbox = await logged_in(tmp_path)
    sandbox.state.add_account(OTHER_LOGIN, OTHER_PASSWORD)
    await harness.say(SAME, f"/login {LOGIN} {PASSWORD}")
    await harness.say(OTHER, f"/login {OTHER_LOGIN} {OTHER_PASSWORD}")
    yield harness
    await close_harness(harness)
    await telegram.stop()
    await sandbox.stop()


def card_of(calls: list[Call]) -> Call:
    return next(c for c in reversed(calls) if c.text.startswith("📇"))


def reads(h: Harness, login: str, action: str = "get_black") -> int:
    return sum(1 for r in h.sandbox.requests if r.login == login and r.action == action)


async def test_chats_on_one_login_share_the_kept_blacklist_and_others_never_see_it(
    chats: Harness,
) -> None:
    card = card_of(await chats.say(CHAT, NUMBER))
    assert "Not blacklisted" in card.text
    assert "Not blacklisted" in card_of(await chats.say(SAME, ANOTHER)).text
    assert "Blacklist" in text_of(await chats.say(SAME, "/blacklist"))
    assert reads(chats, LOGIN) == 1
    # A block in one chat shows on the other's card: from the copy the block updated.
    blocked = await chats.press(card, "Block all", user_id=CHAT)
    assert "Blacklisted: all messages blocked" in text_of(blocked)
    assert "Blacklisted: all messages blocked" in card_of(await chats.say(SAME, NUMBER)).text
    assert NUMBER in text_of(await chats.say(SAME, "/blacklist"))
    assert reads(chats, LOGIN) == 1
    # Another account reads its own, and the block is not in it.
    assert "Not blacklisted" in card_of(await chats.say(OTHER, NUMBER)).text
    listed = sent(await chats.say(OTHER, "/blacklist"))[-1]
    assert NUMBER not in listed.text
    assert reads(chats, OTHER_LOGIN) == 1
    assert reads(chats, LOGIN) == 1


async def test_chats_on_one_login_share_the_kept_groups_and_contacts(chats: Harness) -> None:
    moved = await chats.say(CHAT, "/movecontact 79991001111 VIP")
    assert "moved to the group “VIP”" in text_of(moved)
    card = card_of(await chats.say(SAME, "79991001111"))
    assert "groups VIP" in card.text
    assert reads(chats, LOGIN, "get_group") == 1
    # The other account's contact of that number is where its own book has it.
    assert "groups Customers" in card_of(await chats.say(OTHER, "79991001111")).text
    assert reads(chats, OTHER_LOGIN, "get_group") == 1
