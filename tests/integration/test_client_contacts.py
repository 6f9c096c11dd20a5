"""phones.php and mails.php through the client, against the sandbox over HTTP."""

from __future__ import annotations

import pytest

from bot.sandbox import Dialect, SandboxServer
from bot.smsc import BlockType, NotFoundError, OperationFailedError, SmscClient
from tests.conftest import LOGIN


async def test_add_contact_lands_in_the_account_with_its_groups(
    client: SmscClient, sandbox: SandboxServer, dialect: Dialect
) -> None:
    new_id = await client.phones.add(
        ["79161234567", "+79161234568"], name="Kate Ray", groups=[1, 3], comment="met at expo"
    )
    stored = sandbox.state.accounts[LOGIN].phones.contacts[new_id]
    assert stored.address == "79161234567,+79161234568"
    assert stored.groups == [1, 3]
    assert stored.comment == "met at expo"
    [listed] = await client.phones.list(address="79161234567")
    assert listed.int_id == (new_id if dialect.contact_int_id else None)
    assert listed.myid is None
    assert listed.groups == (1, 3)
    assert listed.name == "Kate Ray"


async def test_the_customers_own_id_is_read_as_text(client: SmscClient) -> None:
    await client.phones.add(["79161234570"], name="CRM", my_id="crm-0042")
    [listed] = await client.phones.list(address="79161234570")
    assert listed.myid == "crm-0042"


async def test_contact_list_pages_with_the_internal_id(
    client: SmscClient, dialect: Dialect
) -> None:
    first = await client.phones.list(count=5)
    assert len(first) == 5
    if not dialect.contact_int_id:
        # Nothing to page by: the caller offers a search instead (see the /contacts handler).
        assert all(c.int_id is None for c in first)
        return
    cursor = first[-1].int_id
    assert cursor is not None
    second = await client.phones.list(count=5, after_id=cursor)
    assert len(second) == 5
    assert all((c.int_id or 0) > cursor for c in second)
    assert not {c.int_id for c in first} & {c.int_id for c in second}


async def test_contact_search_and_group_filter(client: SmscClient) -> None:
    found = await client.phones.list(search="Olga")
    assert [c.name for c in found] == ["Olga Smirnova"]
    staff = await client.phones.list(group=2)
    assert staff
    assert all(2 in c.groups for c in staff)


async def test_empty_list_is_an_empty_list_not_an_error(client: SmscClient) -> None:
    assert await client.phones.list(search="nobody-by-this-name") == []


async def test_change_and_delete_contact(client: SmscClient, sandbox: SandboxServer) -> None:
    await client.phones.add(["79160000011"], name="Old")
    await client.phones.change("79160000011", new_address="79160000012", name="New")
    book = sandbox.state.accounts[LOGIN].phones
    contact = book.find_contact("79160000012")
    assert contact is not None
    assert contact.name == "New"
    await client.phones.delete("79160000012")
    assert book.find_contact("79160000012") is None
    with pytest.raises(NotFoundError) as caught:
        await client.phones.delete("79160000012")
    assert caught.value.code == 3


