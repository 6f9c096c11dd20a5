"""The memo's confirmations in one process: typed values through JSON, taken once, expired by
the clock the memo is given."""

from __future__ import annotations

import pytest

from bot.shared.tokens import LocalTokens
from handlers.card_view import CardTarget
from handlers.memo import Memo, PendingAction, decoded, encoded, typed_json
from handlers.readers import Address
from handlers.sender_registration import Request


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_confirmation_is_taken_once() -> None:
    memo = Memo(clock=Clock())
    token = await memo.ask(PendingAction(1, "unblock", "acc", Address("79990001122", False)))
    assert await memo.take(token)
    assert not await memo.take(token)
    assert await memo.pending(token, "unblock", Address) is None


async def test_a_confirmation_expires_with_the_clock() -> None:
    clock = Clock()
    memo = Memo(ttl=60, clock=clock)
    token = await memo.ask(PendingAction(1, "logout", "acc", None))
    clock.now += 59
    assert await memo.pending(token, "logout", type(None)) is not None
    clock.now += 2
    assert await memo.pending(token, "logout", type(None)) is None
    assert not await memo.take(token)


def test_a_sender_request_survives_json_whole() -> None:
    request = Request(
        name="Shop",
        comment="our shop",
        operators=["mts_step", "tele2"],
        user=None,
        document={"file_id": "F1", "filename": "tm.pdf", "content_type": "application/pdf"},
    )
    pending = PendingAction(-5, "addsender", "acc", request)
    assert decoded(encoded(pending), "addsender", Request) == pending


def test_an_unreadable_or_mismatched_value_reads_as_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pending = PendingAction(1, "unblock", "acc", Address("79990001122", False))
    assert decoded(encoded(pending), "delcontact", Address) is None
    assert decoded("not json", "unblock", Address) is None
    assert (
        decoded('{"action": "unblock", "chat_id": 1, "account": "a"}', "unblock", Address) is None
    )
    wrong_args = encoded(PendingAction(1, "unblock", "acc", {"value": 5}))
    caplog.clear()
    assert decoded(wrong_args, "unblock", Address) is None
    # Asked with one type and read with another is a bug: the log says which action.
    [record] = caplog.records
    assert (record.getMessage(), record.__dict__["action"]) == (
        "pending action unreadable",
        "unblock",
    )


class Replicated:
    """A store two memos share, as two replicas share Redis."""

    def __init__(self, store: LocalTokens) -> None:
        self.store = store

    async def put(self, value: str, ttl: float, token: str | None = None) -> str:
        return await self.store.put(value, ttl, token)

    async def get(self, token: str) -> str | None:
        return await self.store.get(token)

    async def take(self, token: str) -> str | None:
        return await self.store.take(token)


async def test_a_shared_value_is_read_back_by_another_memo_as_its_type() -> None:
    store = LocalTokens(clock=Clock())
    here, there = Memo(shared=Replicated(store)), Memo(shared=Replicated(store))
    address = Address("a@example.org", True)
    token = await here.share(address, lambda: typed_json(address))
    assert here.get(token, Address) is address  # the showing replica keeps the object itself
    assert await there.recall(token, Address) == address
    assert await there.recall(token, CardTarget) is None  # forged into another kind of button


async def test_without_replicas_nothing_is_encoded() -> None:
    memo = Memo(clock=Clock())
    address = Address("79990001122", False)

    def never() -> object:
        raise AssertionError("encoded for nobody")

    token = await memo.share(address, never)
    assert await memo.recall(token, Address) is address
    assert await memo.shared_json(token) is None
