"""What failing answers teach the limiter, on a clock the test controls: rejected credentials
rest, an account that keeps failing is held, and a site nears SMSC's address block only so far."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.smsc import (
    AuthenticationError,
    CredentialsRejectedError,
    FailuresHeldError,
    NotFoundError,
    OperationFailedError,
    RateLimiter,
)
from bot.smsc.failures import Failure, FailureGates
from bot.smsc.policy import Operation

KEY = bytes(range(32))
RULES = Operation.build("balance", "", {"cur": "1"}, names_key=KEY).limits()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limiter_with(clock: Clock, **gates: int | float) -> RateLimiter:
    failures = FailureGates(60, clock, wall=clock, **gates)  # type: ignore[arg-type]
    return RateLimiter(window=60, clock=clock, failures=failures)


def wrong() -> AuthenticationError:
    return AuthenticationError("invalid login or password", script="balance")


def not_found_task() -> OperationFailedError:
    return OperationFailedError("task not found", script="downloads")


async def send(
    limiter: RateLimiter, who: str, error: Exception | None = None, **options: object
) -> None:
    """One request of ``who`` (its own bucket), answered with ``error`` or a success."""
    async with limiter.acquire(who, RULES, site="smsc.ru", who=who, **options):  # type: ignore[arg-type]
        if error is not None:
            raise error


async def test_rejected_credentials_are_not_sent_again_for_a_while() -> None:
    clock = Clock()
    limiter = limiter_with(clock, rejected_for=300)
    with pytest.raises(AuthenticationError):
        await send(limiter, "stale", wrong())
    clock.now += 100
    with pytest.raises(CredentialsRejectedError) as caught:
        await send(limiter, "stale", AssertionError("nothing may be sent"))
    assert caught.value.retry_after == 200
    assert isinstance(caught.value, AuthenticationError)  # told as error 2 everywhere
    await send(limiter, "valid")  # the same login's right password: another account
    clock.now += 200
    await send(limiter, "stale")  # tried again after the rest


async def test_a_request_waiting_for_a_slot_is_not_sent_once_its_credentials_are_rejected() -> None:
    clock = Clock()
    limiter = RateLimiter(window=60, max_concurrent=1, clock=clock)
    first_sent = asyncio.Event()
    answer = asyncio.Event()

    async def first() -> None:
        with pytest.raises(AuthenticationError):
            async with limiter.acquire("acme", RULES, site="smsc.ru", who="stale"):
                first_sent.set()
                await answer.wait()
                raise wrong()

    sending = asyncio.create_task(first())
    await first_sent.wait()

    async def second() -> None:
        async with limiter.acquire("acme", RULES, site="smsc.ru", who="stale"):
            raise AssertionError("nothing may be sent")

    queued = asyncio.create_task(second())
    await asyncio.sleep(0)  # queued behind the concurrency cap of one
    answer.set()
    await sending
    with pytest.raises(CredentialsRejectedError):
        await queued
    await send(limiter, "acme")  # the slot it held is free again


async def test_an_account_that_keeps_failing_is_held_and_the_others_go_on() -> None:
    clock = Clock()
    limiter = limiter_with(clock, account_failures=5)
    await send(limiter, "member")  # known to work
    for _ in range(5):
        with pytest.raises(OperationFailedError):
            await send(limiter, "member", not_found_task())
        clock.now += 1
    with pytest.raises(FailuresHeldError) as caught:
        await send(limiter, "member", AssertionError("nothing may be sent"))
    assert not caught.value.whole_site
    assert caught.value.retry_after == 55  # the first failure, at 100, leaves at 160
    await send(limiter, "teammate")
    with pytest.raises(NotFoundError):
        # "No records" is an answer, not a failure: it never holds anyone.
        await send(limiter, "teammate", NotFoundError("no records", script="phones"))
    clock.now += 55
    await send(limiter, "member")


async def test_a_site_near_its_limit_holds_the_unknown_and_past_it_everyone() -> None:
    clock = Clock()
    limiter = limiter_with(clock, site_failures=4, site_ceiling=6, account_failures=100)
    await send(limiter, "known")
    for guess in range(3):
        with pytest.raises(AuthenticationError):
            await send(limiter, f"guess{guess}", wrong(), untried=True)
    # One more unknown may go; while it is in flight it counts as a failure, and another
    # unknown one waits for it.
    trying = limiter.acquire("guess3", RULES, site="smsc.ru", who="guess3", untried=True)
    await trying.__aenter__()
    waiting = asyncio.create_task(send(limiter, "stale-chat", AssertionError("never sent")))
    await asyncio.sleep(0)
    assert not waiting.done()
    with pytest.raises(AuthenticationError):
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_exit(trying)
            raise wrong()
    # That one failed too: four failures, no room left for the unknown.
    with pytest.raises(FailuresHeldError) as caught:
        await waiting
    assert caught.value.whole_site
    # Accounts known to work go on, until the ceiling.
    await send(limiter, "known")
    for _ in range(2):
        with pytest.raises(OperationFailedError):
            await send(limiter, "known", not_found_task())
    with pytest.raises(FailuresHeldError):
        await send(limiter, "known", AssertionError("nothing may be sent"))
    clock.now += 60
    await send(limiter, "owner", untried=True)


async def test_a_request_that_never_got_an_answer_teaches_nothing() -> None:
    limiter = limiter_with(Clock(), site_failures=1, account_failures=1)
    for _ in range(3):
        with pytest.raises(ConnectionError):
            await send(limiter, "a", ConnectionError(), untried=True)
    await send(limiter, "a", untried=True)


async def test_failures_and_rejections_survive_a_restart_through_the_journal() -> None:
    clock = Clock()
    kept: list[Failure] = []
    gates = FailureGates(60, clock, wall=clock, rejected_for=300, journal=kept.append)
    before = RateLimiter(window=60, clock=clock, failures=gates)
    with pytest.raises(AuthenticationError):
        await send(before, "stale", wrong())
    for _ in range(4):
        with pytest.raises(OperationFailedError):
            await send(before, "member", not_found_task())
    assert [f.code for f in kept] == [2, 5, 5, 5, 5]
    clock.now += 30
    after = limiter_with(clock, rejected_for=300, account_failures=5)
    after.restore([], [], kept)
    with pytest.raises(CredentialsRejectedError):
        await send(after, "stale", AssertionError("nothing may be sent"))
    with pytest.raises(OperationFailedError):
        await send(after, "member", not_found_task())
    with pytest.raises(FailuresHeldError):
        await send(after, "member", AssertionError("nothing may be sent"))
