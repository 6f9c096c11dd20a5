"""Two watchers on one database, as two replicas that both believe they lead (one frozen past
its lease, say): each notification goes out once, a logout on one stops the other's
deliveries, and a claim left by a replica that died delays its notification, never loses it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from bot.accounts import ChatAccounts
from bot.sandbox import SandboxServer
from storage import Claim, NotificationKind
from tests.conftest import LOGIN
from tests.fakes.telegram import FakeTelegram
from tests.integration.test_watcher import INTERVAL, Rig, open_rig, rig
from tests.postgres_service import OwnPostgres
from tests.watch_state import claim, seen_senders, seen_tasks, was_delivered

__all__ = ["rig"]

DOWNLOADS = NotificationKind.DOWNLOADS


def documents(rig: Rig, since: int) -> Counter[tuple[int, str]]:
    return Counter(
        (c.chat_id or 0, c.text) for c in rig.telegram.calls[since:] if c.method == "sendDocument"
    )


async def test_two_leaders_send_each_notification_once(rig: Rig) -> None:
    chats = list(range(401, 407))
    first = rig.watcher(holder=lambda: "r1|1", clock=rig.clock)
    # Another replica: its own accounts (and chat locks), the same database.
    other = ChatAccounts(rig.storage, rig.factory)
    second = rig.watcher(accounts=other, holder=lambda: "r2|2", clock=rig.clock)
    for chat_id in chats:
        await rig.watch(chat_id, DOWNLOADS, watcher=first)
    for name in ("nightly", "weekly", "monthly"):
        task = rig.sandbox.state.add_task(LOGIN, name, 0)
        rig.sandbox.state.set_task_status(LOGIN, task.id, 2, size=128)
    since = rig.telegram.mark()
    held = rig.telegram.hold("sendDocument")
    rig.clock.now += INTERVAL
    sweeps = {asyncio.create_task(first.sweep()), asyncio.create_task(second.sweep())}
    # One replica's first notification is in flight; the other sweeps all the while.
    await held.arrived.wait()
    await asyncio.wait(sweeps, return_when=asyncio.FIRST_COMPLETED)
    held.released.set()
    await asyncio.gather(*sweeps)
    sent = documents(rig, since)
    assert len(sent) == 3 * len(chats)
    assert set(sent.values()) == {1}
    rig.clock.now += INTERVAL
    again = rig.telegram.mark()
    await asyncio.gather(first.sweep(), second.sweep())
    assert documents(rig, again) == Counter()


async def test_a_logout_on_another_replica_stops_the_deliveries_under_way(rig: Rig) -> None:
    chat_id = 411
    # Claims on the wall clock, as the account change reads them.
    watcher = rig.watcher(holder=lambda: "r1|1")
    await rig.watch(chat_id, DOWNLOADS, watcher=watcher)
    for name in ("nightly", "weekly"):
        task = rig.sandbox.state.add_task(LOGIN, name, 0)
        rig.sandbox.state.set_task_status(LOGIN, task.id, 2, size=128)
    since = rig.telegram.mark()
    held = rig.telegram.hold("sendDocument")
    rig.clock.now += INTERVAL
    sweep = asyncio.create_task(watcher.sweep())
    await held.arrived.wait()
    # Another replica: its own accounts and chat locks, the same database. Its /logout waits
    # for the send on its way here, so that "Logged out" comes after it, never before.
    logout = asyncio.create_task(ChatAccounts(rig.storage, rig.factory).disconnect(chat_id))
    await asyncio.sleep(0.3)
    assert not logout.done()
    held.released.set()
    await sweep
    await logout
    logged_out_at = time.monotonic()
    # The one in flight went out; nothing after it, and nothing written for the old account.
    sent = [c for c in rig.telegram.calls[since:] if c.method == "sendDocument"]
    assert len(sent) == 1
    assert sent[0].at <= logged_out_at
    assert await seen_tasks(rig.storage, chat_id) == {}
    assert await rig.storage.deliveries.held(chat_id, now=time.time()) == 0.0


async def test_a_claim_left_by_a_dead_replica_delays_its_notification_once(rig: Rig) -> None:
    chat_id = 421
    watcher = rig.watcher(holder=lambda: "r2|2", clock=rig.clock, claim_lease=300)
    await rig.watch(chat_id, DOWNLOADS, watcher=watcher)
    task = rig.sandbox.state.add_task(LOGIN, "nightly", 0)
    rig.sandbox.state.set_task_status(LOGIN, task.id, 2, size=128)
    rig.clock.now += INTERVAL
    # A replica claimed it, and died before sending or recording it.
    dead: Claim = await claim(rig.storage, chat_id, "r1|1")
    assert await rig.storage.deliveries.claim(
        dead, DOWNLOADS, str(task.id), "2", now=rig.clock.now, lease=300
    )
    since = rig.telegram.mark()
    await watcher.sweep()
    assert documents(rig, since) == Counter()
    rig.clock.now += 301
    await watcher.sweep()
    assert sum(documents(rig, since).values()) == 1
    assert await was_delivered(rig.storage, chat_id, DOWNLOADS, str(task.id), "2")


async def test_a_frozen_replica_does_not_write_its_older_state_over_a_newer_one(rig: Rig) -> None:
    chat_id = 901
    frozen = rig.watcher(holder=lambda: "r1|1", clock=rig.clock)
    leader = rig.watcher(
        accounts=ChatAccounts(rig.storage, rig.factory), holder=lambda: "r2|2", clock=rig.clock
    )
    await rig.watch(chat_id, NotificationKind.SENDERS, watcher=frozen)
    rig.clock.now += INTERVAL
    await frozen.sweep()
    # MTS approves the name: one replica sends it, and freezes with the send on its way.
    rig.sandbox.state.set_operator_status(LOGIN, 2, "mts_step", 2)
    rig.clock.now += INTERVAL
    held = rig.telegram.hold("sendMessage")
    late = asyncio.create_task(frozen.sweep())
    await held.arrived.wait()
    # Beeline approves too, while it is frozen: the next leader tells that.
    rig.sandbox.state.set_operator_status(LOGIN, 2, "bee_step", 2)
    rig.clock.now += INTERVAL
    await leader.sweep()
    newer = (await seen_senders(rig.storage, chat_id))[2]
    # The frozen one wakes: its message goes out, and its older state is not written.
    held.released.set()
    await late
    assert (await seen_senders(rig.storage, chat_id))[2] == newer
    assert await rig.storage.deliveries.held(chat_id, now=time.time() + 1) == 0.0
    rig.clock.now += INTERVAL
    since = rig.telegram.mark()
    assert (await leader.sweep()).notifications == 0
    assert rig.messages(chat_id, since) == []


async def test_a_replica_stepping_down_records_its_send_once_postgresql_is_back(
    telegram: FakeTelegram, sandbox: SandboxServer, own_postgres: OwnPostgres
) -> None:
    # PostgreSQL restarts while a notification is on its way: the leader's lock goes with its
    # session, so it steps down, and the send's record waits for the database for longer
    # than a stop would (a deploy's grace): cut short, the next leader would send it again.
    async with open_rig(telegram, sandbox, own_postgres.url) as rig:
        chat_id = 951
        watcher = rig.watcher(holder=lambda: "r1|1", clock=rig.clock, stop_grace=0.1)
        await rig.watch(chat_id, NotificationKind.SENDERS, watcher=watcher)
        rig.clock.now += INTERVAL
        # Each sweep in a task of its own, as the scheduler runs them: stopping waits for it.
        await asyncio.create_task(watcher.sweep())
        rig.sandbox.state.set_operator_status(LOGIN, 2, "mts_step", 2)
        rig.clock.now += INTERVAL
        since = rig.telegram.mark()
        held = rig.telegram.hold("sendMessage")
        sweep = asyncio.create_task(watcher.sweep())
        await held.arrived.wait()
        await own_postgres.stop()
        held.released.set()
        stepping_down = asyncio.create_task(watcher.step_down())
        await asyncio.sleep(1.0)  # ten stop graces
        assert not stepping_down.done()
        await own_postgres.start()
        await asyncio.wait_for(stepping_down, timeout=30)
        assert (await sweep).notifications == 1
        assert len(rig.messages(chat_id, since)) == 1
        assert await rig.storage.deliveries.held(chat_id, now=time.time()) == 0.0
        rig.clock.now += INTERVAL
        again = rig.telegram.mark()
        assert (
            await rig.watcher(holder=lambda: "r2|2", clock=rig.clock).sweep()
        ).notifications == 0
        assert rig.messages(chat_id, again) == []
