"""The limiter on its own, with a clock the test controls."""

from __future__ import annotations

import asyncio

import pytest

from bot.smsc import ClientRateLimitError, RateLimiter
from bot.smsc.policy import Operation


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_fourth_identical_request_in_a_window_is_refused_until_the_window_passes() -> None:
    clock = Clock()
    limiter = RateLimiter(window=60, clock=clock)
    rules = Operation.build("phones", "get", {"get": "1"}).limits()
    for _ in range(3):
        async with limiter.acquire("login:a", rules, max_wait=0):
            clock.now += 1
    with pytest.raises(ClientRateLimitError) as caught:
        async with limiter.acquire("login:a", rules, max_wait=0):
            pass
    # The first answer arrived at 101: the window reopens at 161, 58 s from now (103).
    assert caught.value.retry_after == 58
    clock.now = 161.0
    async with limiter.acquire("login:a", rules, max_wait=0):
        pass


async def test_other_logins_and_other_requests_are_not_held_back() -> None:
    clock = Clock()
    limiter = RateLimiter(window=60, clock=clock)
    same = Operation.build("phones", "get", {"get": "1"}).limits()
    for _ in range(3):
        async with limiter.acquire("login:a", same, max_wait=0):
            pass
    async with limiter.acquire("login:b", same, max_wait=0):
        pass
    other = Operation.build("phones", "get", {"get": "1", "search": "x"}).limits()
    async with limiter.acquire("login:a", other, max_wait=0):
        pass


async def test_documents_create_allows_one_a_window_whatever_the_params() -> None:
    clock = Clock()
    limiter = RateLimiter(window=60, clock=clock)
    first = Operation.build("documents", "add_account", {"user": "a", "sum": "1"})
    second = Operation.build("documents", "add_account", {"user": "b", "sum": "2"})
    async with limiter.acquire("login:a", first.limits(), max_wait=0):
        pass
    with pytest.raises(ClientRateLimitError):
        async with limiter.acquire("login:a", second.limits(), max_wait=0):
            pass


async def test_balance_allows_ten() -> None:
    limiter = RateLimiter(window=60, clock=Clock())
    rules = Operation.build("balance", "", {"cur": "1"}).limits()
    for _ in range(10):
        async with limiter.acquire("login:a", rules, max_wait=0):
            pass
    with pytest.raises(ClientRateLimitError):
        async with limiter.acquire("login:a", rules, max_wait=0):
            pass


async def test_in_flight_requests_count_and_waiters_wake_on_completion() -> None:
    limiter = RateLimiter(window=0.05)
    rules = Operation.build("phones", "get", {"get": "1"}).limits()
    release = asyncio.Event()
    entered = 0

    async def hold() -> None:
        nonlocal entered
        async with limiter.acquire("login:a", rules):
            entered += 1
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(3)]
    while entered < 3:
        await asyncio.sleep(0)
    with pytest.raises(ClientRateLimitError):
        async with limiter.acquire("login:a", rules, max_wait=0):
            pass
    late = asyncio.create_task(hold())
    await asyncio.sleep(0)
    assert entered == 3
    release.set()
    await asyncio.gather(*holders, late)
    assert entered == 4


async def test_concurrency_cap() -> None:
    limiter = RateLimiter(window=60, max_concurrent=2)
    gate = asyncio.Event()
    peak = 0

    async def one(n: int) -> None:
        nonlocal peak
        rules = Operation.build("phones", "get", {"n": str(n)}).limits()
        async with limiter.acquire("login:a", rules):
            peak = max(peak, limiter.in_flight("login:a"))
            await gate.wait()

    tasks = [asyncio.create_task(one(n)) for n in range(5)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert limiter.in_flight("login:a") == 2
    gate.set()
    await asyncio.gather(*tasks)
    assert peak == 2
    assert limiter.in_flight("login:a") == 0
