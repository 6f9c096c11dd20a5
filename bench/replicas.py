"""Several replicas on PostgreSQL and Redis: what each fault costs, and what sharing costs.

    python -m bench.replicas [--short] [--block]

For each fault, three ``smsc-bot --webhook`` replicas on a PostgreSQL and a Redis of the
benchmark's own, with the fake Bot API and the sandbox: chats over many logins watch exports
and sender names; every login's export finishes and a sender name moves, and while the
notifications go out the fault strikes. Printed per fault: notifications lost and doubled,
SMSC's error 9 answers (three identical requests a minute and fourteen in flight per login, over
all replicas), the peak of requests in flight for one login, and for a killed leader the time
from the kill to the next replica's first sweep (goal: two watch intervals).

Then what sharing costs (alone with ``--block``): ``/block`` through a replica on PostgreSQL and
Redis against the embedded setup (one process, SQLite), both as webhooks running at once and
taking turns, to the reply and to the webhook's answer; and the Redis limiter's cost per request
against the in-process one. Fails (exit 1) when a notification is lost, or doubled by a fault
that must double nothing, or SMSC answers error 9.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import asyncpg
from redis.asyncio import Redis

from bench.support import report
from bot.sandbox import SandboxServer, SandboxState
from bot.smsc import RateLimiter
from bot.smsc.redis_limiter import RedisLimiter
from storage import Keyring, Storage, generate_key
from tests.e2e.harness import TOKEN
from tests.e2e.replicas import Cluster, Replica, Watched, outcome, wait_delivered
from tests.fakes.telegram import FakeTelegram
from tests.postgres_service import OwnPostgres
from tests.redis_service import OwnRedis

LEASE = 3.0
INTERVAL = 2
FAULTS = ("none", "SIGKILL", "SIGSTOP", "SIGTERM", "Redis restart", "PostgreSQL restart")
# Faults after which a doubled notification is a defect: a killed process may have had a
# send on its way, which nothing can tell from one that was not.
MUST_NOT_DOUBLE = {"none", "SIGSTOP", "SIGTERM", "Redis restart", "PostgreSQL restart"}


class Servers:
    """The benchmark's own PostgreSQL and Redis, started once, emptied between faults."""

    def __init__(self, workdir: Path) -> None:
        self.redis = OwnRedis(workdir)
        self.postgres = OwnPostgres()

    async def start(self) -> None:
        await self.redis.start()
        self.postgres.init()
        await self.postgres.start()

    async def fresh_database(self, name: str) -> str:
        admin = await asyncpg.connect(self.postgres.url)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        return self.postgres.url.rsplit("/", 1)[0] + f"/{name}"

    async def stop(self) -> None:
        await self.redis.stop()
        self.postgres.remove()


async def run_fault(
    fault: str, servers: Servers, workdir: Path, chats: int, logins: int
) -> dict[str, str]:
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    async with SandboxServer(SandboxState(), rate_window=0.5) as sandbox:
        await Redis.from_url(servers.redis.url).flushall()
        database = await servers.fresh_database(f"bench_{FAULTS.index(fault)}")
        cluster = Cluster(
            workdir / f"fault{FAULTS.index(fault)}",
            telegram,
            sandbox,
            database,
            servers.redis.url,
            generate_key(),
            env={"WATCH_INTERVAL": str(INTERVAL), "REPLICA_LEASE": str(LEASE)},
        )
        cluster.workdir.mkdir()
        watched = Watched.spread(chats=chats, logins=logins)
        try:
            return await _fault_round(fault, cluster, watched, servers, telegram, sandbox)
        finally:
            await cluster.stop()
            await telegram.stop()


