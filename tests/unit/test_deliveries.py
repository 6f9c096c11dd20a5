"""Deliveries claimed before they are sent, on SQLite and on PostgreSQL: one holder at a time,
none after the notification was recorded, none once the chat's account changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import (
    AccountChangedError,
    AuthKind,
    Claim,
    Keyring,
    NotificationKind,
    SeenSender,
    SeenTask,
    Storage,
    generate_key,
)
from tests.watch_state import claim, seen_tasks, was_delivered

DOWNLOADS = NotificationKind.DOWNLOADS


@pytest.fixture
async def store(database_target: str | Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(database_target, Keyring.from_text(generate_key()))
    yield opened
    await opened.close()


async def logged_in(
    store: Storage, chat_id: int, login: str = "acme", secret: str = "Sandbox-Pa55"
) -> None:
    await store.chats.connect(
        chat_id,
        auth_kind=AuthKind.PASSWORD,
        secret=secret,
        set_by=42,
        login=login,
        region="ru",
        base_url=None,
    )


async def test_one_holder_at_a_time_until_its_claim_runs_out(store: Storage) -> None:
    await logged_in(store, 7)
    first, second = await claim(store, 7, "r1|1"), await claim(store, 7, "r2|2")
    deliveries = store.deliveries
    assert await deliveries.claim(first, DOWNLOADS, "101", "2", now=1000.0, lease=60)
    assert not await deliveries.claim(second, DOWNLOADS, "101", "2", now=1059.0, lease=60)
    # Another change of the same export is another delivery.
    assert await deliveries.claim(second, DOWNLOADS, "101", "3", now=1059.0, lease=60)
    # Its holder may take it again (the next sweep of the same term).
    assert await deliveries.claim(first, DOWNLOADS, "101", "2", now=1059.0, lease=60)
    # Run out (its holder died): the next holder sends it.
    assert await deliveries.claim(second, DOWNLOADS, "101", "2", now=1120.0, lease=60)
    assert not await deliveries.claim(first, DOWNLOADS, "101", "2", now=1121.0, lease=60)


async def test_a_recorded_delivery_is_never_claimed_again(store: Storage) -> None:
    await logged_in(store, 8)
    mine = await claim(store, 8, "r1|1")
    assert await store.deliveries.claim(mine, DOWNLOADS, "5", "2", now=1000.0, lease=60)
    await store.watch.record_task(
        mine, SeenTask(5, "nightly", 2), before=None, change="2", message_id=77
    )
    assert await was_delivered(store, 8, DOWNLOADS, "5", "2")
    for holder in ("r1|1", "r2|2"):
        later = await claim(store, 8, holder)
        assert not await store.deliveries.claim(later, DOWNLOADS, "5", "2", now=9e9, lease=60)


async def test_a_logout_stops_claims_and_records_of_the_sweep_under_way(store: Storage) -> None:
    await logged_in(store, 9)
    began = await claim(store, 9, "r1|1")
    assert await store.deliveries.claim(began, DOWNLOADS, "5", "1", now=1000.0, lease=60)
    # Another replica logs the chat out while this one sends.
    await store.chats.disconnect(9)
    with pytest.raises(AccountChangedError):
        await store.watch.record_task(began, SeenTask(5, "nightly", 1), before=None, change="1")
    assert await seen_tasks(store, 9) == {}
    assert not await was_delivered(store, 9, DOWNLOADS, "5", "1")
    assert not await store.deliveries.claim(began, DOWNLOADS, "6", "1", now=1001.0, lease=60)


async def test_another_login_moves_the_generation_on(store: Storage) -> None:
    await logged_in(store, 10)
    await store.settings.set_notify(10, DOWNLOADS, True)
    before = (await store.deliveries.generations([10]))[10]
    # The same account with a new password: a sweep under way goes on delivering.
    await logged_in(store, 10, secret="New-Pa55")
    assert (await store.deliveries.generations([10]))[10] == before
    await logged_in(store, 10, login="other")
    after = (await store.deliveries.generations([10]))[10]
    assert after > before
    stale = Claim(10, before, "r1|1")
    assert not await store.deliveries.claim(stale, DOWNLOADS, "1", "2", now=1.0, lease=60)
    watching = [s.generation for s in await store.settings.watching() if s.chat_id == 10]
    assert watching == [after]


async def test_a_failed_send_gives_its_claim_back_at_once(store: Storage) -> None:
    await logged_in(store, 11)
    first, second = await claim(store, 11, "r1|1"), await claim(store, 11, "r2|2")
    assert await store.deliveries.claim(first, DOWNLOADS, "3", "2", now=1000.0, lease=600)
    await store.deliveries.release(first, DOWNLOADS, "3", "2")
    assert await store.deliveries.claim(second, DOWNLOADS, "3", "2", now=1001.0, lease=600)


async def test_a_change_back_to_an_earlier_state_is_delivered_again(store: Storage) -> None:
    await logged_in(store, 12)
    sweep = await claim(store, 12, "r1|1")
    senders = NotificationKind.SENDERS
    before = None
    for change, status in (("approved", 1), ("pending", 0), ("approved", 1)):
        assert await store.deliveries.claim(sweep, senders, "7", change, now=1.0, lease=60)
        state = SeenSender(7, "Shop", status, {"mts": 1})
        await store.watch.record_sender(sweep, state, before=before, change=change, message_id=1)
        before = state
    assert await was_delivered(store, 12, senders, "7", "approved")
    assert not await was_delivered(store, 12, senders, "7", "pending")
    # And after a move told to nobody (learned), the earlier change counts as new too.
    await store.watch.record_sender(sweep, SeenSender(7, "Shop", 0, {}), before=before, change=None)
    assert await store.deliveries.claim(sweep, senders, "7", "approved", now=2.0, lease=60)


async def test_a_claim_in_hand_is_seen_until_it_ends(store: Storage) -> None:
    await logged_in(store, 13)
    mine = await claim(store, 13, "r1|1")
    assert await store.deliveries.held(13, now=1000.0) == 0.0
    assert await store.deliveries.claim(mine, DOWNLOADS, "1", "2", now=1000.0, lease=60)
    assert await store.deliveries.held(13, now=1001.0) == 1060.0
    assert await store.deliveries.held(13, now=1061.0) == 0.0
