"""One tap from a number: a number, an address, a contact card or a forward gets a card, and its
buttons do what they say."""

from __future__ import annotations

import pytest

from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import BOT_ID, BOT_USERNAME, Call
from tests.integration.bot_harness import Harness, sent, text_of

USER = 7501
GROUP = -1007501
ADMIN, MEMBER = 7511, 7512


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


def card_of(calls: list[Call]) -> Call:
    [card] = [c for c in sent(calls) if c.text.startswith("📇")]
    return card


@pytest.mark.parametrize(
    "typed",
    [
        "+7 999 000-00-02",
        "8 (999) 000 00 02",
        "79990000002",
        "７９９９００００００２",
        "\u202a+7 (999) 000-00-02\u202c",  # copied from an iPhone's contacts
        "+7\u200b999\u200b0000002",  # from a web page, zero-width spaces in it
    ],
)
async def test_a_number_in_any_form_gets_its_card(logged_in: Harness, typed: str) -> None:
    card = card_of(await logged_in.say(USER, typed))
    assert "<code>79990000002</code>" in card.text
    assert "Blacklisted: mass mailings blocked, one-off messages still sent" in card.text
    assert "no marketing" in card.text
    assert "Unblock" in str(card.buttons())
    assert "Block for mass mailings" not in str(card.buttons())


async def test_a_known_contact_shows_its_name_and_groups(logged_in: Harness) -> None:
    card = card_of(await logged_in.say(USER, "+7 999 100-11-11"))
    assert "Olga Smirnova" in card.text
    assert "Customers" in card.text
    assert "Not blacklisted" in card.text
    assert "Edit the contact" in str(card.buttons())


async def test_an_email_address_and_a_shared_contact_card(logged_in: Harness) -> None:
    card = card_of(await logged_in.say(USER, "ivan.petrov@example.com"))
    assert "Ivan Petrov" in card.text
    shared = {"phone_number": "+79991000000", "first_name": "Ivan"}
    card = card_of(await logged_in.say(USER, None, contact=shared))  # type: ignore[arg-type]
    assert "<code>79991000000</code>" in card.text
    assert "Ivan Petrov" in card.text


async def test_a_forward_with_one_number_gets_a_card_and_with_two_does_not(
    logged_in: Harness,
) -> None:
    origin = {"type": "hidden_user", "sender_user_name": "Client", "date": 1}
    text = "Hello, please stop sending to +7 (916) 555-12-34, thanks"
    card = card_of(await logged_in.say(USER, text, forward_origin=origin))
    assert "<code>79165551234</code>" in card.text
    two = "Call 79165551234 or 79165554321"
    calls = await logged_in.say(USER, two, forward_origin=origin)
    assert not [c for c in sent(calls) if c.text.startswith("📇")]


async def test_buttons_block_add_to_contacts_and_to_a_group(logged_in: Harness) -> None:
    account = logged_in.sandbox.state.accounts[LOGIN]
    card = card_of(await logged_in.say(USER, "79165557788"))
    assert "Not in the contacts" in card.text
    calls = await logged_in.press(card, "Block for mass mailings", user_id=USER)
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "Blacklisted: mass mailings blocked" in edited.text
    assert account.phones.find_blacklisted("79165557788").type == 1  # type: ignore[union-attr]
    calls = await logged_in.press(edited, "Add to contacts", user_id=USER)
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert account.phones.find_contact("79165557788") is not None
    calls = await logged_in.press(edited, "Add to group", user_id=USER)
    [chooser] = [c for c in calls if c.method == "editMessageText"]
    calls = await logged_in.press(chooser, "VIP", user_id=USER)
    assert account.phones.find_contact("79165557788").groups == [3]  # type: ignore[union-attr]
    assert "VIP" in text_of(calls)


async def test_edit_from_the_card_by_reply(logged_in: Harness) -> None:
    account = logged_in.sandbox.state.accounts[LOGIN]
    card = card_of(await logged_in.say(USER, "79991000000"))
    calls = await logged_in.press(card, "Edit the contact", user_id=USER)
    assert "field=value" in text_of(calls)
    calls = await logged_in.say(USER, "name=Ivan P. comment=called back")
    assert "changed" in text_of(calls)
    contact = account.phones.find_contact("79991000000")
    assert contact is not None
    assert (contact.name, contact.comment) == ("Ivan P.", "called back")