async def _fault_round(
    fault: str,
    cluster: Cluster,
    watched: Watched,
    servers: Servers,
    telegram: FakeTelegram,
    sandbox: SandboxServer,
) -> dict[str, str]:
    storage = await Storage.open(cluster.database_url, Keyring.from_text(cluster.key))
    try:
        await watched.store(storage, sandbox)
    finally:
        await storage.close()
    await asyncio.gather(*(cluster.add() for _ in range(3)))
    await watched.wait_baselines(cluster.database_url, timeout=300)
    leader = await cluster.wait_leader()
    since = telegram.mark()
    expected = watched.change(sandbox, 0)
    await telegram.wait_for("sendDocument", since=since, timeout=120)
    failover = "-"
    if fault == "SIGKILL":
        killed_at = time.time()
        cluster.kill(leader, signal.SIGKILL)
        successor = await cluster.wait_leader(other_than=leader, timeout=60)
        failover = f"{await first_sweep_after(successor, killed_at):.1f} s"
    elif fault == "SIGSTOP":
        cluster.kill(leader, signal.SIGSTOP)
        await cluster.wait_leader(other_than=leader, timeout=60)
        await asyncio.sleep(LEASE)
        cluster.kill(leader, signal.SIGCONT)
    elif fault == "SIGTERM":
        for old in list(cluster.replicas):
            await cluster.add()
            await old.process.stop()
    elif fault == "Redis restart":
        await servers.redis.restart()
    elif fault == "PostgreSQL restart":
        await servers.postgres.restart()
    lost = 0
    try:
        await wait_delivered(telegram, expected, since, 0, timeout=300)
    except AssertionError:
        arrived, _ = outcome(telegram, expected, since, 0)
        lost = len(expected - arrived)
    await asyncio.sleep(3 * INTERVAL)  # a few more sweeps: anything sent twice shows
    _, counts = outcome(telegram, expected, since, 0)
    doubled = sum(n - 1 for n in counts.values() if n > 1)
    error9 = sum(1 for r in sandbox.requests if r.status == "error 9")
    peak = max(sandbox.peak_in_flight(login) for login in watched.logins)
    return {
        "notifications": str(len(expected)),
        "lost": str(lost),
        "doubled": str(doubled),
        "error 9": str(error9),
        "peak in flight": str(peak),
        "fail-over": failover,
    }


async def first_sweep_after(replica: Replica, since: float) -> float:
    """Seconds from ``since`` to the start of the replica's first watch sweep after it (the
    scheduler's line as it runs the sweep, in the replica's log)."""
    for _ in range(600):
        for line in replica.process.log.splitlines():
            if "Running job" not in line or "sweep" not in line:
                continue
            at = datetime.fromisoformat(json.loads(line)["ts"]).timestamp()
            if at > since:
                return at - since
        await asyncio.sleep(0.1)
    raise AssertionError("the new leader never swept")


async def logged_in(cluster: Cluster, telegram: FakeTelegram, chat: int) -> int:
    since = telegram.mark()
    await cluster.say(chat, chat, "/login blocker Block-Pa55")
    await telegram.wait_for("sendMessage", chat_id=chat, since=since, contains="Logged in")
    return chat


async def block_once(
    cluster: Cluster, telegram: FakeTelegram, chat: int, number: str
) -> tuple[float, float]:
    """Seconds from posting ``/block <number>`` to the bot's reply reaching Telegram (what the
    person waits for), and to the webhook's answer (the replica's whole work for the update,
    its bookkeeping after the reply included)."""
    since = telegram.mark()
    started = time.monotonic()
    await cluster.say(chat, chat, f"/block {number} all")
    answered = time.monotonic()
    reply = await telegram.wait_for("sendMessage", chat_id=chat, since=since, timeout=30)
    return reply.at - started, answered - started


