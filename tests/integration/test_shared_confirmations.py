"""Confirmations shared through Redis, as two replicas use them: asked through one store,
pressed through another (each its own connection), taken once, gone when they expire. The
values are JSON, read back into the action's own types."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from redis.asyncio import Redis

from bot.shared.tokens import RedisTokens, SharedStateUnavailableError
from handlers.contacts_args import EditContactArgs
from handlers.groups import GroupRename
from handlers.invoices_args import InvoiceArgs
from handlers.memo import Memo, PendingAction
from handlers.readers import Address
from tests.redis_service import REDIS_URL, redis_client, redis_prefix

__all__ = ["redis_client", "redis_prefix"]


async def replica_memo(prefix: str, ttl: float = 60) -> tuple[Memo, Redis]:
    redis = Redis.from_url(REDIS_URL)
    return Memo(ttl=ttl, shared=RedisTokens(redis, prefix=prefix)), redis


async def test_a_confirmation_asked_on_one_replica_is_read_on_another_with_its_types(
    redis_client: Redis, redis_prefix: str
) -> None:
    asking, first = await replica_memo(redis_prefix)
    pressing, second = await replica_memo(redis_prefix)
    try:
        edit = EditContactArgs(Address("79990001122", False), {"name": "Kate", "groups": (12, 15)})
        token = await asking.ask(PendingAction(-100, "editcontact", "acc", edit))
        pending = await pressing.pending(token, "editcontact", EditContactArgs)
        assert pending == PendingAction(-100, "editcontact", "acc", edit)
        invoice = InvoiceArgs("client", Decimal("10.50"), None)
        token = await asking.ask(PendingAction(7, "invoice", "acc", invoice))
        read = await pressing.pending(token, "invoice", InvoiceArgs)
        assert read is not None
        assert read.args == invoice
        assert isinstance(read.args.amount, Decimal)
    finally:
        await first.aclose()
        await second.aclose()


async def test_what_redis_keeps_is_json_with_a_lifetime(
    redis_client: Redis, redis_prefix: str
) -> None:
    memo = Memo(ttl=60, shared=RedisTokens(redis_client, prefix=redis_prefix))
    rename = GroupRename(5, "VIP", "Key clients")
    token = await memo.ask(PendingAction(1, "renamegroup", "acc", rename))
    key = f"{redis_prefix}:token:{token}"
    raw = await redis_client.get(key)
    assert raw is not None
    assert json.loads(raw) == {
        "chat_id": 1,
        "action": "renamegroup",
        "account": "acc",
        "args": {"group_id": 5, "old": "VIP", "name": "Key clients", "mail": False},
    }
    assert 0 < await redis_client.pttl(key) <= 60_000


async def test_two_replicas_pressing_yes_at_once_take_it_once(
    redis_client: Redis, redis_prefix: str
) -> None:
    asking, first = await replica_memo(redis_prefix)
    other, second = await replica_memo(redis_prefix)
    try:
        for _ in range(20):
            token = await asking.ask(PendingAction(1, "unblock", "acc", Address("a@b.c", True)))
            taken = await asyncio.gather(asking.take(token), other.take(token))
            assert sorted(taken) == [False, True]
            assert await other.pending(token, "unblock", Address) is None
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_confirmation_expires_for_every_replica(
    redis_client: Redis, redis_prefix: str
) -> None:
    memo = Memo(ttl=0.05, shared=RedisTokens(redis_client, prefix=redis_prefix))
    token = await memo.ask(PendingAction(1, "delgroup", "acc", None))
    key = f"{redis_prefix}:token:{token}"
    while await redis_client.exists(key):
        await asyncio.sleep(0.005)
    other = Memo(shared=RedisTokens(redis_client, prefix=redis_prefix))
    assert await other.pending(token, "delgroup", type(None)) is None
    assert not await other.take(token)


async def test_a_token_pressed_as_another_action_finds_nothing_and_stays(
    redis_client: Redis, redis_prefix: str
) -> None:
    memo = Memo(shared=RedisTokens(redis_client, prefix=redis_prefix))
    token = await memo.ask(PendingAction(1, "unblock", "acc", Address("79990001122", False)))
    assert await memo.pending(token, "delcontact", Address) is None
    assert await memo.pending(token, "unblock", Address) is not None


async def test_an_unreachable_redis_is_one_clear_error_for_every_step() -> None:
    # Port 1 on loopback: nothing listens there, and the refusal comes at once.
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    memo = Memo(shared=RedisTokens(redis))
    try:
        with pytest.raises(SharedStateUnavailableError):
            await memo.ask(PendingAction(1, "logout", "acc", None))
        with pytest.raises(SharedStateUnavailableError):
            await memo.pending("token", "logout", type(None))
        with pytest.raises(SharedStateUnavailableError):
            await memo.take("token")
    finally:
        await redis.aclose()
