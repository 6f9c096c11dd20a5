"""The watcher's lease on PostgreSQL: an advisory lock on a connection of its own, one holder at
a time, let go at once by a replica that dies and after the lease by one that is frozen."""

from __future__ import annotations

import asyncio

import asyncpg

from bot.shared.leases import LeaseKeeper
from storage.advisory_lease import AdvisoryLease


async def test_one_holder_at_a_time_and_the_next_takes_it_on_release(postgres_url: str) -> None:
    first = AdvisoryLease(postgres_url, "watcher", ttl=30, holder="a")
    second = AdvisoryLease(postgres_url, "watcher", ttl=30, holder="b")
    try:
        assert await first.acquire() == 1
        assert await first.acquire() == 1  # renewing keeps the term
        assert await second.acquire() is None
        assert await second.holder_now() == "another replica"
        # Another name is another lock.
        polling = AdvisoryLease(postgres_url, "polling", ttl=30, holder="b")
        assert await polling.acquire() == 1
        await polling.release()
        await first.release()
        assert await second.acquire() == 1
        assert await first.acquire() is None
    finally:
        await first.release()
        await second.release()


async def test_a_holder_whose_session_dies_loses_the_lock_at_once(postgres_url: str) -> None:
    first = AdvisoryLease(postgres_url, "watcher", ttl=30, holder="a")
    second = AdvisoryLease(postgres_url, "watcher", ttl=30, holder="b")
    try:
        assert await first.acquire() == 1
        # The replica is killed: its connection ends (here: the server ends it).
        admin = await asyncpg.connect(postgres_url)
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'smsc-bot lease' AND datname = current_database()"
        )
        await admin.close()
        assert await second.acquire() == 1
        # The dead holder learns it on its next renewal, and does not hold it again.
        assert await first.acquire() is None
        assert first.token is None
    finally:
        await first.release()
        await second.release()


async def test_a_frozen_holder_loses_the_lock_after_its_lease(postgres_url: str) -> None:
    frozen = AdvisoryLease(postgres_url, "watcher", ttl=0.3, holder="a")
    other = AdvisoryLease(postgres_url, "watcher", ttl=0.3, holder="b")
    try:
        assert await frozen.acquire() == 1
        assert await other.acquire() is None
        # The frozen holder renews nothing; the server ends its idle session after the lease.
        for _ in range(200):
            if await other.acquire() is not None:
                break
            await asyncio.sleep(0.05)
        assert other.token == 1
    finally:
        await frozen.release()
        await other.release()


async def test_a_keeper_on_postgresql_wins_and_stops_cleanly(postgres_url: str) -> None:
    events: list[str] = []

    async def won(token: int) -> None:
        events.append(f"won {token}")

    async def lost() -> None:
        events.append("lost")

    lease = AdvisoryLease(postgres_url, "watcher", ttl=30, holder="a")
    keeper = LeaseKeeper(lease, on_won=won, on_lost=lost)
    await keeper.step()
    await keeper.step()
    assert events == ["won 1"]
    assert keeper.valid()
    await keeper.stop()
    assert events == ["won 1", "lost"]
    successor = AdvisoryLease(postgres_url, "watcher", ttl=30, holder="b")
    assert await successor.acquire() == 1
    await successor.release()


async def test_a_keeper_whose_session_ends_stops_at_its_next_renewal(postgres_url: str) -> None:
    # PostgreSQL restarted, say: the lock went with the session, and another replica may hold
    # it already. The keeper must not go on leading for the rest of its lease.
    events: list[str] = []

    async def won(token: int) -> None:
        events.append(f"won {token}")

    async def lost() -> None:
        events.append("lost")

    lease = AdvisoryLease(postgres_url, "watcher", ttl=30, holder="a")
    keeper = LeaseKeeper(lease, on_won=won, on_lost=lost)
    other = AdvisoryLease(postgres_url, "watcher", ttl=30, holder="b")
    try:
        await keeper.step()
        assert keeper.valid()
        admin = await asyncpg.connect(postgres_url)
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'smsc-bot lease' AND datname = current_database()"
        )
        await admin.close()
        assert await other.acquire() == 1
        await keeper.step()
        assert events == ["won 1", "lost"]
        assert not keeper.valid()
        await other.release()
        # And it leads again once the lock is free, in a new term.
        await keeper.step()
        assert events == ["won 1", "lost", "won 2"]
    finally:
        await keeper.stop()
        await other.release()
