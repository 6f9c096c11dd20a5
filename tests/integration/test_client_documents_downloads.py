"""documents.php, downloads.php and balance.php through the client."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.state import SbAct
from bot.smsc import (
    AuthenticationError,
    ClientRateLimitError,
    Credentials,
    Endpoint,
    FileTooLargeError,
    NotFoundError,
    OperationFailedError,
    SmscClient,
    SmscTransport,
    SubClientNotFoundError,
    TaskStatus,
)
from tests.conftest import APIKEY, LOGIN


async def test_create_invoice_parses_the_multipart_answer(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    invoice = await client.documents.create_invoice(
        Decimal("1234.5"), user="client1", service="SMS November"
    )
    stored = sandbox.state.accounts[LOGIN].invoices[invoice.id]
    assert stored.sum == Decimal("1234.50")
    assert invoice.sum == Decimal("1234.50")
    assert invoice.pdf.startswith(b"%PDF-1.4")
    assert invoice.pdf.rstrip().endswith(b"%%EOF")
    assert b"Invoice No. %d" % invoice.id in invoice.pdf
    assert "pdf=<" in repr(invoice)

    again = await client.documents.get_invoice(invoice.id, user="client1")
    assert again == invoice.pdf


async def test_second_invoice_within_a_minute_waits_or_fails_fast(
    client: SmscClient, transport: SmscTransport, sandbox: SandboxServer
) -> None:
    await client.documents.create_invoice(Decimal("10"), user="client1")
    hurried = SmscClient(transport, client.credentials, client.endpoint, max_wait=0)
    with pytest.raises(ClientRateLimitError) as caught:
        await hurried.documents.create_invoice(Decimal("20"), user="client2")
    assert caught.value.retry_after >= 1
    assert "try again in" in str(caught.value)
    # Waiting (the default) gets it through without the provider ever answering error 9.
    await client.documents.create_invoice(Decimal("20"), user="client2")
    assert sandbox.error9_count == 0


async def test_acts_by_id_and_by_number(client: SmscClient) -> None:
    by_id = await client.documents.get_act(act_id=201, user="client1")
    by_number = await client.documents.get_act(number="A-201", user_id=501)
    assert by_id.startswith(b"%PDF")
    assert by_id == by_number
    with pytest.raises(NotFoundError):
        await client.documents.get_act(act_id=999, user="client1")


async def test_a_digit_only_act_reference_not_found_as_an_id_is_tried_as_a_number(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    sandbox.state.accounts[LOGIN].acts[202] = SbAct(202, "123", "client1", Decimal("90.00"))
    sandbox.requests.clear()
    by_number = await client.documents.get_act_by_reference("123", user="client1")
    assert b"Act No. 123" in by_number
    asked = [(r.params.get("id"), r.params.get("num")) for r in sandbox.requests]
    assert asked == [("123", None), (None, "123")]
    # Found as an id: asked once.
    sandbox.requests.clear()
    assert b"Act No. A-201" in await client.documents.get_act_by_reference("201", user="client1")
    assert len(sandbox.requests) == 1
    assert b"Act No. A-201" in await client.documents.get_act_by_reference("A-201", user="client1")
    with pytest.raises(NotFoundError):
        await client.documents.get_act_by_reference("999", user="client1")


async def test_an_unknown_sub_client_is_told_from_a_missing_document(client: SmscClient) -> None:
    with pytest.raises(SubClientNotFoundError) as caught:
        await client.documents.create_invoice(Decimal("5"), user="stranger")
    assert caught.value.code == 6
    with pytest.raises(SubClientNotFoundError):
        await client.documents.get_invoice(101, user="stranger")
    with pytest.raises(SubClientNotFoundError):
        await client.documents.get_act(act_id=201, user_id=999)
    # The sub-client exists; the invoice is another's.
    with pytest.raises(NotFoundError):
        await client.documents.get_invoice(101, user="client2")


async def test_download_tasks_in_every_status(client: SmscClient) -> None:
    tasks = await client.downloads.list()
    assert {t.status for t in tasks} == set(TaskStatus)
    done = [t for t in tasks if t.status is TaskStatus.DONE]
    assert all(t.file.endswith(".csv") for t in done)
    later = await client.downloads.list(after_id=tasks[1].id, count=2)
    assert [t.id for t in later] == [tasks[2].id, tasks[3].id]


async def test_the_whole_task_list_is_read_page_by_page(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    for n in range(2300):
        sandbox.state.add_task(LOGIN, f"export_{n}", status=2, size=10)
    sandbox.requests.clear()
    listing = await client.downloads.listing()
    ids = [task.id for task in listing.records()]
    assert len(ids) == len(sandbox.state.accounts[LOGIN].tasks)
    assert ids == sorted(ids)
    assert [r.action for r in sandbox.requests] == ["get_list"] * 3
    # A short list is one answer, read once.
    sandbox.state.accounts[LOGIN].tasks = dict(
        list(sandbox.state.accounts[LOGIN].tasks.items())[:4]
    )
    sandbox.requests.clear()
    assert len((await client.downloads.listing()).records()) == 4
    assert len(sandbox.requests) == 1


async def test_get_file_streams_the_csv(client: SmscClient, sandbox: SandboxServer) -> None:
    task = sandbox.state.accounts[LOGIN].tasks[2]
    by_id = await client.downloads.get_file(task_id=2)
    assert len(by_id) == task.size
    assert by_id.startswith(b"id;phone;sender;sent;status;cost;text\r\n")
    sink = io.BytesIO()
    written = await client.downloads.save_file(sink, name="sent_2026_09")
    assert written == task.size
    assert sink.getvalue() == by_id


async def test_get_file_limit_and_missing_files(client: SmscClient) -> None:
    with pytest.raises(FileTooLargeError):
        await client.downloads.save_file(io.BytesIO(), task_id=2, max_bytes=1000)
    with pytest.raises(OperationFailedError) as running:
        await client.downloads.get_file(task_id=3)
    assert running.value.code == 5
    with pytest.raises(OperationFailedError):
        await client.downloads.get_file(name="no-such-task")


async def test_balance_with_login_and_with_apikey(
    client: SmscClient, transport: SmscTransport, sandbox: SandboxServer
) -> None:
    balance = await client.balance()
    assert balance.balance == Decimal("1871.62")
    assert balance.currency == "RUR"
    by_key = SmscClient(transport, Credentials(apikey=APIKEY), Endpoint(sandbox.base_url))
    assert (await by_key.balance()).balance == Decimal("1871.62")


async def test_wrong_password_is_authentication_error(
    transport: SmscTransport, sandbox: SandboxServer
) -> None:
    wrong = SmscClient(
        transport, Credentials(LOGIN, "not-the-password"), Endpoint(sandbox.base_url)
    )
    with pytest.raises(AuthenticationError) as caught:
        await wrong.balance()
    assert caught.value.code == 2
    assert "not-the-password" not in str(caught.value)
