"""Contacts moved between groups at a phone's pace: each write goes into the kept groups and
address book, so that the next command, card or list reads nothing again, and the groups'
counts stay what SMSC counts. Through the real dispatcher, against the sandbox with SMSC's real
60 s window (nothing waits for it)."""

from __future__ import annotations

import re
import time
from collections import Counter

from bench.phone_pace import CHAT, LOGIN, REFUSED
from bot.account_copies import AccountCopies
from bot.sandbox.faults import RecordedRequest
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, sent, text_of

# Sample contacts of the sandbox: in Customers (1), and in Staff (2) for every fifth.
CUSTOMERS = [f"7999{1000000 + n * 1111:07d}" for n in (1, 2, 4, 7, 8)]
STAFF = "79991000000"


def card_of(calls: list[Call]) -> Call:
    return next(c for c in reversed(calls) if c.text.startswith("📇"))


def edited(calls: list[Call]) -> Call:
    return [c for c in calls if c.method == "editMessageText"][-1]


def reads(h: Harness, action: str, since: int = 0) -> int:
    return sum(1 for r in h.sandbox.requests[since:] if r.script == "phones" and r.action == action)


def refused(calls: list[Call]) -> bool:
    return any(word in text_of(calls) for word in REFUSED)


def counts_shown(calls: list[Call]) -> dict[str, int]:
    """The phone groups' counts as /groups shows them."""
    found = re.findall(r"• <b>([^<]+)</b> — (\d+) contact", text_of(calls))
    return {name: int(count) for name, count in found}


def counts_kept(h: Harness) -> dict[str, int]:
    """What SMSC counts: the contacts in each group."""
    book = h.sandbox.state.accounts[LOGIN].phones
    members = Counter(g for contact in book.contacts.values() for g in contact.groups)
    return {group.name: members[group.id] for group in book.groups.values()}


async def test_moving_contacts_by_group_name_with_a_card_after_each_reads_once(
    pace: Harness,
) -> None:
    for number in CUSTOMERS:
        moved = await pace.say(CHAT, f"/movecontact {number} VIP")
        assert "moved to the group “VIP”" in text_of(moved)
        card = await pace.say(CHAT, number)
        assert not refused(moved + card)
        assert "groups VIP" in card_of(card).text
    assert reads(pace, "get_group") == 1
    assert reads(pace, "get") == 1  # the address book, for the first card


async def test_contacts_added_into_a_group_are_counted_as_smsc_counts_them(
    pace: Harness,
) -> None:
    for n in range(5):
        added = await pace.say(CHAT, f"/addcontact 7916000100{n} Kim grp=VIP")
        assert "Groups: VIP" in text_of(added)
        listed = await pace.say(CHAT, "/groups")
        assert not refused(added + listed)
        assert counts_shown(listed) == counts_kept(pace)
    assert counts_kept(pace)["VIP"] == 6 + 5
    assert reads(pace, "get_group") == 1
    assert reads(pace, "get") == 1  # the address book, counted once


async def test_moves_deletions_and_edits_leave_the_counts_right(pace: Harness) -> None:
    first, second, third = CUSTOMERS[:3]
    steps = [
        f"/movecontact {first} VIP",
        f"/movecontact {first} +Staff",
        f"/movecontact {first} -Staff",
        f"/editcontact {second} grp=Staff,VIP",
        f"/editcontact {second} grp=",
    ]
    for step in steps:
        done = await pace.say(CHAT, step)
        listed = await pace.say(CHAT, "/groups")
        assert not refused(done + listed), step
        assert counts_shown(listed) == counts_kept(pace), step
    [question] = sent(await pace.say(CHAT, f"/delcontact {third}"))
    await pace.press(question, "Yes", user_id=CHAT)
    assert counts_shown(await pace.say(CHAT, "/groups")) == counts_kept(pace)
    card = card_of(await pace.say(CHAT, second))
    assert "Contact: " in card.text
    assert "groups" not in card.text  # out of every group
    assert reads(pace, "get_group") == 1


async def test_numbers_added_to_a_group_from_their_cards_one_after_another(
    pace: Harness,
) -> None:
    for n in range(5):
        number = f"7916000200{n}"
        card = card_of(await pace.say(CHAT, number))
        chooser = edited(await pace.press(card, "Add to group", user_id=CHAT))
        assert "Which group" in chooser.text
        done = await pace.press(chooser, "VIP", user_id=CHAT)
        assert not refused(done)
        assert "Added to the group" in edited(done).text
        assert "groups VIP" in edited(done).text
    assert reads(pace, "get_group") == 1


async def test_three_groups_added_from_one_card_in_a_row_say_what_was_done(
    pace: Harness,
) -> None:
    card = card_of(await pace.say(CHAT, "79160003000"))
    joined: list[str] = []
    for group in ("VIP", "Staff", "Customers"):
        chooser = edited(await pace.press(card, "Add to group", user_id=CHAT))
        done = await pace.press(chooser, group, user_id=CHAT)
        joined.append(group)
        assert "try again" not in text_of(done)
        card = edited(done)
        assert "📂 Added to the group." in card.text
        assert f"groups {', '.join(joined)}" in card.text
    contact = pace.sandbox.state.accounts[LOGIN].phones.find_contact("79160003000")
    assert contact is not None
    assert contact.groups == [3, 2, 1]


class MinuteEachWrite(list[RecordedRequest]):
    """The sandbox's record of requests, which makes the kept copies a minute older whenever
    a write reaches SMSC: a write answered slowly, with nothing waiting for it."""

    def __init__(self, copies: AccountCopies) -> None:
        super().__init__()
        self.offset = 0.0
        copies._clock = lambda: time.time() + self.offset

    def append(self, record: RecordedRequest) -> None:
        if record.action in ("add", "move_group"):
            self.offset += 61
        super().append(record)


async def test_the_card_after_a_write_is_drawn_from_the_copies_however_old(
    pace: Harness,
) -> None:
    """Older than the window by the time the write is answered, the copies still give the
    card after it: it reads nothing. Only what comes before a write (the group chooser) reads
    the groups again, once a minute, as SMSC allows."""
    card = card_of(await pace.say(CHAT, "79160004000"))
    pace.sandbox.requests = MinuteEachWrite(pace.app.dispatcher.workflow_data["copies"])
    for n, group in enumerate(("VIP", "Staff", "Customers")):
        chooser = edited(await pace.press(card, "Add to group", user_id=CHAT))
        before = len(pace.sandbox.requests)
        done = await pace.press(chooser, group, user_id=CHAT)
        card = edited(done)
        assert "📂 Added to the group." in card.text, n
        assert group in card.text
        assert [r.action for r in pace.sandbox.requests[before:]] == ["move_group" if n else "add"]
