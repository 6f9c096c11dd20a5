"""Groups by name wherever a group is asked for, in any case; an id still works; a name two
groups share gets a button per group; lists and replies name groups instead of numbering them."""

from __future__ import annotations

import pytest

from bot.sandbox.state import Account, SbGroup
from tests.conftest import LOGIN, PASSWORD
from tests.integration.bot_harness import Harness, sent, text_of

USER, OTHER = 7401, 7402
CONTACT = "79991000000"  # Ivan Petrov, in group 2 (Staff) of the sandbox


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


def account(harness: Harness) -> Account:
    return harness.sandbox.state.accounts[LOGIN]


def groups_of(harness: Harness, address: str) -> list[int]:
    contact = account(harness).phones.find_contact(address)
    assert contact is not None
    return contact.groups


def moves(harness: Harness) -> list[str]:
    return [r.params.get("grp", "") for r in harness.sandbox.reached() if r.action == "move_group"]


async def test_movecontact_by_name_in_any_case_or_by_id(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, f"/movecontact {CONTACT} vip"))
    assert "moved to the group “VIP”" in reply
    assert groups_of(logged_in, CONTACT) == [3]
    await logged_in.say(USER, f"/movecontact {CONTACT} +STAFF")
    assert groups_of(logged_in, CONTACT) == [3, 2]
    await logged_in.say(USER, f"/movecontact {CONTACT} -3")
    assert groups_of(logged_in, CONTACT) == [2]


async def test_a_name_no_group_has_is_told_and_nothing_is_moved(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, f"/movecontact {CONTACT} Partners"))
    assert "There is no group “Partners”" in reply
    assert moves(logged_in) == []
    assert groups_of(logged_in, CONTACT) == [2]


async def test_contacts_of_a_group_by_name(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, "/contacts grp=staff"))
    assert "<b>Contacts</b> in Staff" in reply
    assert "Ivan Petrov" in reply
    assert "Olga Smirnova" not in reply  # in Customers


async def test_addcontact_and_editcontact_with_group_names(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, "/addcontact +7 916 555-00-77 Kim grp=vip,Staff"))
    assert "Groups: VIP, Staff." in reply
    assert groups_of(logged_in, "79165550077") == [3, 2]
    await logged_in.say(USER, f"/editcontact {CONTACT} grp=Customers,vip")
    assert groups_of(logged_in, CONTACT) == [1, 3]


async def test_renamegroup_and_delgroup_by_name(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, '/renamegroup customers "Key customers"'))
    assert "The group “Customers” is now “Key customers”" in reply
    assert account(logged_in).phones.groups[1].name == "Key customers"
    [question] = sent(await logged_in.say(USER, "/delgroup key CUSTOMERS"))
    assert "Delete the group “Key customers” (" in question.text
    await logged_in.press(question, "Yes", user_id=USER)
    assert 1 not in account(logged_in).phones.groups


async def test_renamegroup_and_delgroup_find_an_email_group_by_name(logged_in: Harness) -> None:
    phone_groups = {g.id: g.name for g in account(logged_in).phones.groups.values()}
    reply = text_of(await logged_in.say(USER, "/renamegroup NEWSLETTER Partners"))
    assert "The e-mail group “Newsletter” is now “Partners”" in reply
    assert account(logged_in).mails.groups[10].name == "Partners"
    [rename] = [r for r in logged_in.sandbox.reached() if r.action == "chg_group"]
    assert (rename.script, rename.params["grp"]) == ("mails", "10")
    [question] = sent(await logged_in.say(USER, "/delgroup partners"))
    assert "Delete the e-mail group “Partners” (" in question.text
    assert 10 in account(logged_in).mails.groups
    await logged_in.press(question, "Yes", user_id=USER)
    assert 10 not in account(logged_in).mails.groups
    assert "has expired" in text_of(await logged_in.press(question, "Yes", user_id=USER))
    assert {g.id: g.name for g in account(logged_in).phones.groups.values()} == phone_groups
    assert "Newsletter" not in text_of(await logged_in.say(USER, "/groups"))