async def test_in_a_group_only_messages_to_the_bot_get_a_card(logged_in: Harness) -> None:
    logged_in.telegram.admins[GROUP].add(ADMIN)
    await logged_in.say(ADMIN, f"/start login_{GROUP}", user_id=ADMIN)
    await logged_in.say(ADMIN, f"{LOGIN} {PASSWORD}", user_id=ADMIN)
    assert sent(await logged_in.say(GROUP, "79990000001", user_id=MEMBER)) == []
    mention = await logged_in.say(GROUP, f"@{BOT_USERNAME} 79990000001", user_id=MEMBER)
    card = card_of(mention)
    bot_message = {"message_id": 1, "date": 1, "chat": {"id": GROUP, "type": "supergroup"}}
    bot_message["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "bot"}
    reply = await logged_in.say(GROUP, "79990000001", user_id=MEMBER, reply_to_message=bot_message)
    assert card_of(reply)
    # Unblocking lets messages through again: anyone may ask, an administrator confirms.
    asked = await logged_in.press(card, "Unblock", user_id=MEMBER)
    [question] = [c for c in sent(asked) if "Remove" in c.text]
    assert "An administrator of this chat must confirm" in question.text
    refused = await logged_in.press(question, "Yes", user_id=MEMBER)
    assert "Only administrators" in text_of(refused)
    account = logged_in.sandbox.state.accounts[LOGIN]
    assert account.phones.find_blacklisted("79990000001") is not None
    await logged_in.press(question, "Yes", user_id=ADMIN)
    assert account.phones.find_blacklisted("79990000001") is None


async def test_a_card_from_another_chat_is_refused(logged_in: Harness) -> None:
    card = card_of(await logged_in.say(USER, "79165557799"))
    other = USER + 1
    await logged_in.say(other, f"/login {LOGIN} {PASSWORD}")
    forged = logged_in.telegram.callback_update(card, "Block all", other)
    forged["callback_query"]["message"]["chat"] = logged_in.telegram.chat(other)
    calls = await logged_in.feed(forged)
    assert "expired" in text_of(calls)
    assert logged_in.sandbox.state.accounts[LOGIN].phones.find_blacklisted("79165557799") is None


async def test_a_forged_group_on_the_card_sends_nothing(logged_in: Harness) -> None:
    card = card_of(await logged_in.say(USER, "79165557711"))
    calls = await logged_in.press(card, "Add to group", user_id=USER)
    [chooser] = [c for c in calls if c.method == "editMessageText"]
    forged = logged_in.telegram.callback_update(chooser, "VIP", USER)
    data = forged["callback_query"]["data"]
    forged["callback_query"]["data"] = data.rsplit(":", 1)[0] + ":424242"
    before = len(logged_in.sandbox.requests)
    calls = await logged_in.feed(forged)
    assert "expired" in text_of(calls)
    writes = [r for r in logged_in.sandbox.requests[before:] if r.action != "get_group"]
    assert writes == []


async def test_a_members_new_number_from_the_card_waits_for_an_administrator(
    logged_in: Harness,
) -> None:
    logged_in.telegram.admins[GROUP].add(ADMIN)
    await logged_in.say(ADMIN, f"/start login_{GROUP}", user_id=ADMIN)
    await logged_in.say(ADMIN, f"{LOGIN} {PASSWORD}", user_id=ADMIN)
    card = card_of(await logged_in.say(GROUP, f"@{BOT_USERNAME} 79991000000", user_id=MEMBER))
    await logged_in.press(card, "Edit the contact", user_id=MEMBER)
    asked = await logged_in.say(GROUP, "new=79991000099 name=Other", user_id=MEMBER)
    question = sent(asked)[-1]
    assert "Change the number of the contact" in question.text
    account = logged_in.sandbox.state.accounts[LOGIN]
    assert account.phones.find_contact("79991000099") is None
    refused = await logged_in.press(question, "Yes", user_id=MEMBER)
    assert "Only administrators" in text_of(refused)
    assert account.phones.find_contact("79991000099") is None
    await logged_in.press(question, "Yes", user_id=ADMIN)
    assert account.phones.find_contact("79991000099") is not None
