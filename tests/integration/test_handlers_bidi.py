"""A name, a comment or any other text typed by a person or kept at SMSC cannot turn a reply
backwards: bidirectional controls (a right-to-left override, U+202E) never reach Telegram."""

from __future__ import annotations

import json

import pytest

from bot.display import BIDI_CONTROLS
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, text_of

USER = 7611
RLO = "\u202e"  # everything after it is shown right to left: "‮txt.exe" reads "exe.txt"
PDF = "\u202c"


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


def account(harness: Harness):  # type: ignore[no-untyped-def]
    return harness.sandbox.state.accounts[LOGIN]


def carried(calls: list[Call]) -> str:
    """Everything sent to Telegram: texts, captions, buttons, file names.

    aiogram sends a keyboard as JSON with non-ASCII escaped (``\\u202e``): it is decoded
    here, so that a control in a button's text is seen like one in a message."""
    params = [
        {k: json.loads(v) if k == "reply_markup" else v for k, v in c.params.items()} for c in calls
    ]
    return json.dumps(params, ensure_ascii=False) + "".join(
        name for c in calls for name, _ in c.files.values()
    )


def assert_no_bidi(calls: list[Call]) -> None:
    sent = carried(calls)
    assert not any(control in sent for control in BIDI_CONTROLS), sent


@pytest.mark.parametrize("control", list(BIDI_CONTROLS))
async def test_a_name_typed_with_a_bidi_control_is_echoed_without_it(
    logged_in: Harness, control: str
) -> None:
    calls = await logged_in.say(USER, f"/addgroup Partners{control}gnp.exe")
    assert "Partners" in text_of(calls)
    assert_no_bidi(calls)


async def test_names_and_comments_from_smsc_are_shown_without_bidi_controls(
    logged_in: Harness,
) -> None:
    state = account(logged_in)
    contact = state.phones.find_contact("79991001111")
    assert contact is not None
    contact.name = f"Olga {RLO}kcolb{PDF}"
    contact.comment = f"{RLO}detelpmoc"
    state.phones.groups[1].name = f"VIP {RLO}sdne"
    sender = next(iter(state.senders.values()))
    sender.name = f"Shop{RLO}24"
    sender.comment = f"ours {RLO}ton"
    state.sub_clients[next(iter(state.sub_clients))] = f"client{RLO}9"
    calls: list[Call] = []
    for command in (
        "+7 999 100-11-11",  # the card: name, comment, groups
        "/contacts Olga",
        "/groups",
        "/senders",
        "/movecontact 79991001111",
        "/delgroup 1",
    ):
        calls += await logged_in.say(USER, command)
    card = next(c for c in calls if "Add to group" in json.dumps(c.params))
    calls += await logged_in.press(card, "Add to group", user_id=USER)  # the groups as buttons
    replies = text_of(calls)
    assert "Olga kcolb" in replies
    assert "VIP sdne" in replies
    assert "Shop24" in replies
    assert_no_bidi(calls)


async def test_text_typed_with_bidi_controls_is_echoed_without_them(logged_in: Harness) -> None:
    calls: list[Call] = []
    for command in (
        f"/block 79161234567 mass spam {RLO}ton",
        "/blacklist",
        f"/addcontact 79165550077 Kim {RLO}ytrap",
        f"/renamegroup 2 Staff {RLO}wen",
        f"/invoice client{RLO}1 100",
        f"/download sent{RLO}_2026",
        f"/watch senders o{RLO}n",
        f"/editcontact 79165550077 birthday=31.02.1990{RLO}",
        f"/unknowncommand{RLO}x",
    ):
        calls += await logged_in.say(USER, command)
    assert "spam ton" in text_of(calls)
    assert_no_bidi(calls)