async def test_a_name_of_a_phone_and_an_email_group_asks_which(logged_in: Harness) -> None:
    account(logged_in).phones.groups[50] = SbGroup(50, "newsletter")
    [which] = sent(await logged_in.say(USER, "/delgroup Newsletter"))
    labels = [b["text"] for b in which.buttons()]
    assert labels[:2] == ["newsletter · 0 contacts · id 50", "✉️ Newsletter · 3 contacts · id 10"]
    [question] = sent(await logged_in.press(which, "✉️ Newsletter", user_id=USER))
    assert "Delete the e-mail group “Newsletter” (3 contacts)" in question.text
    await logged_in.press(question, "Yes", user_id=USER)
    assert 10 not in account(logged_in).mails.groups
    assert 50 in account(logged_in).phones.groups


async def test_a_name_two_groups_share_gets_a_button_per_group(logged_in: Harness) -> None:
    account(logged_in).phones.groups[50] = SbGroup(50, "vip")
    [question] = sent(await logged_in.say(USER, f"/movecontact {CONTACT} VIP"))
    assert "Several groups are called “VIP”" in question.text
    labels = [b["text"] for b in question.buttons()]
    assert labels[:2] == ["VIP · 6 contacts · id 3", "vip · 0 contacts · id 50"]
    assert moves(logged_in) == []
    # Someone else's press does nothing; the asker's moves to the group pressed, once.
    assert "has expired" in text_of(await logged_in.press(question, "id 50", user_id=OTHER))
    assert moves(logged_in) == []
    calls = await logged_in.press(question, "id 50", user_id=USER)
    assert "moved to the group “vip”" in text_of(calls)
    assert groups_of(logged_in, CONTACT) == [50]
    assert "has expired" in text_of(await logged_in.press(question, "id 3", user_id=USER))
    assert moves(logged_in) == ["50"]


async def test_delgroup_of_a_shared_name_asks_which_then_confirms(logged_in: Harness) -> None:
    account(logged_in).phones.groups[50] = SbGroup(50, "VIP")
    [which] = sent(await logged_in.say(USER, "/delgroup vip"))
    [question] = sent(await logged_in.press(which, "id 50", user_id=USER))
    assert "Delete the group “VIP” (0 contacts)" in question.text
    assert 50 in account(logged_in).phones.groups
    await logged_in.press(question, "Yes", user_id=USER)
    assert 50 not in account(logged_in).phones.groups
    assert 3 in account(logged_in).phones.groups


async def test_addcontact_with_two_shared_names_asks_for_each(logged_in: Harness) -> None:
    phones = account(logged_in).phones
    phones.groups[50] = SbGroup(50, "VIP")
    phones.groups[51] = SbGroup(51, "Staff")
    [first] = sent(await logged_in.say(USER, "/addcontact 79165550078 grp=VIP,Staff"))
    [second] = sent(await logged_in.press(first, "id 50", user_id=USER))
    assert "Several groups are called “Staff”" in second.text
    calls = await logged_in.press(second, "id 2", user_id=USER)
    assert "added" in text_of(calls)
    assert groups_of(logged_in, "79165550078") == [50, 2]


async def test_replies_and_lists_name_groups_without_internal_ids(logged_in: Harness) -> None:
    added = text_of(await logged_in.say(USER, "/addcontact 79165550079 Kim grp=3"))
    assert "✅ Contact 79165550079 added. Groups: VIP." in added
    assert "id" not in added
    created = text_of(await logged_in.say(USER, "/addgroup Partners"))
    assert created == "✅ Group “Partners” created."
    listing = text_of(await logged_in.say(USER, "/groups"))
    assert "• <b>Customers</b> — " in listing
    assert "✉️ <b>Newsletter</b>" in listing
    assert "№" not in listing
    assert "id" not in listing
    # A name two groups share is the one place an id is shown: it is what tells them apart.
    account(logged_in).phones.groups[50] = SbGroup(50, "partners")  # made in the cabinet
    [shown] = sent(await logged_in.say(USER, "/groups"))
    listing = text_of(await logged_in.press(shown, "Refresh", user_id=USER))
    assert "· id 50" in listing
    assert "<b>VIP</b> — 7 contacts\n" in listing
