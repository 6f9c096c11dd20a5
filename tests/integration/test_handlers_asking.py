"""Commands sent without what they need ask for it, a step at a time: the next message (or a
button) is the answer, a wrong one is told and asked again with nothing lost, /cancel and the
Cancel button end it. In a group the steps ask for a reply, so that privacy mode lets the
answer through, and only replies to the bot are taken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.state import Account, SbSender
from storage import AuthKind, generate_key
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call, FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, sent, text_of

USER = 7901
GROUP = -1007901
ADMIN, MEMBER = 7911, 7912


def account(harness: Harness) -> Account:
    return harness.sandbox.state.accounts[LOGIN]


@pytest.fixture
async def alone(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


@pytest.fixture
async def team(harness: Harness) -> Harness:
    harness.telegram.admins[GROUP].add(ADMIN)
    await harness.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=harness.sandbox.base_url,
        set_by=ADMIN,
    )
    return harness


def prompt_of(calls: list[Call]) -> Call:
    return sent(calls)[-1]


def labels(call: Call) -> list[str]:
    return [button["text"] for button in call.buttons()]


async def test_bare_block_asks_for_the_number_then_blocks_it(alone: Harness) -> None:
    before = len(alone.sandbox.requests)
    asked = prompt_of(await alone.say(USER, "/block"))
    assert "Which number or e-mail address should I blacklist?" in asked.text
    assert "Some arguments are missing" not in asked.text
    assert labels(asked) == ["✖ Cancel"]
    assert len(alone.sandbox.requests) == before  # nothing asked of SMSC yet
    done = await alone.say(USER, "+7 916 123-45-67 mass spam")
    assert "mass mailings blocked" in text_of(done)
    entry = account(alone).phones.find_blacklisted("79161234567")
    assert entry is not None
    assert (entry.type, entry.comment) == (1, "spam")
    audit = await alone.app.storage.audit.recent(USER)
    assert ("/block", "79161234567") in [(row.action, row.target) for row in audit]
    # The dialog is over: the next number is a card, not another block.
    assert "📇" in text_of(await alone.say(USER, "79161234568"))
    assert account(alone).phones.find_blacklisted("79161234568") is None


async def test_a_wrong_answer_is_told_and_asked_again_losing_nothing(alone: Harness) -> None:
    asked = prompt_of(await alone.say(USER, "/invoice client1"))
    assert "What sum?" in asked.text
    again = prompt_of(await alone.say(USER, "12,5,5"))
    assert "is not a sum" in again.text
    assert "What sum?" in again.text
    assert not [i for i in account(alone).invoices.values() if i.service == "SMS May"]
    done = await alone.say(USER, "1500 SMS May")
    [document] = sent(done, "sendDocument")
    assert "client1" in document.text
    [invoice] = [i for i in account(alone).invoices.values() if i.service == "SMS May"]
    assert invoice.user == "client1"


async def test_a_step_refuses_what_cannot_be_its_answer_at_once(alone: Harness) -> None:
    asked = prompt_of(await alone.say(USER, "/getinvoice"))
    assert "Whose invoice?" in asked.text
    before = len(alone.sandbox.requests)
    again = prompt_of(await alone.say(USER, "client1 101 extra"))
    assert "Send one sub-client login." in again.text
    assert "Whose invoice?" in again.text
    asked = prompt_of(await alone.say(USER, "client1"))
    assert "Which invoice?" in asked.text
    again = prompt_of(await alone.say(USER, "one hundred"))
    assert "must be a positive whole number" in again.text
    assert len(alone.sandbox.requests) == before
    done = await alone.say(USER, "101")
    [document] = sent(done, "sendDocument")
    assert "Invoice 101 for client1" in document.text


async def test_bad_words_given_with_the_command_are_refused_as_before(alone: Harness) -> None:
    reply = text_of(await alone.say(USER, "/invoice cl!ent"))
    assert "is not a sub-client login" in reply
    assert "Usage: <code>/invoice &lt;sub-client-login&gt; &lt;sum&gt;" in reply


async def test_cancel_ends_a_dialog_by_command_and_by_button(alone: Harness) -> None:
    await alone.say(USER, "/unblock")
    assert "Cancelled" in text_of(await alone.say(USER, "/cancel"))
    assert "📇" in text_of(await alone.say(USER, "79990000001"))  # a card: no dialog now
    asked = prompt_of(await alone.say(USER, "/unblock"))
    pressed = await alone.press(asked, "Cancel", user_id=USER)
    assert "Cancelled. Nothing was sent to SMSC." in text_of(pressed)
    assert "📇" in text_of(await alone.say(USER, "79990000001"))
    # A prompt's Cancel counts only while it is the dialog's latest.
    stale = await alone.press(asked, "Cancel", user_id=USER)
    assert "expired" in text_of(stale)
    assert account(alone).phones.find_blacklisted("79990000001") is not None


async def test_unblock_and_addcontact_ask_too(alone: Harness) -> None:
    await alone.say(USER, "/unblock")
    question = prompt_of(await alone.say(USER, "79990000001"))
    assert "Remove <code>79990000001</code> from the blacklist?" in question.text
    await alone.press(question, "Yes", user_id=USER)
    assert account(alone).phones.find_blacklisted("79990000001") is None
    asked = prompt_of(await alone.say(USER, "/addcontact"))
    assert "new contact's number" in asked.text
    again = prompt_of(await alone.say(USER, "7999000777"))  # a digit short
    assert "new contact's number" in again.text
    assert account(alone).phones.find_contact("7999000777") is None
    assert "added" in text_of(await alone.say(USER, "+7 999 000-77-66 Ivan Petrov"))
    contact = account(alone).phones.find_contact("79990007766")
    assert contact is not None
    assert contact.name == "Ivan Petrov"


async def test_bare_download_offers_the_finished_exports(alone: Harness) -> None:
    asked = prompt_of(await alone.say(USER, "/download"))
    assert labels(asked) == ["⬇ 2 sent_2026_09", "⬇ 1 sent_2026_08", "✖ Cancel"]
    done = await alone.press(asked, "sent_2026_09", user_id=USER)
    [document] = sent(done, "sendDocument")
    assert "Export 2" in document.text
    # A typed name works as /download's would, in any case.
    await alone.say(USER, "/download")
    [document] = sent(await alone.say(USER, "SENT_2026_08"), "sendDocument")


async def test_no_finished_export_is_said_at_once(alone: Harness) -> None:
    for task in account(alone).tasks.values():
        task.status = 1
    reply = text_of(await alone.say(USER, "/download"))
    assert "No export is finished yet" in reply
    assert "📇" in text_of(await alone.say(USER, "79990000001"))  # no dialog was opened


async def test_invoice_offers_the_sub_clients_seen_on_the_account(alone: Harness) -> None:
    asked = prompt_of(await alone.say(USER, "/invoice"))
    assert labels(asked) == ["✖ Cancel"]  # none seen yet
    await alone.say(USER, "/cancel")
    await alone.say(USER, "/getinvoice client1 101")
    assert "no sub-client" in text_of(await alone.say(USER, "/getinvoice client9 1"))
    asked = prompt_of(await alone.say(USER, "/invoice"))
    assert labels(asked) == ["client1", "✖ Cancel"]
    sum_asked = prompt_of(await alone.press(asked, "client1", user_id=USER))
    assert "What sum?" in sum_asked.text
    [document] = sent(await alone.say(USER, "250"), "sendDocument")
    assert "client1" in document.text


async def test_a_sub_clients_sender_names_make_it_one_the_bot_has_seen(alone: Harness) -> None:
    account(alone).client_senders["client2"] = {900: SbSender(900, "Client2Shop", 1)}
    await alone.say(USER, "/senders user=client2")
    asked = prompt_of(await alone.say(USER, "/getinvoice"))
    assert labels(asked) == ["client2", "✖ Cancel"]


async def test_dialog_data_is_plain_json(alone: Harness) -> None:
    await alone.say(USER, "/getinvoice client1")
    context = alone.app.dispatcher.fsm.get_context(alone.app.bot, USER, USER)
    data = await context.get_data()
    assert json.loads(json.dumps(data)) == data
    assert data["pieces"] == ["client1"]


async def test_a_dialog_survives_a_restart(
    telegram: FakeTelegram, sandbox: SandboxServer, tmp_path: Path
) -> None:
    key = generate_key()
    before = await open_harness(telegram, sandbox, tmp_path, encryption_keys=key)
    try:
        await before.say(USER, f"/login {LOGIN} {PASSWORD}")
        await before.say(USER, "/getinvoice client1")
    finally:
        await close_harness(before)
    after = await open_harness(telegram, sandbox, tmp_path, encryption_keys=key)
    try:
        [document] = sent(await after.say(USER, "101"), "sendDocument")
        assert "Invoice 101 for client1" in document.text
    finally:
        await close_harness(after)


async def test_in_a_group_a_step_asks_the_member_for_a_reply(team: Harness) -> None:
    asked = prompt_of(await team.say(GROUP, "/block", user_id=MEMBER))
    assert asked.markup == {"force_reply": True, "selective": True}
    assert f"tg://user?id={MEMBER}" in asked.params["text"]
    assert "reply_parameters" in asked.params  # a reply to the member's /block
    # Talk in the group that is not a reply to the bot is left alone.
    await team.say(GROUP, "79161112233", user_id=MEMBER)
    assert account(team).phones.find_blacklisted("79161112233") is None
    # Another member's reply is not the asker's answer.
    await team.say(GROUP, "79161112233", user_id=ADMIN, reply_to_message=asked.result)
    assert account(team).phones.find_blacklisted("79161112233") is None
    done = await team.say(GROUP, "79161112233", user_id=MEMBER, reply_to_message=asked.result)
    assert "blacklisted" in text_of(done)
    assert account(team).phones.find_blacklisted("79161112233") is not None


async def test_in_a_group_a_pressed_choice_counts_for_the_member_who_asked(
    team: Harness,
) -> None:
    await team.say(GROUP, "/getinvoice client2 1", user_id=ADMIN)  # client2 seen now
    asked = prompt_of(await team.say(GROUP, "/invoice", user_id=MEMBER))
    assert "client2" in labels(asked)
    assert "expired" in text_of(await team.press(asked, "client2", user_id=ADMIN))
    sum_asked = prompt_of(await team.press(asked, "client2", user_id=MEMBER))
    assert sum_asked.markup == {"force_reply": True, "selective": True}
    assert f"tg://user?id={MEMBER}" in sum_asked.params["text"]
    reply = await team.say(GROUP, "99.90", user_id=MEMBER, reply_to_message=sum_asked.result)
    # A member's invoice waits for an administrator, as the typed command's does.
    assert "An administrator of this chat must confirm" in text_of(reply)
    assert not [i for i in account(team).invoices.values() if i.user == "client2"]
