"""A group's contact count after the bot's own writes: counted again in the kept address book only
when that book can tell (read whole, no earlier than the groups), else read again, and left out
rather than shown wrong when SMSC will not give it. A contact change SMSC refused leaves the
kept copies alone. Through the real dispatcher, against the sandbox with SMSC's real 60 s window
(nothing waits for it)."""

from __future__ import annotations

import time

import pytest

from bench.phone_pace import CHAT, LOGIN, REFUSED
from bot import account_copies
from bot.account_copies import AccountCopies
from bot.sandbox.faults import Fault
from tests.integration.bot_harness import Harness, text_of
from tests.integration.test_group_copies import card_of, counts_kept, counts_shown

NEW = "79160009999"  # in no list of the sample
# Sample contacts: Olga and Alexey in Customers; Ivan in Staff; Maria in Customers and VIP.
OLGA, ALEXEY, IVAN, MARIA = "79991001111", "79991002222", "79991000000", "79991003333"
# The sample's VIP has six contacts; these five are in Customers only.
CUSTOMERS = [f"7999{1000000 + n * 1111:07d}" for n in (1, 2, 4, 7, 8)]


def copies_of(h: Harness) -> AccountCopies:
    copies: AccountCopies = h.app.dispatcher.workflow_data["copies"]
    return copies


def smsc_reads(h: Harness, since: int) -> list[str]:
    """The reads of the phone book since ``since``."""
    reading = ("get", "get_group", "get_black")
    return [
        r.action for r in h.sandbox.requests[since:] if r.script == "phones" and r.action in reading
    ]


# -- /delgroup's question ------------------------------------------------------------------


async def test_delgroup_after_moves_never_asks_with_the_count_from_before_them(
    pace: Harness,
) -> None:
    """No address book is kept to count VIP in: the question leaves the count out, and reads
    nothing to learn it."""
    await pace.say(CHAT, "/groups")
    for number in CUSTOMERS[:3]:
        await pace.say(CHAT, f"/movecontact {number} VIP")
    before = len(pace.sandbox.requests)
    question = text_of(await pace.say(CHAT, "/delgroup VIP"))
    assert question == "Delete the group “VIP”? Its contacts stay, without this group."
    assert smsc_reads(pace, before) == []


async def test_delgroup_counts_the_moves_in_the_book_kept_after_the_groups(
    pace: Harness,
) -> None:
    await pace.say(CHAT, "/groups")
    card_of(await pace.say(CHAT, OLGA))  # the address book, read whole after the groups
    for number in CUSTOMERS[:3]:
        await pace.say(CHAT, f"/movecontact {number} VIP")
    before = len(pace.sandbox.requests)
    question = text_of(await pace.say(CHAT, "/delgroup VIP"))
    assert counts_kept(pace)["VIP"] == 9
    assert question.startswith("Delete the group “VIP” (9 contacts)?")
    assert smsc_reads(pace, before) == []


# -- /groups ---------------------------------------------------------------------------------


async def test_a_count_is_never_taken_from_a_book_read_before_the_groups(pace: Harness) -> None:
    """The book is kept first; someone adds a contact to VIP in the cabinet; the groups, read
    after, count it. The bot's own move is counted in a book read again, not in the old one,
    which lacks the cabinet's change."""
    card_of(await pace.say(CHAT, NEW))  # the address book, kept whole (not the groups)
    book = pace.sandbox.state.accounts[LOGIN].phones
    contact = book.find_contact(ALEXEY)
    assert contact is not None
    contact.groups.append(3)  # into VIP, in the cabinet
    assert counts_shown(await pace.say(CHAT, "/groups")) == counts_kept(pace)
    await pace.say(CHAT, f"/movecontact {OLGA} +VIP")
    listed = await pace.say(CHAT, "/groups")
    assert counts_kept(pace)["VIP"] == 8
    assert counts_shown(listed) == counts_kept(pace)


