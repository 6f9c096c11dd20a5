"""A list's page buttons belong to the chat it was shown in and to the account it was read
with: pressed from another chat, or after that chat logged out or logged in to another account,
they read as expired and show nothing of the list."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.state import SbBlacklisted, SbGroup, SbSender
from tests.conftest import APIKEY, LOGIN, PASSWORD
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, sent, text_of

OWNER, NEIGHBOUR, STRANGER = 7951, 7952, 7953
# Lists whose pages are kept in memory: every entry of each is named "Mark…".
LISTS = ["/groups", "/senders", "/blacklist", "/downloads"]


@pytest.fixture
async def long_lists(harness: Harness) -> Harness:
    account = harness.sandbox.state.accounts[LOGIN]
    account.phones.groups.clear()
    account.senders.clear()
    account.phones.blacklist.clear()
    account.tasks.clear()
    for n in range(1, 16):
        account.phones.groups[n] = SbGroup(n, f"MarkGroup{n}")
        account.senders[n] = SbSender(n, f"MarkS{n}", 1)
        account.phones.blacklist[n] = SbBlacklisted(n, f"7999{n:07d}", 0, f"Mark{n}")
        harness.sandbox.state.add_task(LOGIN, f"MarkExport{n}", 2, size=10)
    return harness


async def first_page(harness: Harness, chat: int, command: str) -> Call:
    [listing] = sent(await harness.say(chat, command))
    assert listing.button("Next")
    return listing


def pressed_in(harness: Harness, listing: Call, chat: int) -> dict[str, Any]:
    """Next on ``listing``, as if pressed on a message in ``chat``: the same callback data."""
    update = harness.telegram.callback_update(listing, "Next", chat)
    message = dict(update["callback_query"]["message"])
    message["chat"] = harness.telegram.chat(chat)
    update["callback_query"]["message"] = message
    return update


def assert_expired(calls: list[Call]) -> None:
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert "has expired" in calls[0].text
    assert "Mark" not in text_of(calls)
    assert "7999" not in text_of(calls)


async def test_next_pages_on_in_the_chat_and_account_it_was_shown_for(
    long_lists: Harness,
) -> None:
    await long_lists.say(OWNER, f"/login {LOGIN} {PASSWORD}")
    for command in LISTS:
        listing = await first_page(long_lists, OWNER, command)
        calls = await long_lists.press(listing, "Next", user_id=OWNER)
        assert "Mark" in text_of([c for c in calls if c.method == "editMessageText"]), command


@pytest.mark.parametrize("command", LISTS)
async def test_a_page_pressed_from_another_chat_is_expired(
    long_lists: Harness, command: str
) -> None:
    await long_lists.say(OWNER, f"/login {LOGIN} {PASSWORD}")
    # The same account in the neighbour's chat: still not the chat the list was shown in.
    await long_lists.say(NEIGHBOUR, f"/login {LOGIN} {PASSWORD}")
    listing = await first_page(long_lists, OWNER, command)
    reached = len(long_lists.sandbox.requests)
    for chat in (STRANGER, NEIGHBOUR):
        assert_expired(await long_lists.feed(pressed_in(long_lists, listing, chat)))
    assert len(long_lists.sandbox.requests) == reached


@pytest.mark.parametrize("command", LISTS)
async def test_a_page_pressed_after_logout_is_expired(long_lists: Harness, command: str) -> None:
    await long_lists.say(OWNER, f"/login {LOGIN} {PASSWORD}")
    listing = await first_page(long_lists, OWNER, command)
    [question] = sent(await long_lists.say(OWNER, "/logout"))
    assert "Logged out" in text_of(await long_lists.press(question, "Yes", user_id=OWNER))
    assert_expired(await long_lists.press(listing, "Next", user_id=OWNER))


@pytest.mark.parametrize("command", LISTS)
async def test_a_page_pressed_after_logging_in_to_another_account_is_expired(
    long_lists: Harness, command: str
) -> None:
    await long_lists.say(OWNER, f"/login {LOGIN} {PASSWORD}")
    listing = await first_page(long_lists, OWNER, command)
    # The API key is other credentials, another account for the bot, whatever it can read.
    assert "Logged in" in text_of(await long_lists.say(OWNER, f"/login {APIKEY}"))
    assert_expired(await long_lists.press(listing, "Next", user_id=OWNER))


async def test_contacts_pages_are_bound_too(long_lists: Harness) -> None:
    # /contacts pages can fetch SMSC's next batch, so they need the chat's client: a chat
    # without credentials hears that, and sees nothing of the list either.
    await long_lists.say(OWNER, f"/login {LOGIN} {PASSWORD}")
    await long_lists.say(NEIGHBOUR, f"/login {LOGIN} {PASSWORD}")
    listing = await first_page(long_lists, OWNER, "/contacts")
    assert_expired(await long_lists.feed(pressed_in(long_lists, listing, NEIGHBOUR)))
    calls = await long_lists.feed(pressed_in(long_lists, listing, STRANGER))
    assert "not connected" in text_of(calls)
    assert "7999" not in text_of(calls)
    await long_lists.say(OWNER, f"/login {APIKEY}")
    assert_expired(await long_lists.press(listing, "Next", user_id=OWNER))
