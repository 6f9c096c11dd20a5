"""Kept copies of an account's lists, against the sandbox in every dialect: read once, updated
from the bot's own writes, read again only when older than the window, never shared across
credentials."""

from __future__ import annotations

import asyncio

import pytest

from bot.account_copies import AccountCopies, block_entry, joining
from bot.sandbox import Fault, SandboxServer
from bot.sandbox.state import SbBlacklisted, SbContact
from bot.smsc import AuthenticationError, BlockType, Credentials, SmscClient
from tests.conftest import LOGIN


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def reads(sandbox: SandboxServer, action: str) -> int:
    return sum(1 for r in sandbox.requests if r.action == action)


async def test_the_blacklist_is_read_once_within_the_window(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    clock = Clock()
    copies = AccountCopies(fresh_for=60, clock=clock)
    first = await copies.blacklist(client, mail=False)
    for _ in range(5):
        clock.now += 10
        assert (await copies.blacklist(client, mail=False)).records == first.records
    assert reads(sandbox, "get_black") == 1
    clock.now += 10  # 60 s after the read: what someone did in the cabinet may show now
    await copies.blacklist(client, mail=False)
    assert reads(sandbox, "get_black") == 2
    await copies.blacklist(client, mail=False, refresh=True)  # the person asked for it
    assert reads(sandbox, "get_black") == 3


async def test_cards_viewed_at_once_read_once(client: SmscClient, sandbox: SandboxServer) -> None:
    copies = AccountCopies(clock=Clock())
    await asyncio.gather(*(copies.blacklist(client, mail=False) for _ in range(10)))
    assert reads(sandbox, "get_black") == 1


async def test_the_bots_own_writes_update_the_copy_without_reading(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    copies = AccountCopies(clock=Clock())
    await copies.blacklist(client, mail=False)
    number = "79160000001"
    entry_id = await client.phones.block(number, BlockType.MASS, "spam")
    await copies.blocked(client, block_entry(entry_id, number, BlockType.MASS, "spam"), mail=False)
    kept = await copies.blacklist(client, mail=False)
    assert kept.records[0].phone == number
    assert kept.records[0].comment == "spam"
    # Blocked again as "all": one entry, the new one.
    await copies.blocked(client, block_entry(entry_id, "+" + number, BlockType.ALL, ""), mail=False)
    kept = await copies.blacklist(client, mail=False)
    assert [e.type for e in kept.records if e.phone.lstrip("+") == number] == [BlockType.ALL]
    await client.phones.unblock(number)
    await copies.unblocked(client, number, mail=False)
    kept = await copies.blacklist(client, mail=False)
    assert all(e.phone.lstrip("+") != number for e in kept.records)
    assert reads(sandbox, "get_black") == 1
    # What the copy shows is what a fresh read shows.
    fresh = await AccountCopies(clock=Clock()).blacklist(client, mail=False)
    assert [(e.phone, e.type) for e in fresh.records] == [(e.phone, e.type) for e in kept.records]


async def test_a_blacklist_beyond_a_thousand_is_read_to_its_end(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    book = sandbox.state.accounts[LOGIN].phones
    book.blacklist.clear()
    for n in range(2500):
        book.blacklist[10_000 + n] = SbBlacklisted(10_000 + n, f"7900{n:07d}", 1)
    kept = await AccountCopies(clock=Clock()).blacklist(client, mail=False)
    assert kept.complete
    assert len(kept.records) == 2500
    assert kept.records[0].phone == "79000002499"  # newest first
    assert any(e.phone == "79000000000" for e in kept.records)  # the oldest is found too
    assert reads(sandbox, "get_black") == 3


async def test_the_contact_book_is_kept_when_it_can_be_paged_to_its_end(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    book = sandbox.state.accounts[LOGIN].phones
    for n in range(1200):
        book.contacts[50_000 + n] = SbContact(50_000 + n, f"7911{n:07d}", name=f"N{n}")
    kept = await AccountCopies(clock=Clock()).contacts(client, mail=False)
    if sandbox.dialect.contact_int_id:
        assert kept.complete
        assert len(kept.records) == len(book.contacts)
    else:
        # Without internal ids a full page cannot be paged past: the copy says so.
        assert not kept.complete
        assert len(kept.records) == 1000


async def test_copies_are_never_shared_across_credentials(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    copies = AccountCopies(clock=Clock())
    await copies.blacklist(client, mail=False)
    stale = SmscClient(client.transport, Credentials(LOGIN, "stale-password"), client.endpoint)
    with pytest.raises(AuthenticationError):
        await copies.blacklist(stale, mail=False)


async def test_a_group_joined_during_a_read_of_the_groups_is_counted_once(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    """SMSC answers the read after the write: the count it gives holds the write already, and
    the write's change, applied to what the read brings, must not add it a second time."""
    olga = "79991001111"  # in Customers (1), not in VIP (3)
    copies = AccountCopies(clock=Clock())
    sandbox.set_fault(Fault("slow", delay=0.3, action="get_group"))
    reading = asyncio.create_task(copies.groups(client, mail=False))
    while reads(sandbox, "get_group") == 0:
        await asyncio.sleep(0.01)
    await client.phones.add_to_group(olga, 3)
    await copies.contact_changed(client, (olga,), joining(3), mail=False, groups_touched=(3,))
    [vip] = [group for group in (await reading).records if group.id == 3]
    assert (vip.count, vip.counted) == (7, False)  # the sample's six, and Olga
    sandbox.set_fault(None)
    counted = {group.id: group.count for group in await copies.counted_groups(client, mail=False)}
    assert counted == {group.id: group.count for group in await client.phones.groups()}
    assert counted[3] == 7


async def test_a_contact_added_with_several_numbers_replaces_any_record_holding_one(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    """A copy read before a contact was deleted in the cabinet still holds it: the same number
    added again, with another, is one contact in the copy, not two."""
    copies = AccountCopies(clock=Clock())
    book = await copies.contacts(client, mail=False)
    old = book.records[0]
    added = old.model_copy(update={"address": f"79165550011,{old.address}", "groups": []})
    await copies.contact_saved(client, added, mail=False)
    after = await copies.contacts(client, mail=False)
    holding = [c for c in after.records if old.address.lstrip("+") in c.address]
    assert holding == [added]
    assert len(after.records) == len(book.records)
