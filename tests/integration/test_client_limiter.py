"""The client keeps under the provider's limits, so the sandbox never answers error 9."""

from __future__ import annotations

import asyncio

import pytest

from bot.sandbox import Fault, SandboxServer
from bot.smsc import ClientRateLimitError, Credentials, Endpoint, SmscClient, SmscTransport
from tests.conftest import APIKEY, LOGIN, PASSWORD


async def test_burst_of_20_identical_lists_never_sees_error_9(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    for _ in range(20):
        assert await client.phones.groups()
    assert sandbox.error9_count == 0
    assert len([r for r in sandbox.requests if r.action == "get_group"]) == 20


async def test_concurrent_identical_reads_are_coalesced(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    sandbox.latency = 0.05
    results = await asyncio.gather(*(client.senders.list(operators=True) for _ in range(20)))
    assert all(result == results[0] for result in results)
    assert len([r for r in sandbox.requests if r.script == "senders"]) == 1


async def test_in_flight_requests_stay_under_15_per_login(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    sandbox.latency = 0.05
    searches = [client.phones.list(search=f"name{n}") for n in range(40)]
    await asyncio.gather(*searches)
    assert 1 < sandbox.peak_in_flight(LOGIN) <= 14
    assert sandbox.error9_count == 0


async def test_concurrency_limit_is_per_login(
    transport: SmscTransport, sandbox: SandboxServer
) -> None:
    sandbox.state.add_account("second", "pw2")
    sandbox.latency = 0.05
    first = SmscClient(transport, Credentials(LOGIN, PASSWORD), Endpoint(sandbox.base_url))
    second = SmscClient(transport, Credentials("second", "pw2"), Endpoint(sandbox.base_url))
    calls = [c.phones.list(search=f"x{n}") for n in range(20) for c in (first, second)]
    await asyncio.gather(*calls)
    assert sandbox.peak_in_flight(LOGIN) <= 14
    assert sandbox.peak_in_flight("second") <= 14
    assert sandbox.error9_count == 0


async def test_identical_write_fails_fast_with_retry_hint(
    transport: SmscTransport, sandbox: SandboxServer
) -> None:
    hurried = SmscClient(
        transport, Credentials(apikey=APIKEY), Endpoint(sandbox.base_url), max_wait=0
    )
    for _ in range(3):
        await hurried.phones.block("79160000051")
    with pytest.raises(ClientRateLimitError) as caught:
        await hurried.phones.block("79160000051")
    assert caught.value.retry_after == 1
    # A different request is not held back by the identical ones.
    await hurried.phones.block("79160000052")
    assert sandbox.error9_count == 0


async def test_writes_are_never_coalesced(client: SmscClient, sandbox: SandboxServer) -> None:
    sandbox.latency = 0.05
    await asyncio.gather(client.phones.add_group("A"), client.phones.add_group("B"))
    assert len([r for r in sandbox.requests if r.action == "add_group"]) == 2


def senders_requests(sandbox: SandboxServer) -> int:
    return len([r for r in sandbox.requests if r.script == "senders"])


async def test_a_shared_read_survives_the_caller_that_sent_it_being_stopped(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    # The first caller sends the request for all; stopped while SMSC holds it, one of the
    # others sends it again, and every other caller still gets its answer, not a cancellation.
    sandbox.latency = 0.2
    first = asyncio.ensure_future(client.senders.list(operators=True))
    await asyncio.sleep(0)  # it has sent the request and waits for the answer
    others = [asyncio.ensure_future(client.senders.list(operators=True)) for _ in range(5)]
    while not senders_requests(sandbox):  # the sandbox has it: latency stands between
        await asyncio.sleep(0)
    first.cancel()
    results = await asyncio.gather(*others)
    assert first.cancelled()
    assert all(result == results[0] for result in results)
    assert senders_requests(sandbox) == 2


async def test_a_caller_stopped_while_waiting_for_a_shared_read_stops_only_itself(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    sandbox.latency = 0.05
    first = asyncio.ensure_future(client.senders.list(operators=True))
    await asyncio.sleep(0)
    waiting = asyncio.ensure_future(client.senders.list(operators=True))
    await asyncio.sleep(0)  # it waits for the first one's answer
    waiting.cancel()
    assert [sender.name for sender in await first]
    assert waiting.cancelled()
    assert senders_requests(sandbox) == 1


async def test_a_shared_read_that_fails_fails_for_every_caller(
    client: SmscClient, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.set_fault(Fault("http500", delay=0.05))
    outcomes = await asyncio.gather(
        *(client.senders.list(operators=True) for _ in range(3)), return_exceptions=True
    )
    assert [type(outcome).__name__ for outcome in outcomes] == ["SmscHttpError"] * 3
    assert senders_requests(sandbox) == 1
    assert "never retrieved" not in caplog.text