async def block_ratio(
    workdir: Path, servers: Servers, rounds: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median ``/block`` through the embedded setup and through a replica on PostgreSQL and
    Redis (see :func:`block_once`). Both run at once and take turns, in alternating order: the
    machine's pace drifts from one minute to the next, and both sides see the same drift."""
    state = SandboxState()
    state.add_account("blocker", "Block-Pa55")
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    async with SandboxServer(state, rate_window=60.0) as sandbox:
        database = await servers.fresh_database("bench_block")
        clusters = [
            # Empty URLs: the embedded setup, SQLite in one process and nothing shared.
            Cluster(
                workdir / f"block-{side}",
                telegram,
                sandbox,
                database if side == "shared" else "",
                servers.redis.url if side == "shared" else "",
                generate_key(),
                env={"SMSC_RATE_WINDOW": "60", "SMSC_MAX_WAIT": "10"},
            )
            for side in ("embedded", "shared")
        ]
        took: list[list[tuple[float, float]]] = [[], []]
        try:
            for cluster in clusters:
                cluster.workdir.mkdir()
                await cluster.add()
            chats = [await logged_in(c, telegram, 880_001 + n) for n, c in enumerate(clusters)]
            for n in range(rounds):
                for side in (0, 1) if n % 2 else (1, 0):
                    number = f"+7916{side}{n:06d}"
                    took[side].append(
                        await block_once(clusters[side], telegram, chats[side], number)
                    )
        finally:
            for cluster in clusters:
                await cluster.stop()
    await telegram.stop()

    def medians(side: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(r for r, _ in side), statistics.median(a for _, a in side)

    return medians(took[0]), medians(took[1])


async def limiter_cost(redis_url: str, requests: int) -> tuple[float, float]:
    """Microseconds per reservation and release: in process, and through Redis."""
    rules = (("same:bench", 3),)

    async def timed(limiter_slot: Callable[[int], Awaitable[None]]) -> float:
        started = time.perf_counter()
        for n in range(requests):
            await limiter_slot(n)
        return (time.perf_counter() - started) / requests * 1e6

    local = RateLimiter(window=60.0)

    async def local_slot(n: int) -> None:
        async with local.acquire(f"login{n}", rules, 0):
            pass

    redis = Redis.from_url(redis_url)
    shared = RedisLimiter(redis, window=60.0, prefix="bench")

    async def shared_slot(n: int) -> None:
        async with shared.acquire(f"login{n}", rules, 0):
            pass
        await shared.settled()  # its answer stamped (behind its caller, in the bot)

    try:
        return await timed(local_slot), await timed(shared_slot)
    finally:
        await shared.close()
        await redis.aclose()


async def main(short: bool, only_block: bool) -> int:
    chats, logins, rounds = (100, 20, 20) if short else (500, 100, 300)
    workdir = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    servers = Servers(workdir)
    await servers.start()
    failed = False
    try:
        for fault in () if only_block else FAULTS:
            row = await run_fault(fault, servers, workdir, chats, logins)
            bad = row["lost"] != "0" or row["error 9"] != "0"
            bad = bad or (fault in MUST_NOT_DOUBLE and row["doubled"] != "0")
            failed = failed or bad
            report(
                f"{fault}: {chats} chats over {logins} logins, 3 replicas"
                + ("  << FAILED" if bad else ""),
                list(row.items()),
            )
        embedded, shared = await block_ratio(workdir, servers, rounds)
        report(
            f"/block, median of {rounds} each, in turns",
            [
                ("to the reply: embedded (SQLite, one process)", f"{embedded[0] * 1e3:.2f} ms"),
                ("to the reply: a replica on PostgreSQL and Redis", f"{shared[0] * 1e3:.2f} ms"),
                ("ratio (goal ≤ 1.3×)", f"{shared[0] / embedded[0]:.2f}×"),
                ("to the webhook's answer: embedded", f"{embedded[1] * 1e3:.2f} ms"),
                ("to the webhook's answer: a replica", f"{shared[1] * 1e3:.2f} ms"),
                ("ratio", f"{shared[1] / embedded[1]:.2f}×"),
            ],
        )
        local, redis = await limiter_cost(servers.redis.url, 2000)
        report(
            "SMSC limiter, one reservation and its release",
            [
                ("in process", f"{local:.0f} µs"),
                ("Redis (two scripts, a round trip each)", f"{redis:.0f} µs"),
            ],
        )
    finally:
        await servers.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="100 chats over 20 logins")
    parser.add_argument("--block", action="store_true", help="only what sharing costs")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.short, arguments.block)))
