"""Quick blacklist edits at a phone's pace: SMSC's budget spent only where it must be, replies
that say what happened, and no block weakened without asking. Through the real dispatcher,
against the sandbox with SMSC's real 60 s window (nothing waits for it)."""

from __future__ import annotations

from bench.phone_pace import CHAT, LOGIN, burst
from bot.sandbox import Fault
from bot.sandbox.state import SbBlacklisted
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, sent, text_of


def book(h: Harness):  # type: ignore[no-untyped-def]
    return h.sandbox.state.accounts[LOGIN].phones


def card_of(calls: list[Call]) -> Call:
    return next(c for c in reversed(calls) if c.text.startswith("📇"))


async def test_a_minute_of_quick_edits_costs_the_writes_and_three_reads(pace: Harness) -> None:
    done = await burst(pace)
    assert (done.lookups, done.blocks, done.unblocks, done.lists) == (20, 10, 5, 5)
    assert done.wrong == []
    assert done.error9 == 0
    assert done.writes == 15
    assert done.requests <= done.writes + 3
    blocked = {e.address for e in book(pace).blacklist.values()}
    assert len(blocked) == 5 + 5  # the sample's five, and five of the ten still blocked


async def test_the_reply_to_a_write_is_the_writes_result_whatever_happens_to_a_read(
    pace: Harness,
) -> None:
    card = card_of(await pace.say(CHAT, "79160000777"))
    # From now on SMSC refuses the blacklist's read (as it would past its limit): the block
    # still happens, and the reply says so from the kept copy, not "try again".
    pace.sandbox.set_fault(Fault("error", code=9, action="get_black"))
    pressed = await pace.press(card, "Block all", user_id=CHAT)
    assert "Blacklisted: all messages blocked" in text_of(pressed)
    assert "try again" not in text_of(pressed)


async def test_a_block_is_never_weakened_or_stripped_of_its_comment_without_asking(
    pace: Harness,
) -> None:
    entries = book(pace).blacklist
    entries[900] = SbBlacklisted(900, "79165550000", 0, "fraud, do not contact")
    card = card_of(await pace.say(CHAT, "79165550000"))
    assert "fraud, do not contact" in card.text
    asked = await pace.press(card, "Block for mass mailings", user_id=CHAT)
    [question] = [c for c in sent(asked) if "Change it to" in c.text]
    assert "all messages" in question.text
    assert "fraud, do not contact" in question.text
    assert entries[900].type == 0  # nothing sent yet
    kept = await pace.press(question, "Keep it as it is", user_id=CHAT)
    assert "Nothing was changed" in text_of(kept)
    assert (entries[900].type, entries[900].comment) == (0, "fraud, do not contact")
    # Sent again as a command: the same question; changed, the comment stays.
    asked = await pace.say(CHAT, "/block 79165550000 mass")
    [question] = [c for c in sent(asked) if "Change it to" in c.text]
    done = await pace.press(question, "Change it", user_id=CHAT)
    assert "mass mailings" in text_of(done)
    assert (entries[900].type, entries[900].comment) == (1, "fraud, do not contact")


async def test_blocking_again_what_is_already_so_blocked_sends_nothing(pace: Harness) -> None:
    before = len(pace.sandbox.requests)
    calls = await pace.say(CHAT, "/block 79990000001")  # the sample: all, "asked to stop"
    assert "already blacklisted: all messages blocked" in text_of(calls)
    assert "asked to stop" in text_of(calls)
    assert [r.action for r in pace.sandbox.requests[before:]] == ["get_black"]
    calls = await pace.say(CHAT, "/block 79990000001 all asked to stop")
    assert "already blacklisted" in text_of(calls)
    calls = await pace.say(CHAT, "/block 79990000001 all a new reason")
    assert "Change it to" in text_of(calls)  # a new comment is a change: asked
    assert book(pace).find_blacklisted("79990000001").comment == "asked to stop"


async def test_a_blacklist_past_a_thousand_is_listed_whole_and_found_by_the_card(
    pace: Harness,
) -> None:
    entries = book(pace).blacklist
    for n in range(1500):
        entries[10_000 + n] = SbBlacklisted(10_000 + n, f"7900{n:07d}", 1, f"n{n}")
    entries[5000] = SbBlacklisted(5000, "79161112233", 0, "older than a thousand")
    card = card_of(await pace.say(CHAT, "79161112233"))
    assert "older than a thousand" in card.text
    listed = await pace.say(CHAT, "/blacklist")
    first = sent(listed)[-1]
    assert f"of {len(entries)}" in first.text  # the whole list, not "more than 1000"


async def test_the_card_and_the_list_have_a_refresh_button_that_reads_again(pace: Harness) -> None:
    await pace.say(CHAT, "79160000888")
    book(pace).blacklist[777] = SbBlacklisted(777, "79160000888", 0, "blocked in the cabinet")
    again = card_of(await pace.say(CHAT, "79160000888"))
    assert "Not blacklisted" in again.text  # the kept copy, within its minute
    refreshed = await pace.press(again, "Refresh", user_id=CHAT)
    assert "blocked in the cabinet" in text_of(refreshed)
    listed = sent(await pace.say(CHAT, "/blacklist"))[-1]
    reads = sum(1 for r in pace.sandbox.requests if r.action == "get_black")
    await pace.press(listed, "Refresh", user_id=CHAT)
    assert sum(1 for r in pace.sandbox.requests if r.action == "get_black") == reads + 1
