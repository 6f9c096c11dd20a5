"""The limiter on its own, with a clock the test controls."""

from __future__ import annotations

import asyncio

import pytest

from bot.smsc import (
    AddressBlockedError,
    ClientRateLimitError,
    Credentials,
    Endpoint,
    IpBlockedError,
    RateLimiter,
    RateLimitError,
    Region,
)
from bot.smsc.address_gate import AddressBlock
from bot.smsc.credentials import Account
from bot.smsc.failures import Failure
from bot.smsc.limiter import Stamp
from bot.smsc.policy import Operation

KEY = bytes(range(32))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_fourth_identical_request_in_a_window_is_refused_until_the_window_passes() -> None:
    clock = Clock()
    limiter = RateLimiter(window=60, clock=clock)
    rules = Operation.build("phones", "get", {"get": "1"}, names_key=KEY).limits()
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
    same = Operation.build("phones", "get", {"get": "1"}, names_key=KEY).limits()
    for _ in range(3):
        async with limiter.acquire("login:a", same, max_wait=0):
            pass
    async with limiter.acquire("login:b", same, max_wait=0):
        pass
    other = Operation.build("phones", "get", {"get": "1", "search": "x"}, names_key=KEY).limits()
    async with limiter.acquire("login:a", other, max_wait=0):
        pass


async def test_documents_create_allows_one_a_window_whatever_the_params() -> None:
    clock = Clock()
    limiter = RateLimiter(window=60, clock=clock)
    first = Operation.build("documents", "add_account", {"user": "a", "sum": "1"}, names_key=KEY)
    second = Operation.build("documents", "add_account", {"user": "b", "sum": "2"}, names_key=KEY)
    async with limiter.acquire("login:a", first.limits(), max_wait=0):
        pass
    with pytest.raises(ClientRateLimitError):
        async with limiter.acquire("login:a", second.limits(), max_wait=0):
            pass


async def test_balance_allows_ten() -> None:
    limiter = RateLimiter(window=60, clock=Clock())
    rules = Operation.build("balance", "", {"cur": "1"}, names_key=KEY).limits()
    for _ in range(10):
        async with limiter.acquire("login:a", rules, max_wait=0):
            pass
    with pytest.raises(ClientRateLimitError):
        async with limiter.acquire("login:a", rules, max_wait=0):
            pass


async def test_in_flight_requests_count_and_waiters_wake_on_completion() -> None:
    limiter = RateLimiter(window=0.05)
    rules = Operation.build("phones", "get", {"get": "1"}, names_key=KEY).limits()
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
        rules = Operation.build("phones", "get", {"n": str(n)}, names_key=KEY).limits()
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


async def test_with_requests_waiting_a_newcomer_queues_behind_them() -> None:
    """Free slots are taken at once only while nobody waits; waiters are served in order,
    and after the last one the account takes free slots at once again."""
    limiter = RateLimiter(window=60, max_concurrent=1)
    release = [asyncio.Event() for _ in range(4)]
    order: list[int] = []

    async def one(n: int) -> None:
        rules = Operation.build("phones", "get", {"n": str(n)}, names_key=KEY).limits()
        async with limiter.acquire("login:a", rules):
            order.append(n)
            await release[n].wait()

    first = asyncio.create_task(one(0))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(one(n)) for n in (1, 2)]
    for _ in range(3):
        await asyncio.sleep(0)
    release[0].set()
    await first
    late = asyncio.create_task(one(3))  # arrives while 1 holds the slot and 2 still waits
    for n in (1, 2, 3):
        for _ in range(5):
            await asyncio.sleep(0)
        release[n].set()
    await asyncio.gather(*waiting, late)
    assert order == [0, 1, 2, 3]
    assert limiter.in_flight("login:a") == 0
    rules = Operation.build("phones", "get", {"n": "again"}, names_key=KEY).limits()
    async with limiter.acquire("login:a", rules, max_wait=0):
        assert limiter.in_flight("login:a") == 1


class Journal:
    def __init__(self) -> None:
        self.stamps: list[Stamp] = []
        self.blocks: list[AddressBlock] = []
        self.failures: list[Failure] = []

    def stamped(self, stamp: Stamp) -> None:
        self.stamps.append(stamp)

    def address(self, block: AddressBlock) -> None:
        self.blocks.append(block)

    def failed(self, failure: Failure) -> None:
        self.failures.append(failure)


def refused(text: str = "duplicate request, wait a minute") -> RateLimitError:
    return RateLimitError(text, script="phones")


