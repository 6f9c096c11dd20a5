"""Credentials travel in POST bodies only, and never show in reprs or errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.sandbox import Fault, SandboxServer
from bot.smsc import Credentials, Endpoint, SmscClient, SmscError, SmscTransport
from tests.conftest import APIKEY, PASSWORD


async def test_no_credential_in_any_url_the_sandbox_saw(
    client: SmscClient, transport: SmscTransport, sandbox: SandboxServer
) -> None:
    by_key = SmscClient(transport, Credentials(apikey=APIKEY), Endpoint(sandbox.base_url))
    for each in (client, by_key):
        await each.balance()
        await each.phones.list(count=3)
        await each.phones.block("79160000061")
        await each.senders.list(operators=True, files=True)
        await each.downloads.get_file(task_id=1)
        await each.documents.get_act(act_id=201, user="client1")
    await client.documents.create_invoice(Decimal("1"), user="client1")
    sandbox.set_fault(Fault("http500"))
    with pytest.raises(SmscError) as caught:
        await client.balance()
    assert PASSWORD not in str(caught.value)
    assert len(sandbox.requests) >= 13
    for request in sandbox.requests:
        assert request.method == "POST"
        assert request.query == ""
        for secret in (PASSWORD, APIKEY, "psw", "apikey"):
            assert secret not in request.path
    assert all({"psw", "apikey"} & set(r.form_keys) for r in sandbox.requests)


def test_reprs_hide_secrets(client: SmscClient) -> None:
    for text in (repr(client), str(client.credentials), repr(Credentials(apikey=APIKEY))):
        assert PASSWORD not in text
        assert APIKEY not in text
    for account in (
        client.account,
        client.transport.account(client.endpoint, Credentials(apikey=APIKEY)),
    ):
        assert PASSWORD not in repr(account)
        assert APIKEY not in repr(account)
        assert APIKEY not in account.key
        assert PASSWORD not in account.key
