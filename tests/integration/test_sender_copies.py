"""Sender names are kept as the blacklist is: /senders read once within SMSC's window, the
bot's own writes applied to the copy, Refresh reads again. Through the real dispatcher, against
the sandbox with SMSC's real 60 s window (nothing waits for it)."""

from __future__ import annotations

from bench.phone_pace import CHAT, LOGIN
from bot.account_copies import AccountCopies
from bot.sandbox import SandboxServer
from bot.sender_copies import sender_added, senders, sub_client_seen, sub_clients
from bot.smsc import OperatorRegistration, SmscClient
from tests.integration.bot_harness import Harness, sent, text_of
from tests.integration.test_copies_out_of_reach import GoneAtTheWrite


def sender_reads(h: Harness, since: int = 0) -> int:
    return sum(1 for r in h.sandbox.requests[since:] if r.script == "senders" and r.action == "get")


async def test_senders_listed_five_times_in_a_minute_are_read_once(pace: Harness) -> None:
    for _ in range(5):
        listed = await pace.say(CHAT, "/senders")
        assert "Sender names" in text_of(listed)
        assert "try again" not in text_of(listed)
    assert sender_reads(pace) == 1


async def test_the_bots_own_sender_writes_show_without_reading_again(pace: Harness) -> None:
    await pace.say(CHAT, "/senders")
    before = len(pace.sandbox.requests)
    await pace.say(CHAT, "/addsender news@example.com the newsletter")
    assert "news@example.com" in text_of(await pace.say(CHAT, "/senders"))
    [question] = sent(await pace.say(CHAT, "/delsender news@example.com"))
    await pace.press(question, "Yes", user_id=CHAT)
    assert "news@example.com" not in text_of(await pace.say(CHAT, "/senders"))
    assert sender_reads(pace, before) == 0
    writes = [r.action for r in pace.sandbox.requests[before:] if r.script == "senders"]
    assert writes == ["add", "del"]


async def test_refresh_reads_the_senders_again(pace: Harness) -> None:
    listed = await pace.say(CHAT, "/senders")
    account = pace.sandbox.state.accounts[LOGIN]
    newest = max(account.senders.values(), key=lambda s: s.id)
    newest.name = "Renamed1"  # changed in the cabinet meanwhile
    assert "Renamed1" not in text_of(await pace.say(CHAT, "/senders"))
    refreshed = await pace.press(sent(listed)[0], "Refresh", user_id=CHAT)
    assert "Renamed1" in text_of(refreshed)
    assert sender_reads(pace) == 2


async def test_a_new_name_in_the_copy_is_what_a_fresh_read_shows(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    copies = AccountCopies()
    await senders(copies, client, user=None)
    operators = (OperatorRegistration.MTS_STEP, OperatorRegistration.TELE2)
    sender_id = await client.senders.add("Kept24", operators=operators)
    await sender_added(copies, client, sender_id, "Kept24", user=None, operators=operators)
    kept = await senders(copies, client, user=None)
    fresh = await senders(AccountCopies(), client, user=None)
    assert kept.records[0] == fresh.records[0]
    assert [s.id for s in kept.records] == [s.id for s in fresh.records]


async def test_the_sub_clients_seen_outlive_a_moment_without_the_store(client: SmscClient) -> None:
    """The sub-clients seen are the bot's own memory, which SMSC cannot give again: a store out
    of reach as one more is seen costs that one, not those seen before."""
    store = GoneAtTheWrite()
    copies = AccountCopies(store)
    for login in ("alpha", "beta", "gamma"):
        await sub_client_seen(copies, client, login)
    store.down = True
    await sub_client_seen(copies, client, "delta")  # logged, never raised
    store.back()
    assert await sub_clients(copies, client) == ["gamma", "beta", "alpha"]
    await sub_client_seen(copies, client, "delta")
    assert await sub_clients(copies, client) == ["delta", "gamma", "beta", "alpha"]