async def test_error_9_fills_the_window_and_halves_concurrency_for_a_while() -> None:
    clock = Clock()
    limiter = RateLimiter(window=60, max_concurrent=14, clock=clock, reduced_for=300)
    rules = Operation.build("phones", "get", {"get": "1"}, names_key=KEY).limits()
    with pytest.raises(RateLimitError) as caught:
        async with limiter.acquire("smsc.ru|login:a", rules, max_wait=0):
            raise refused()
    assert caught.value.retry_after == 60
    # Our own count said one request; the provider's said too many: its word wins.
    clock.now += 59
    with pytest.raises(ClientRateLimitError) as held:
        async with limiter.acquire("smsc.ru|login:a", rules, max_wait=0):
            pass
    assert held.value.retry_after == 1
    assert limiter.concurrency("smsc.ru|login:a") == 7
    clock.now += 1
    async with limiter.acquire("smsc.ru|login:a", rules, max_wait=0):
        pass
    clock.now += 300
    assert limiter.concurrency("smsc.ru|login:a") == 14


async def test_the_lowered_cap_holds_requests_back() -> None:
    limiter = RateLimiter(window=60, max_concurrent=2, reduced_for=300)
    bucket = "smsc.ru|login:a"
    with pytest.raises(RateLimitError):
        async with limiter.acquire(
            bucket, Operation.build("phones", "get", {}, names_key=KEY).limits()
        ):
            raise refused("too many concurrent requests")
    assert limiter.concurrency(bucket) == 1
    release = asyncio.Event()

    async def hold() -> None:
        async with limiter.acquire(
            bucket, Operation.build("phones", "get", {"n": "1"}, names_key=KEY).limits()
        ):
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    with pytest.raises(ClientRateLimitError):
        async with limiter.acquire(
            bucket, Operation.build("phones", "get", {"n": "2"}, names_key=KEY).limits(), max_wait=0
        ):
            pass
    release.set()
    await holder


async def test_error_4_holds_every_account_on_the_site_back_then_one_request_probes() -> None:
    clock = Clock()
    journal = Journal()
    limiter = RateLimiter(window=60, clock=clock, address_backoff=600, journal=journal)
    rules = Operation.build("balance", "", {}, names_key=KEY).limits()
    with pytest.raises(IpBlockedError) as caught:
        async with limiter.acquire("smsc.ru|login:a", rules, site="smsc.ru"):
            raise IpBlockedError("IP temporarily blocked", script="balance")
    assert caught.value.retry_after == 600
    for other in ("smsc.ru|login:b", "smsc.ru|apikey:0123"):
        with pytest.raises(AddressBlockedError) as blocked:
            async with limiter.acquire(other, rules, site="smsc.ru"):
                raise AssertionError("nothing may be sent")
        assert blocked.value.retry_after == 600
    async with limiter.acquire("smsc.kz|login:a", rules, site="smsc.kz"):
        pass  # another site is another address block
    assert journal.blocks[-1].site == "smsc.ru"
    assert journal.blocks[-1].backoff == 600

    clock.now += 600
    probe_started = asyncio.Event()
    finish_probe = asyncio.Event()

    async def probe() -> None:
        with pytest.raises(IpBlockedError):
            async with limiter.acquire("smsc.ru|login:b", rules, site="smsc.ru"):
                probe_started.set()
                await finish_probe.wait()
                raise IpBlockedError("IP temporarily blocked", script="balance")

    probing = asyncio.create_task(probe())
    await probe_started.wait()
    with pytest.raises(AddressBlockedError):
        async with limiter.acquire("smsc.ru|login:c", rules, site="smsc.ru"):
            raise AssertionError("only the probe goes out")
    finish_probe.set()
    await probing
    assert limiter.address_blocked_for("smsc.ru") == 1200  # blocked again: twice as long

    clock.now += 1200
    async with limiter.acquire("smsc.ru|login:c", rules, site="smsc.ru"):
        pass  # the probe is answered: the block is lifted for everyone
    async with limiter.acquire("smsc.ru|login:a", rules, site="smsc.ru"):
        pass
    assert journal.blocks[-1].until == 0


