"""The memo's confirmations in one process: typed values through JSON, taken once, expired by
the clock the memo is given."""

from __future__ import annotations

import pytest

from handlers.memo import Memo, PendingAction, decoded, encoded
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
