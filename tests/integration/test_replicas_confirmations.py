"""Two replicas of the bot on one Redis and one database: a confirmation asked through one is
pressed through the other and carried out there, once, and the first replica's press then finds
it taken; a card's edit begun on one is finished on the other; the pages of a search, a list and
a card's buttons shown by one are pressed on the other. (Skipped with one line where there is
no Redis.) Redis out of reach is one clear sentence, and nothing is done."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.sandbox.state import SbBlacklisted, SbContact
from bot.shared.tokens import RedisTokens
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, sent, text_of
from tests.integration.two_replicas import two_replicas

__all__ = ["two_replicas"]

USER = 7901


async def test_a_confirmation_asked_on_one_replica_is_carried_out_by_the_other_once(
    two_replicas: tuple[Harness, Harness],
) -> None:
    first, second = two_replicas
    await first.say(USER, f"/login {LOGIN} {PASSWORD}")
    book = first.sandbox.state.accounts[LOGIN].phones
    [question] = sent(await first.say(USER, "/delgroup vip"))
    assert "Delete the group “VIP”" in question.text
    assert 3 in book.groups
    done = await second.press(question, "Yes", user_id=USER)
    assert "is deleted" in text_of(done)
    assert 3 not in book.groups
    again = await first.press(question, "Yes", user_id=USER)
    assert "has expired" in text_of(again)
    deletions = [r for r in first.sandbox.reached() if r.action == "del_group"]
    assert len(deletions) == 1


async def test_a_card_edit_begun_on_one_replica_is_finished_on_the_other(
    two_replicas: tuple[Harness, Harness],
) -> None:
    first, second = two_replicas
    await first.say(USER, f"/login {LOGIN} {PASSWORD}")
    [card] = sent(await first.say(USER, "79991000000"))
    asked = await first.press(card, "Edit the contact", user_id=USER)
    assert "field=value" in text_of(asked)
    changed = await second.say(USER, "name=Ivan P.")
    assert "changed" in text_of(changed)
    contact = first.sandbox.state.accounts[LOGIN].phones.find_contact("79991000000")
    assert contact is not None
    assert contact.name == "Ivan P."


def _next_page(calls: list[Call]) -> str:
    [edited] = [c for c in calls if c.method == "editMessageText"]
    return edited.text


async def test_the_pages_of_a_search_and_of_a_list_turn_on_the_other_replica(
    two_replicas: tuple[Harness, Harness],
) -> None:
    first, second = two_replicas
    await first.say(USER, f"/login {LOGIN} {PASSWORD}")
    account = first.sandbox.state.accounts[LOGIN]
    for n in range(25):
        account.phones.contacts[5000 + n] = SbContact(5000 + n, f"7916000{n:04d}", f"Zed {n:02d}")
        account.phones.blacklist[6000 + n] = SbBlacklisted(6000 + n, f"7926000{n:04d}", 0)
    [found] = sent(await first.say(USER, "/contacts Zed"))
    assert "1–10 of 25" in found.text
    before = len(first.sandbox.reached())
    page = _next_page(await second.press(found, "Next", user_id=USER))
    assert "11–20 of 25" in page
    assert "Zed 10" in page
    assert "matching “Zed”" in page
    assert len(first.sandbox.reached()) == before  # shown from the shared list, not fetched
    [listed] = sent(await first.say(USER, "/blacklist"))
    assert "Next" in str(listed.buttons())
    assert "11–20 of" in _next_page(await second.press(listed, "Next", user_id=USER))


async def test_a_card_shown_by_one_replica_is_pressed_on_the_other(
    two_replicas: tuple[Harness, Harness],
) -> None:
    first, second = two_replicas
    await first.say(USER, f"/login {LOGIN} {PASSWORD}")
    [card] = sent(await first.say(USER, "79991000000"))
    calls = await second.press(card, "Block for mass mailings", user_id=USER)
    assert "Blacklisted" in text_of(calls)
    blocked = first.sandbox.state.accounts[LOGIN].phones.blacklist.values()
    assert [entry.type for entry in blocked if entry.address == "79991000000"] == [1]


async def test_with_redis_out_of_reach_a_confirmation_is_one_clear_sentence(
    harness: Harness,
) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    memo = harness.app.dispatcher.workflow_data["memo"]
    # Port 1 on loopback: nothing listens there, and the refusal comes at once.
    gone = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    memo.shared = RedisTokens(gone)
    try:
        reply = text_of(await harness.say(USER, "/delgroup vip"))
    finally:
        await gone.aclose()
    assert "cannot reach what my replicas share" in reply
    assert "Something went wrong" not in reply
    assert 3 in harness.sandbox.state.accounts[LOGIN].phones.groups
