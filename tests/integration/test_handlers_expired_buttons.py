"""Forged or impossible buttons and links read as expired: never an error, never a request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import SandboxServer
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call, FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, sent, text_of

USER = 7901
EXPIRED = "has expired"


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


async def press_data(harness: Harness, on: Call, data: str) -> list[Call]:
    """Press a button with any callback data, on a message the bot sent."""
    update: dict[str, Any] = harness.telegram.callback_update(on, "", USER)
    update["callback_query"]["data"] = data
    return await harness.feed(update)


def token_of(call: Call, button: str) -> str:
    return str(call.button(button)["callback_data"]).split(":")[2]


def assert_expired(calls: list[Call]) -> None:
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert EXPIRED in calls[0].text


@pytest.mark.parametrize(
    "data",
    [
        "rg:zz",
        "cf:x:y",
        "garbage",
        "",
        "pg:c",
        "pg:c:{token}:-1",
        "pg:c:{token}:99999999999999999999",
        "pg:c:{token}:22",
        "pg:z:{token}:0",
        "mv:move:99999999999999999999:{token}",
        "mv:move:0:{token}",
        "mv:move:1:{token}",
        "mv:sideways:1:{token}",
        "lg:xx",
        "wt:downloads:maybe",
        "op:zzz",
        "as:zzz",
        # A reading's button: another kind's token, a pick out of range, a made-up action.
        "rd:block:{token}:0",
        "rd:block:{token}:-2",
        "rd:block:{token}:10",
        "rd:nothing:{token}:0",
    ],
)
async def test_forged_button(logged_in: Harness, data: str) -> None:
    [listing] = sent(await logged_in.say(USER, "/contacts"))
    reached = len(logged_in.sandbox.requests)
    calls = await press_data(logged_in, listing, data.format(token=token_of(listing, "Next")))
    assert_expired(calls)
    assert len(logged_in.sandbox.requests) == reached


async def test_page_button_with_another_lists_token(logged_in: Harness) -> None:
    [contacts] = sent(await logged_in.say(USER, "/contacts"))
    # The contacts' token on a blacklist button: contacts are no blacklist entries.
    assert_expired(await press_data(logged_in, contacts, f"pg:b:{token_of(contacts, 'Next')}:0"))


async def test_region_button_forged_in_the_login_dialog(
    telegram: FakeTelegram, sandbox: SandboxServer, tmp_path: Path
) -> None:
    regional = await open_harness(telegram, sandbox, tmp_path, smsc_base_url=None)
    try:
        question = sent(await regional.say(USER, "/login"))[-1]
        assert_expired(await press_data(regional, question, "rg:zz"))
        calls = await regional.press(question, "smsc.kz", user_id=USER)
        assert "Region: Kazakhstan" in text_of(calls)
    finally:
        await close_harness(regional)


async def test_operator_button_forged_in_the_sender_dialog(logged_in: Harness) -> None:
    [dialog] = sent(await logged_in.say(USER, "/addsender Shop"))
    for data in ("op:zzz", "op:ua_reg", "op:"):
        assert_expired(await press_data(logged_in, dialog, data))
    calls = await logged_in.press(dialog, "MTS", user_id=USER)
    assert any("✅ MTS" in b["text"] for c in calls for b in c.buttons())


async def test_move_button_after_its_contact_was_forgotten(logged_in: Harness) -> None:
    [choice] = sent(await logged_in.say(USER, "/movecontact 79991000000"))
    logged_in.app.dispatcher.workflow_data["memo"]._items.clear()
    reached = len(logged_in.sandbox.requests)
    assert_expired(await logged_in.press(choice, "Staff", user_id=USER))
    assert len(logged_in.sandbox.requests) == reached


async def test_move_buttons_for_a_long_email_address(logged_in: Harness) -> None:
    address = f"{'a' * 60}@{'b' * 60}.example.com"
    await logged_in.say(USER, f"/addcontact {address}")
    [choice] = sent(await logged_in.say(USER, f"/movecontact {address}"))
    calls = await logged_in.press(choice, "Newsletter", user_id=USER)
    assert "moved to the group “Newsletter”" in text_of(calls)


@pytest.mark.parametrize(
    "payload",
    [
        "9" * 20,
        "-" + "9" * 20,
        "12345",
        "0",
        "-",
        "abc",
        "-100١٢٣",
        "",
    ],
)
async def test_impossible_login_link(harness: Harness, payload: str) -> None:
    calls = await harness.say(USER, f"/start login_{payload}")
    assert "This link has expired" in text_of(calls)
    assert "went wrong" not in text_of(calls)
    assert [c.method for c in calls] == ["sendMessage"]