async def test_a_change_of_groups_moves_the_contact_and_sends_no_grp_on_chg(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    # The page documents grp for a contact being created only: groups change by move_group.
    book = sandbox.state.accounts[LOGIN].phones
    await client.phones.add(["79160000031"], name="Old", groups=[1])
    sandbox.requests.clear()
    await client.phones.change("79160000031", name="New", groups=[2, 3, 2])
    contact = book.find_contact("79160000031")
    assert contact is not None
    assert (contact.name, contact.groups) == ("New", [2, 3])
    sent = [(r.action, r.params.get("grp"), r.params.get("move_group")) for r in sandbox.requests]
    assert sent == [("chg", None, None), ("move_group", "2", "1"), ("move_group", "3", "2")]

    # Groups alone: no chg at all; none at all: out of each group it is in.
    sandbox.requests.clear()
    await client.phones.change("79160000031", groups=[])
    assert contact.groups == []
    assert [r.action for r in sandbox.requests] == ["get", "move_group", "move_group"]
    assert {r.params.get("move_group") for r in sandbox.requests[1:]} == {"3"}


async def test_new_groups_follow_a_new_address(client: SmscClient, sandbox: SandboxServer) -> None:
    await client.mails.add(["old@example.org"], name="Mail")
    await client.mails.change("old@example.org", new_address="new@example.org", groups=[10])
    contact = sandbox.state.accounts[LOGIN].mails.find_contact("new@example.org")
    assert contact is not None
    assert contact.groups == [10]


async def test_duplicate_contact_is_operation_failed(client: SmscClient) -> None:
    with pytest.raises(OperationFailedError) as caught:
        await client.phones.add(["79991000000"])  # a sample contact
    assert caught.value.code == 5


async def test_groups_create_rename_move_and_delete(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    group_id = await client.phones.add_group("Partners", number="777")
    await client.phones.rename_group(group_id, "Key partners")
    groups = {g.id: g for g in await client.phones.groups()}
    assert groups[group_id].name == "Key partners"
    assert groups[group_id].number == "777"
    assert groups[1].count >= 1

    book = sandbox.state.accounts[LOGIN].phones
    await client.phones.add(["79160000021"], groups=[1])
    await client.phones.add_to_group("79160000021", group_id)
    assert book.find_contact("79160000021").groups == [1, group_id]  # type: ignore[union-attr]
    await client.phones.remove_from_group("79160000021", 1)
    assert book.find_contact("79160000021").groups == [group_id]  # type: ignore[union-attr]
    await client.phones.move_to_group("79160000021", 2)
    assert book.find_contact("79160000021").groups == [2]  # type: ignore[union-attr]

    await client.phones.delete_group(group_id)
    assert group_id not in book.groups
    with pytest.raises(NotFoundError):
        await client.phones.delete_group(group_id)


async def test_blacklist_block_list_pages_and_unblock(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    entry_id = await client.phones.block("79160000031", BlockType.MASS, "asked by phone")
    book = sandbox.state.accounts[LOGIN].phones
    assert book.blacklist[entry_id].type == 1
    assert book.blacklist[entry_id].comment == "asked by phone"

    newest = await client.phones.blacklist(count=2)
    assert newest[0].id == entry_id
    assert newest[0].type is BlockType.MASS
    older = await client.phones.blacklist(count=10, prev_id=newest[-1].id)
    assert all(e.id < newest[-1].id for e in older)
    assert len(newest) + len(older) == len(book.blacklist)

    await client.phones.unblock("79160000031")
    assert entry_id not in book.blacklist
    with pytest.raises(NotFoundError):
        await client.phones.unblock("79160000031")


async def test_mail_contacts_use_mails_php(client: SmscClient, sandbox: SandboxServer) -> None:
    new_id = await client.mails.add(["kate@example.org"], name="Kate", groups=[10])
    account = sandbox.state.accounts[LOGIN]
    assert account.mails.contacts[new_id].address == "kate@example.org"
    assert account.phones.find_contact("kate@example.org") is None
    listed = await client.mails.list(address="kate@example.org")
    assert listed[0].address == "kate@example.org"
    [group] = await client.mails.groups()
    assert group.name == "Newsletter"
    assert any(r.script == "mails" and r.action == "add" for r in sandbox.requests)


async def test_every_mails_php_action(client: SmscClient, sandbox: SandboxServer) -> None:
    book = sandbox.state.accounts[LOGIN].mails
    group_id = await client.mails.add_group("Partners mail")
    await client.mails.rename_group(group_id, "Partners")
    assert book.groups[group_id].name == "Partners"
    contact_id = await client.mails.add(["p@example.org"], name="P", groups=[10])
    await client.mails.change("p@example.org", new_address="q@example.org", name="Q")
    assert book.contacts[contact_id].address == "q@example.org"
    await client.mails.add_to_group("q@example.org", group_id)
    await client.mails.remove_from_group("q@example.org", 10)
    assert book.contacts[contact_id].groups == [group_id]
    await client.mails.move_to_group("q@example.org", 10)
    assert book.contacts[contact_id].groups == [10]
    entry_id = await client.mails.block("spam@example.org", BlockType.SINGLE, "bounced")
    [entry] = await client.mails.blacklist()
    assert (entry.id, entry.phone, entry.type) == (entry_id, "spam@example.org", BlockType.SINGLE)
    await client.mails.unblock("spam@example.org")
    assert await client.mails.blacklist() == []
    await client.mails.delete("q@example.org")
    await client.mails.delete_group(group_id)
    assert contact_id not in book.contacts
    assert group_id not in book.groups
    assert all(r.script == "mails" for r in sandbox.requests)