async def test_a_probe_without_an_answer_lets_the_next_request_probe() -> None:
    clock = Clock()
    limiter = RateLimiter(window=60, clock=clock, address_backoff=10)
    rules = Operation.build("balance", "", {}, names_key=KEY).limits()
    with pytest.raises(IpBlockedError):
        async with limiter.acquire("smsc.ru|login:a", rules, site="smsc.ru"):
            raise IpBlockedError("blocked", script="balance")
    clock.now += 10
    with pytest.raises(ConnectionError):
        async with limiter.acquire("smsc.ru|login:a", rules, site="smsc.ru"):
            raise ConnectionError
    assert limiter.address_blocked_for("smsc.ru") == 0
    async with limiter.acquire("smsc.ru|login:a", rules, site="smsc.ru"):
        pass


async def test_windows_and_blocks_survive_a_restart_through_the_journal() -> None:
    clock, wall = Clock(), Clock()
    wall.now = 1_800_000_000.0
    journal = Journal()
    rules = Operation.build("phones", "get_black", {}, names_key=KEY).limits()
    before = RateLimiter(window=60, clock=clock, wall=wall, journal=journal)
    for _ in range(3):
        async with before.acquire("smsc.ru|login:a", rules, max_wait=0, site="smsc.ru"):
            clock.now += 1
            wall.now += 1
    assert [s.rule for s in journal.stamps] == [rules[0][0]] * 3
    # A new process: its monotonic clock starts elsewhere; the wall clock goes on.
    clock.now, wall.now = 5.0, wall.now + 10
    after = RateLimiter(window=60, clock=clock, wall=wall)
    assert after.restore(journal.stamps) == 3
    with pytest.raises(ClientRateLimitError) as caught:
        async with after.acquire("smsc.ru|login:a", rules, max_wait=3, site="smsc.ru"):
            raise AssertionError("a fourth identical request within the minute")
    assert caught.value.retry_after == 48  # the first answer came 12 s ago
    blocked = RateLimiter(window=60, clock=clock, wall=wall)
    blocked.restore([], [AddressBlock("smsc.ru", wall.now + 300, 600)])
    with pytest.raises(AddressBlockedError) as gate:
        async with blocked.acquire("smsc.ru|login:z", rules, site="smsc.ru"):
            pass
    assert gate.value.retry_after == 300


async def test_stamps_older_than_a_window_are_not_restored() -> None:
    wall = Clock()
    limiter = RateLimiter(window=60, clock=Clock(), wall=wall)
    old = Stamp("smsc.ru|login:a", "same:x", 3, wall.now - 61)
    assert limiter.restore([old, old, old]) == 0


@pytest.mark.parametrize(
    "url", ["https://smsc.ru", "https://SMSC.ru/", "https://www2.smsc.ru", "https://smsc.ru:443"]
)
def test_one_account_one_name_however_its_address_is_written(url: str) -> None:
    ru = Endpoint.for_region(Region.RU)
    assert (
        Account.of(Endpoint(url), Credentials("demo", "pw"), KEY).key
        == Account.of(ru, Credentials("demo", "pw"), KEY).key
    )
    assert (
        Account.of(Endpoint(url), Credentials("demo", "pw"), KEY).key
        != Account.of(Endpoint.for_region(Region.KZ), Credentials("demo", "pw"), KEY).key
    )


@pytest.mark.parametrize(
    "other",
    [
        Credentials("demo", "other-pw"),  # the same login with another (a stale) password
        Credentials("Demo", "pw"),  # another login, as far as anyone here can know
        Credentials("demo", apikey="pw"),  # the same secret as an API key
        Credentials("pw", "demo"),  # login and password swapped
    ],
)
def test_an_account_is_its_credentials_secret_included(other: Credentials) -> None:
    ru = Endpoint.for_region(Region.RU)
    assert Account.of(ru, Credentials("demo", "pw"), KEY).key != Account.of(ru, other, KEY).key


def test_an_account_name_is_keyed_and_shows_no_secret() -> None:
    ru = Endpoint.for_region(Region.RU)
    named = Account.of(ru, Credentials("demo", "Summer2024"), KEY)
    assert "Summer2024" not in named.key
    assert "demo" not in named.key
    assert "Summer2024" not in repr(named)
    # Without the key, a dictionary of passwords cannot be checked against the stored name.
    assert named.key != Account.of(ru, Credentials("demo", "Summer2024"), bytes(32)).key


def test_request_names_are_keyed() -> None:
    ask = {"get_black": "1", "phone": "79161234567"}
    one = Operation.build("phones", "get_black", ask, names_key=KEY)
    assert one.key == Operation.build("phones", "get_black", ask, names_key=KEY).key
    assert one.key != Operation.build("phones", "get_black", ask, names_key=bytes(32)).key
