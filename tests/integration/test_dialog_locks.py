"""aiogram's per-chat lock with replicas: the dialog state comes with the lock, read only once
the lock is held, and a handler's own change of it is what it reads next; an update arriving
by webhook is claimed in the same round trip. On the machine's
Redis (skipped with one line where there is none)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Update
from redis.asyncio import Redis

from bot.dialog_storage import SharedDialogStorage, shared_key_builder
from bot.shared.dialog_locks import StateReadWithLock
from bot.shared.updates import UpdateClaims, arriving
from storage import Keyring, Storage, generate_key
from tests.redis_service import redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]

KEY = StorageKey(bot_id=1, chat_id=-1001234567890, user_id=42)


async def replica(
    redis: Redis, prefix: str, tmp_path: Path, name: str
) -> tuple[StateReadWithLock, SharedDialogStorage, Storage]:
    database = await Storage.open(tmp_path / f"{name}.sqlite3", Keyring.from_text(generate_key()))
    return (
        StateReadWithLock(redis, key_builder=shared_key_builder(prefix)),
        SharedDialogStorage(redis, database, prefix=prefix),
        database,
    )


async def test_the_state_comes_with_the_lock_and_a_change_is_read_back(
    redis_client: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    locks, dialogs, database = await replica(redis_client, redis_prefix, tmp_path, "one")
    try:
        await dialogs.set_state(KEY, "Asking:block")
        async with locks.lock(KEY):
            assert await dialogs.get_state(KEY) == "Asking:block"
            await dialogs.set_state(KEY, None)  # the handler finished the dialog
            assert await dialogs.get_state(KEY) is None
            await dialogs.set_state(KEY, "Asking:unblock")
            assert await dialogs.get_state(KEY) == "Asking:unblock"
        other = StorageKey(bot_id=1, chat_id=7, user_id=7)
        await dialogs.set_state(other, "Asking:login")
        async with locks.lock(KEY):
            assert await dialogs.get_state(other) == "Asking:login"  # another chat's, asked
            assert await dialogs.get_state(KEY) == "Asking:unblock"
        assert await dialogs.get_state(KEY) == "Asking:unblock"
    finally:
        await database.close()


async def test_the_state_is_read_once_the_lock_is_held_not_before(
    redis_client: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    """Two replicas, one chat: the second waits for the lock and then reads what the first
    left, never what was there when it began to wait."""
    first_locks, first, one_db = await replica(redis_client, redis_prefix, tmp_path, "one")
    second_locks, second, other_db = await replica(redis_client, redis_prefix, tmp_path, "two")
    second_locks.lock_kwargs = {"timeout": 60, "sleep": 0.01}
    try:
        await first.set_state(KEY, "Asking:block")
        held = asyncio.Event()
        go_on = asyncio.Event()

        async def first_update() -> None:
            async with first_locks.lock(KEY):
                assert await first.get_state(KEY) == "Asking:block"
                held.set()
                await go_on.wait()
                await first.set_state(KEY, None)

        async def second_update() -> str | None:
            await held.wait()
            async with second_locks.lock(KEY):
                return await second.get_state(KEY)

        running = asyncio.create_task(first_update())
        waiting = asyncio.create_task(second_update())
        await held.wait()
        await asyncio.sleep(0.05)  # the second is waiting for the lock meanwhile
        assert not waiting.done()
        go_on.set()
        await running
        assert await asyncio.wait_for(waiting, 5) is None
    finally:
        await one_db.close()
        await other_db.close()


def handled_into(seen: list[int]) -> Any:
    async def handle(event: Update, data: dict[str, Any]) -> str:
        seen.append(event.update_id)
        return "ok"

    return handle


async def test_an_update_arriving_by_webhook_is_claimed_with_its_chats_lock(
    redis_client: Redis, redis_prefix: str
) -> None:
    """One round trip takes the lock, reads the state and claims the update: the claim's
    answer is the one the lock brought (here "done elsewhere", although the key was emptied
    since), not a second trip's."""
    claims = UpdateClaims(redis_client, replica="a", prefix=redis_prefix)
    other = UpdateClaims(redis_client, replica="b", prefix=redis_prefix)
    locks = StateReadWithLock(
        redis_client, key_builder=shared_key_builder(redis_prefix), claims=claims
    )
    seen: list[int] = []
    assert await other(handled_into(seen), Update(update_id=31), {}) == "ok"
    with arriving(31):
        async with locks.lock(KEY):
            await redis_client.delete(f"{redis_prefix}:update:31")
            assert await claims(handled_into(seen), Update(update_id=31), {}) is None
    assert seen == [31]

    with arriving(32):
        async with locks.lock(KEY):
            assert await redis_client.get(f"{redis_prefix}:update:32") == b"a"  # claimed
            assert await claims(handled_into(seen), Update(update_id=32), {}) == "ok"
    assert await redis_client.get(f"{redis_prefix}:update:32") == b"done"
    assert seen == [31, 32]


async def test_an_update_is_claimed_only_once_its_chats_lock_is_taken(
    redis_client: Redis, redis_prefix: str
) -> None:
    """While another update of the chat holds the lock, the arriving one waits unclaimed: given
    up meanwhile, it leaves no claim behind to hold Telegram's next try off."""
    claims = UpdateClaims(redis_client, replica="a", prefix=redis_prefix)
    locks = StateReadWithLock(
        redis_client, key_builder=shared_key_builder(redis_prefix), claims=claims
    )
    locks.lock_kwargs = {"timeout": 60, "sleep": 0.01}
    holder = StateReadWithLock(redis_client, key_builder=shared_key_builder(redis_prefix))
    seen: list[int] = []
    update_key = f"{redis_prefix}:update:40"
    async with holder.lock(KEY):

        async def arrive() -> Any:
            with arriving(40):
                async with locks.lock(KEY):
                    return await claims(handled_into(seen), Update(update_id=40), {})

        waiting = asyncio.create_task(arrive())
        await asyncio.sleep(0.05)  # a few tries at the lock
        assert not waiting.done()
        assert not await redis_client.exists(update_key)
    assert await asyncio.wait_for(waiting, 5) == "ok"
    assert seen == [40]
    assert await redis_client.get(update_key) == b"done"


async def test_scripts_redis_forgot_are_loaded_again_and_the_update_claimed_once(
    redis_client: Redis, redis_prefix: str
) -> None:
    claims = UpdateClaims(redis_client, replica="a", prefix=redis_prefix)
    locks = StateReadWithLock(
        redis_client, key_builder=shared_key_builder(redis_prefix), claims=claims
    )
    seen: list[int] = []
    await redis_client.script_flush()  # as after a restart: EVALSHA answers NOSCRIPT
    with arriving(33):
        async with locks.lock(KEY):
            assert await claims(handled_into(seen), Update(update_id=33), {}) == "ok"
    await redis_client.script_flush()
    with arriving(33):
        async with locks.lock(KEY):  # Telegram sends it again
            assert await claims(handled_into(seen), Update(update_id=33), {}) is None
    assert seen == [33]
