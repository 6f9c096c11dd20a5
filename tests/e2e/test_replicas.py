"""Three ``smsc-bot --webhook`` replicas on PostgreSQL and Redis that the test owns, with the
fake Bot API and the sandbox: updates posted in turn, chats over several logins watching, and
replicas killed, frozen and restarted, Redis and PostgreSQL restarted, while notifications go
out. Nothing is lost; nothing is doubled but a send in flight when a replica was killed."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.sandbox import Fault, SandboxServer
from storage import Keyring, Storage, generate_key
from tests.e2e.conftest import LOGIN, PASSWORD, new_user
from tests.e2e.replicas import Cluster, Watched, outcome, wait_delivered
from tests.fakes.telegram import FakeTelegram
from tests.postgres_service import OwnPostgres
from tests.redis_service import OwnRedis

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

LEASE = 3.0
CONCURRENCY = 4


@pytest_asyncio.fixture(loop_scope="session")
async def cluster(
    tmp_path: Path, telegram: FakeTelegram, sandbox: SandboxServer
) -> AsyncIterator[Cluster]:
    redis = OwnRedis(tmp_path)
    postgres = OwnPostgres()
    await redis.start()
    try:
        postgres.init()
        await postgres.start()
    except (RuntimeError, OSError, LookupError) as error:
        await redis.stop()
        postgres.remove()
        pytest.skip(f"cannot run a PostgreSQL server of the test's own ({error})".splitlines()[0])
    made = Cluster(
        tmp_path,
        telegram,
        sandbox,
        postgres.url,
        redis.url,
        generate_key(),
        env={
            "WATCH_INTERVAL": "1",
            "WATCH_CONCURRENCY": str(CONCURRENCY),
            "REPLICA_LEASE": str(LEASE),
        },
    )
    made.redis, made.postgres = redis, postgres  # type: ignore[attr-defined]
    try:
        yield made
    finally:
        await made.stop()
        await redis.stop()
        postgres.remove()


async def start(cluster: Cluster, watched: Watched | None = None, replicas: int = 3) -> None:
    if watched is not None:
        storage = await Storage.open(cluster.database_url, Keyring.from_text(cluster.key))
        try:
            await watched.store(storage, cluster.sandbox)
        finally:
            await storage.close()
    await asyncio.gather(*(cluster.add() for _ in range(replicas)))
    if watched is not None:
        await watched.wait_baselines(cluster.database_url)


async def test_a_dialog_and_a_confirmation_cross_replicas(
    cluster: Cluster, telegram: FakeTelegram
) -> None:
    await start(cluster)
    chat = new_user()
    since = telegram.mark()
    asked_on = await cluster.say(chat, chat, "/login")
    await telegram.wait_for("sendMessage", chat_id=chat, since=since)
    answered_on = await cluster.say(chat, chat, f"{LOGIN} {PASSWORD}")
    assert answered_on is not asked_on
    await telegram.wait_for("sendMessage", chat_id=chat, since=since, contains="Logged in")

    since = telegram.mark()
    await cluster.say(chat, chat, "/logout")
    question = await telegram.wait_for("sendMessage", chat_id=chat, since=since, contains="?")
    await cluster.press(question, "Yes", chat)
    await telegram.wait_for("editMessageText", chat_id=chat, since=since, contains="Logged out")


async def test_each_notification_once_while_the_leader_is_frozen_past_its_lease(
    cluster: Cluster, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    watched = Watched.spread(chats=40, logins=8)
    await start(cluster, watched)
    leader = await cluster.wait_leader()
    since = telegram.mark()
    expected = watched.change(sandbox, 0)
    await telegram.wait_for("sendDocument", since=since, timeout=30)
    cluster.kill(leader, signal.SIGSTOP)
    frozen_at = time.monotonic()
    await cluster.wait_leader(other_than=leader, timeout=4 * LEASE)
    # Frozen well past its lease (twice it, or as long as the next leader took to come), and
    # within its claims' (four times it): a freeze past those is a replica that died.
    await asyncio.sleep(max(0.0, 2 * LEASE - (time.monotonic() - frozen_at)))
    cluster.kill(leader, signal.SIGCONT)
    counts = await wait_delivered(telegram, expected, since, 0)
    await asyncio.sleep(3)  # a few more sweeps: anything sent twice shows
    _, counts = outcome(telegram, expected, since, 0)
    doubled = {key: n for key, n in counts.items() if n > 1}
    assert doubled == {}


async def test_each_notification_once_through_a_rolling_restart(
    cluster: Cluster, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    watched = Watched.spread(chats=40, logins=8, first_chat=710_001)
    await start(cluster, watched)
    since = telegram.mark()
    expected = watched.change(sandbox, 0)
    await telegram.wait_for("sendDocument", since=since, timeout=30)
    for old in list(cluster.replicas):
        await cluster.add()
        assert await old.process.stop() == 0
    await wait_delivered(telegram, expected, since, 0)
    await asyncio.sleep(3)
    _, counts = outcome(telegram, expected, since, 0)
    assert {key: n for key, n in counts.items() if n > 1} == {}


async def test_nothing_lost_when_the_leader_is_killed_mid_sweep(
    cluster: Cluster, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    watched = Watched.spread(chats=40, logins=8, first_chat=720_001)
    await start(cluster, watched)
    leader = await cluster.wait_leader()
    since = telegram.mark()
    expected = watched.change(sandbox, 0)
    await telegram.wait_for("sendDocument", since=since, timeout=30)
    cluster.kill(leader, signal.SIGKILL)
    await wait_delivered(telegram, expected, since, 0)
    await asyncio.sleep(3)
    _, counts = outcome(telegram, expected, since, 0)
    doubled = sum(n - 1 for n in counts.values() if n > 1)
    # At most what was on its way to Telegram when the process died: a send per worker.
    assert doubled <= 2 * CONCURRENCY


@pytest.mark.parametrize("engine", ["redis", "postgres"])
async def test_each_notification_once_when_redis_or_postgresql_restarts(
    cluster: Cluster, telegram: FakeTelegram, sandbox: SandboxServer, engine: str
) -> None:
    first = 730_001 if engine == "redis" else 740_001
    watched = Watched.spread(chats=40, logins=8, first_chat=first)
    await start(cluster, watched)
    since = telegram.mark()
    expected = watched.change(sandbox, 0)
    await telegram.wait_for("sendDocument", since=since, timeout=30)
    server: OwnRedis | OwnPostgres = getattr(cluster, engine)
    await server.restart()
    await wait_delivered(telegram, expected, since, 0)
    # And the replicas go on: a command, and the next change, after the restart.
    chat = new_user()
    since_command = telegram.mark()
    await cluster.say(chat, chat, "/help")
    await telegram.wait_for("sendMessage", chat_id=chat, since=since_command, timeout=30)
    await asyncio.sleep(3)
    _, counts = outcome(telegram, expected, since, 0)
    assert {key: n for key, n in counts.items() if n > 1} == {}


async def test_commands_say_what_is_wrong_while_redis_is_away_and_work_after(
    cluster: Cluster, telegram: FakeTelegram
) -> None:
    await start(cluster)
    chat = new_user()
    since = telegram.mark()
    await cluster.say(chat, chat, f"/login {LOGIN} {PASSWORD}")
    await telegram.wait_for("sendMessage", chat_id=chat, since=since, contains="Logged in")
    redis: OwnRedis = cluster.redis  # type: ignore[attr-defined]
    await redis.stop()
    since = telegram.mark()
    await cluster.say(chat, chat, "/account")
    reply = await telegram.wait_for("sendMessage", chat_id=chat, since=since, timeout=30)
    assert "unavailable" in reply.text or "cannot reach" in reply.text
    assert "Something went wrong" not in reply.text
    await redis.start()
    since = telegram.mark()
    await cluster.say(chat, chat, "/account")
    reply = await telegram.wait_for("sendMessage", chat_id=chat, since=since, timeout=30)
    assert LOGIN in reply.text


async def test_an_update_in_hand_on_a_replica_that_dies_is_handled_by_another(
    cluster: Cluster, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    await start(cluster)
    chat = new_user()
    since = telegram.mark()
    await cluster.say(chat, chat, f"/login {LOGIN} {PASSWORD}")
    await telegram.wait_for("sendMessage", chat_id=chat, since=since, contains="Logged in")
    # SMSC slow to answer: the replica that takes /account is in the middle of it when it dies.
    sandbox.set_fault(Fault("slow", delay=60, script="balance"), login=LOGIN)
    victim = cluster.live[0]
    update = telegram.message_update(chat, chat, "/account")
    asked = len(sandbox.requests)
    since = telegram.mark()
    posted = asyncio.create_task(cluster.post_once(victim, update))
    for _ in range(300):
        if any(r.script == "balance" for r in sandbox.requests[asked:]):
            break
        await asyncio.sleep(0.05)
    cluster.kill(victim, signal.SIGKILL)
    sandbox.clear_faults()
    assert await posted is False  # Telegram got no 200, so it sends the update again
    await cluster.post(update)
    reply = await telegram.wait_for("sendMessage", chat_id=chat, since=since, timeout=30)
    assert LOGIN in reply.text
