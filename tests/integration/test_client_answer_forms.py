"""Answers in every form the pages allow but do not show: file types, error forms, odd records.

SMSC is replaced at the network edge only (an httpx transport that answers), so the whole
client runs: limiter, transport, decoding, models.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from bot.sandbox.pdf import render_pdf
from bot.smsc import (
    Credentials,
    Endpoint,
    NotFoundError,
    OperationFailedError,
    RateLimiter,
    SmscBadResponseError,
    SmscClient,
    SmscTransport,
    TaskStatus,
)

PDF = render_pdf(["Invoice No. 7"])
CSV = (
    b"id;phone;sender;sent;status;cost;text\r\n1;79990001122;SMSC;01.12.2026;delivered;1.85;hi\r\n"
)
FILE_TYPES = [
    "application/force-download",
    "application/x-pdf",
    "text/plain",
    "application/vnd.ms-excel",
    None,
    "application/pdf",
    "text/csv; charset=windows-1251",
    "application/octet-stream",
]

Answer = Callable[[httpx.Request], httpx.Response]


def answering(body: bytes, content_type: str | None) -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {} if content_type is None else {"Content-Type": content_type}
        return httpx.Response(200, content=body, headers=headers)

    return answer


def client_on(answer: Answer) -> SmscClient:
    transport = SmscTransport(limiter=RateLimiter(window=0.2), network=httpx.MockTransport(answer))
    return SmscClient(transport, Credentials("demo", "pw"), Endpoint("https://smsc.example"))


@pytest.mark.parametrize("content_type", FILE_TYPES)
async def test_a_pdf_is_a_pdf_however_it_is_labelled(content_type: str | None) -> None:
    client = client_on(answering(PDF, content_type))
    assert await client.documents.get_invoice(7, user="client1") == PDF
    assert await client.documents.get_act(act_id=8, user="client1") == PDF


@pytest.mark.parametrize("content_type", FILE_TYPES)
async def test_an_export_is_a_file_however_it_is_labelled(content_type: str | None) -> None:
    client = client_on(answering(CSV, content_type))
    sink = io.BytesIO()
    assert await client.downloads.save_file(sink, task_id=2) == len(CSV)
    assert sink.getvalue() == CSV


@pytest.mark.parametrize("content_type", [*FILE_TYPES, "application/json", "text/html"])
@pytest.mark.parametrize(
    "body",
    [
        b'{"error": "task or file not found", "error_code": 5}',
        b'{"error": "task or file not found", "error_code": "5"}',
        b"ERROR = 5 (task or file not found)",
        b"  \r\nERROR = 5",
    ],
)
async def test_an_error_answer_is_an_error_whatever_its_label(
    body: bytes, content_type: str | None
) -> None:
    client = client_on(answering(body, content_type))
    with pytest.raises(OperationFailedError):
        await client.downloads.get_file(task_id=2)
    with pytest.raises(OperationFailedError):
        await client.documents.get_invoice(7, user="client1")


@pytest.mark.parametrize("content_type", ["text/html", "text/plain", None])
async def test_a_web_page_is_not_a_file(content_type: str | None) -> None:
    page = b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"
    client = client_on(answering(page, content_type))
    with pytest.raises(SmscBadResponseError) as caught:
        await client.downloads.get_file(task_id=2)
    assert "where a file was expected" in str(caught.value)
    with pytest.raises(SmscBadResponseError):
        await client.documents.get_invoice(7, user="client1")


async def test_a_document_that_is_not_a_pdf_is_refused() -> None:
    client = client_on(answering(CSV, "application/pdf"))
    with pytest.raises(SmscBadResponseError, match="PDF"):
        await client.documents.get_invoice(7, user="client1")


async def test_a_long_export_is_streamed_whole_after_its_first_bytes_are_judged() -> None:
    big = CSV * 5000
    client = client_on(answering(big, None))
    assert await client.downloads.get_file(task_id=2) == big


@pytest.mark.parametrize("label", ['multipart/mixed; boundary="b0"', "text/plain", None])
async def test_invoice_multipart_is_read_with_or_without_its_label(label: str | None) -> None:
    body = (
        b"--b0\r\nContent-Type: text/plain\r\n\r\n"
        + json.dumps({"id": "77", "sum": "1500.00"}).encode()
        + b"\r\n--b0\r\nContent-Type: application/force-download\r\n\r\n"
        + PDF
        + b"\r\n--b0--\r\n"
    )
    client = client_on(answering(body, label))
    invoice = await client.documents.create_invoice(Decimal("1500"), user="client1")
    assert invoice.id == 77
    assert invoice.sum == Decimal("1500.00")
    assert invoice.pdf == PDF


async def test_one_unreadable_record_is_skipped_logged_and_the_rest_shown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = [
        {"id": "1", "name": "a", "status": "2", "file": "a.csv"},
        {"id": "not-a-number", "name": "79991234567 secret", "status": "2"},
        {"id": 3, "name": "c", "status": 7},
        {"name": "no id at all"},
    ]
    client = client_on(answering(json.dumps(tasks).encode(), "application/json"))
    with caplog.at_level(logging.WARNING, logger="bot.smsc"):
        found = await client.downloads.list()
    assert [t.id for t in found] == [1, 3]
    assert found[1].status == 7
    assert not found[1].status.known
    assert found[0].status is TaskStatus.DONE
    skipped = [r for r in caplog.records if r.getMessage() == "smsc record skipped"]
    assert [r.position for r in skipped] == [1, 3]  # type: ignore[attr-defined]
    # Field names and error kinds, never the values (which may be someone's number).
    assert "79991234567" not in caplog.text


async def test_an_empty_json_list_and_error_3_are_both_empty() -> None:
    assert await client_on(answering(b"[]", "application/json")).downloads.list() == []
    no_records = b'{"error": "no records found", "error_code": 3}'
    assert await client_on(answering(no_records, "text/html")).phones.blacklist() == []
    with pytest.raises(NotFoundError):
        await client_on(answering(no_records, None)).phones.delete("79990001122")


BOM = b"\xef\xbb\xbf"


async def test_a_byte_order_mark_before_a_json_answer_is_read() -> None:
    tasks = json.dumps([{"id": 1, "name": "a", "status": 2, "file": "a.csv"}]).encode()
    client = client_on(answering(BOM + tasks, "application/json; charset=utf-8"))
    assert [t.id for t in await client.downloads.list()] == [1]
    error = BOM + b'{"error": "task or file not found", "error_code": 5}'
    # Where a file is expected, an error led by the mark is still an error, not the file.
    with pytest.raises(OperationFailedError):
        await client_on(answering(error, None)).downloads.get_file(task_id=2)
    with pytest.raises(OperationFailedError):
        await client_on(answering(error, "application/json")).documents.get_invoice(
            7, user="client1"
        )
    no_records = BOM + b'{"error": "no records found", "error_code": 3}'
    assert await client_on(answering(no_records, "text/html")).phones.blacklist() == []
    balance = BOM + b'{"balance": "12.50"}'
    assert (await client_on(answering(balance, "text/plain")).balance()).balance == Decimal("12.5")
