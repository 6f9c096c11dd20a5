"""Every documented error code, every answer form and every transport fault, over HTTP."""

from __future__ import annotations

import socket

import httpx
import pytest

from bot.sandbox import Fault, SandboxServer
from bot.smsc import (
    AddressBlockedError,
    BadParametersError,
    ClientRateLimitError,
    Credentials,
    Endpoint,
    IpBlockedError,
    RateLimiter,
    RateLimitError,
    SmscApiError,
    SmscBadResponseError,
    SmscClient,
    SmscConnectionError,
    SmscHttpError,
    SmscTimeoutError,
    SmscTransport,
    SmscTransportError,
    UnknownApiError,
)
from bot.smsc import errors as smsc_errors
from tests.conftest import LOGIN, PASSWORD, RATE_WINDOW

DOCUMENTED = {
    1: smsc_errors.BadParametersError,
    2: smsc_errors.AuthenticationError,
    3: smsc_errors.NotFoundError,
    4: smsc_errors.IpBlockedError,
    5: smsc_errors.OperationFailedError,
    7: smsc_errors.InvalidPhoneError,
    8: smsc_errors.CodeUndeliverableError,
    9: smsc_errors.RateLimitError,
    10: smsc_errors.CodeAlreadySentError,
    11: smsc_errors.WrongCodeError,
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.parametrize(("code", "cls"), sorted(DOCUMENTED.items()))
@pytest.mark.parametrize("form", [0, 3], ids=["plain", "json"])
async def test_each_error_code_maps_to_its_class(
    client: SmscClient, sandbox: SandboxServer, code: int, cls: type[SmscApiError], form: int
) -> None:
    sandbox.set_fault(Fault("error", code=code, fmt=form))
    with pytest.raises(cls) as caught:
        await client.phones.block("79160000001")
    assert caught.value.code == code
    assert caught.value.script == "phones"
    assert caught.value.text
    assert PASSWORD not in str(caught.value)


async def test_unknown_code_is_kept(client: SmscClient, sandbox: SandboxServer) -> None:
    sandbox.set_fault(Fault("error", code=42))
    with pytest.raises(UnknownApiError) as caught:
        await client.balance()
    assert caught.value.code == 42


async def test_error_3_on_a_list_is_empty_but_on_a_write_is_an_error(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    sandbox.set_fault(Fault("error", code=3))
    assert await client.downloads.list() == []
    assert await client.senders.list() == []
    with pytest.raises(smsc_errors.NotFoundError):
        await client.phones.unblock("79160000001")


async def test_bad_parameters_from_the_sandbox(client: SmscClient) -> None:
    with pytest.raises(BadParametersError):
        await client.phones.block("not-a-phone")


async def test_http_500_garbage_and_reset(client: SmscClient, sandbox: SandboxServer) -> None:
    sandbox.set_fault(Fault("http500"))
    with pytest.raises(SmscHttpError) as http:
        await client.balance()
    assert http.value.status == 500
    sandbox.set_fault(Fault("garbage"))
    with pytest.raises(SmscBadResponseError):
        await client.phones.groups()
    with pytest.raises(SmscBadResponseError):
        await client.documents.get_invoice(101, user="client1")
    sandbox.set_fault(Fault("reset"))
    with pytest.raises(SmscTransportError):
        await client.senders.list()


async def test_slow_answer_times_out(sandbox: SandboxServer) -> None:
    sandbox.set_fault(Fault("slow", delay=0.2))
    async with SmscTransport(timeout=httpx.Timeout(0.05)) as quick:
        client = SmscClient(quick, Credentials(LOGIN, PASSWORD), Endpoint(sandbox.base_url))
        with pytest.raises(SmscTimeoutError):
            await client.balance()
    # An answered-but-late request is never repeated on another host.
    assert len([r for r in sandbox.requests if r.script == "balance"]) == 1


async def test_connection_refused_without_backup(transport: SmscTransport) -> None:
    client = SmscClient(
        transport, Credentials(LOGIN, PASSWORD), Endpoint(f"http://127.0.0.1:{closed_port()}")
    )
    with pytest.raises(SmscConnectionError) as caught:
        await client.balance()
    assert PASSWORD not in str(caught.value)


async def test_connection_error_retries_once_on_the_backup_host(
    transport: SmscTransport, sandbox: SandboxServer
) -> None:
    endpoint = Endpoint(f"http://127.0.0.1:{closed_port()}", backups=(sandbox.base_url,))
    client = SmscClient(transport, Credentials(LOGIN, PASSWORD), endpoint)
    # A write is safe to repeat here: the first host never received it.
    entry_id = await client.phones.block("79160000041")
    assert entry_id in sandbox.state.accounts[LOGIN].phones.blacklist
    assert [r.action for r in sandbox.requests] == ["add_black"]


async def test_regions_have_the_documented_hosts() -> None:
    assert Endpoint.for_region("ru").hosts == ("https://smsc.ru", "https://www2.smsc.ru")
    assert Endpoint.for_region("ua").hosts == ("https://smsc.ua",)
    assert Endpoint.for_region("kz").backups == ("https://www2.smsc.kz",)
    assert Endpoint.for_region("com").base_url == "https://smscentre.com"
    with pytest.raises(ValueError, match="http"):
        Endpoint("smsc.example")


async def test_error_4_holds_every_login_on_the_address_back_without_sending(
    transport: SmscTransport, sandbox: SandboxServer
) -> None:
    sandbox.state.add_account("second", "pw2")
    first = SmscClient(transport, Credentials(LOGIN, PASSWORD), Endpoint(sandbox.base_url))
    # The same server written another way, and another login: one address, one block.
    second = SmscClient(transport, Credentials("second", "pw2"), Endpoint(sandbox.base_url + "/"))
    sandbox.block_address("127.0.0.1", 30)
    with pytest.raises(IpBlockedError) as caught:
        await first.balance()
    assert caught.value.retry_after == 600
    sent = len(sandbox.requests)
    for client in (first, second):
        with pytest.raises(AddressBlockedError) as held:
            await client.phones.groups()
        assert 590 <= held.value.retry_after <= 600
    assert len(sandbox.requests) == sent


async def test_after_the_back_off_one_request_probes_and_lifts_the_block(
    sandbox: SandboxServer,
) -> None:
    now = [1000.0]
    limiter = RateLimiter(window=RATE_WINDOW, address_backoff=600, clock=lambda: now[0])
    async with SmscTransport(limiter=limiter) as transport:
        client = SmscClient(transport, Credentials(LOGIN, PASSWORD), Endpoint(sandbox.base_url))
        sandbox.block_address("127.0.0.1", 30)
        with pytest.raises(IpBlockedError):
            await client.balance()
        now[0] += 601
        with pytest.raises(IpBlockedError):
            await client.balance()  # the probe: still blocked, so the back-off doubles
        assert limiter.address_blocked_for(Endpoint(sandbox.base_url).site) == 1200
        sandbox.unblock_address("127.0.0.1")
        now[0] += 1201
        assert (await client.balance()).balance
        assert await client.phones.groups()


async def test_error_9_is_not_repeated_within_the_window(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    sandbox.set_fault(Fault("error", code=9))
    with pytest.raises(RateLimitError) as caught:
        await client.phones.groups()
    assert caught.value.retry_after == 1  # the window, RATE_WINDOW, rounded up
    sandbox.clear_faults()
    sent = len(sandbox.requests)
    hurried = SmscClient(client.transport, client.credentials, client.endpoint, max_wait=0)
    with pytest.raises(ClientRateLimitError):
        await hurried.phones.groups()
    assert len(sandbox.requests) == sent
    limiter = client.transport.limiter
    assert isinstance(limiter, RateLimiter)
    assert limiter.concurrency(client.account.budget) == 7


async def test_a_write_cut_off_after_sending_is_not_repeated_on_the_backup(
    transport: SmscTransport, sandbox: SandboxServer
) -> None:
    async with SandboxServer(sandbox.state, rate_window=1.0) as backup:
        sandbox.set_fault(Fault("reset"))
        client = SmscClient(
            transport,
            Credentials(LOGIN, PASSWORD),
            Endpoint(sandbox.base_url, backups=(backup.base_url,)),
        )
        with pytest.raises(SmscTransportError) as caught:
            await client.phones.block("79160000071")
        assert not isinstance(caught.value, SmscConnectionError)
        assert [r.action for r in sandbox.requests] == ["add_black"]
        assert backup.requests == []