async def test_groups_are_listed_when_the_book_to_count_them_in_is_refused(pace: Harness) -> None:
    """SMSC refuses the address book just then: the groups are shown as kept, the count the
    bot's move changed without a number rather than with the one from before the move."""
    await pace.say(CHAT, "/groups")
    await pace.say(CHAT, f"/movecontact {OLGA} +VIP")
    pace.sandbox.set_fault(Fault("error", code=9, script="phones", action="get"))
    listed = await pace.say(CHAT, "/groups")
    assert not any(word in text_of(listed) for word in REFUSED), text_of(listed)
    assert "• <b>VIP</b>\n" in text_of(listed)
    others = {name: count for name, count in counts_kept(pace).items() if name != "VIP"}
    assert counts_shown(listed) == others


async def test_a_book_known_too_large_is_not_paged_again_to_count_a_group(
    pace: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A book too large to be kept whole (here, more than two contacts) cannot count a group:
    the groups are read again, and the book is not paged again just to learn its size."""
    monkeypatch.setattr(account_copies, "MAX_PAGE", 2)
    monkeypatch.setattr(account_copies, "MAX_BOOK_PAGES", 1)
    copies = copies_of(pace)
    copies._clock = lambda: time.time() - 120  # what this card reads is old by now
    card_of(await pace.say(CHAT, MARIA))
    copies._clock = time.time
    await pace.say(CHAT, f"/movecontact {OLGA} +VIP")
    before = len(pace.sandbox.requests)
    listed = await pace.say(CHAT, "/groups")
    assert counts_shown(listed) == counts_kept(pace)
    assert smsc_reads(pace, before) == ["get_group"]


# -- a contact change SMSC refused -----------------------------------------------------------


async def test_a_contact_change_smsc_refused_leaves_the_copies_alone(pace: Harness) -> None:
    card_of(await pace.say(CHAT, OLGA))
    await pace.say(CHAT, "/groups")
    pace.sandbox.set_fault(Fault("error", code=1, script="phones", action="chg"))
    refused = text_of(await pace.say(CHAT, f"/editcontact {OLGA} name=Olga S."))
    assert "changed" not in refused
    pace.sandbox.set_fault(None)
    before = len(pace.sandbox.requests)
    assert counts_shown(await pace.say(CHAT, "/groups")) == counts_kept(pace)
    assert "Olga Smirnova" in card_of(await pace.say(CHAT, OLGA)).text
    assert smsc_reads(pace, before) == []


async def test_a_contact_change_that_may_be_made_counts_no_groups_it_did_not_name(
    pace: Harness,
) -> None:
    """No answer to a change of the name: it may be made, so the kept book goes, but the
    groups' counts stay, for no group was named."""
    card_of(await pace.say(CHAT, OLGA))
    await pace.say(CHAT, "/groups")
    pace.sandbox.set_fault(Fault("http500", script="phones", action="chg"))
    await pace.say(CHAT, f"/editcontact {OLGA} name=Olga S.")
    pace.sandbox.set_fault(None)
    before = len(pace.sandbox.requests)
    assert counts_shown(await pace.say(CHAT, "/groups")) == counts_kept(pace)
    assert smsc_reads(pace, before) == []


async def test_a_contact_change_made_in_part_is_read_again(pace: Harness) -> None:
    """The name is changed, the groups refused: the kept book, which has neither, is read
    again, and the counts too."""
    card_of(await pace.say(CHAT, OLGA))
    await pace.say(CHAT, "/groups")
    pace.sandbox.set_fault(Fault("error", code=1, script="phones", action="move_group"))
    await pace.say(CHAT, f"/editcontact {OLGA} name=Olga S. grp=VIP")
    pace.sandbox.set_fault(None)
    assert "Olga S." in card_of(await pace.say(CHAT, OLGA)).text
    assert counts_shown(await pace.say(CHAT, "/groups")) == counts_kept(pace)
