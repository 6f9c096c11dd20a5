"""senders.php through the client, against the sandbox over HTTP."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.sandbox import SandboxServer
from bot.smsc import (
    CodeAlreadySentError,
    CodeUndeliverableError,
    FileStatus,
    InvalidPhoneError,
    NotFoundError,
    OperatorRegistration,
    OperatorStatus,
    SenderDocument,
    SenderStatus,
    SmscClient,
    SmscValidationError,
    WrongCodeError,
)
from tests.conftest import LOGIN


async def test_list_with_operators_keeps_every_status_field(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    # An operator the documentation does not name yet must come through too.
    sandbox.state.set_operator_status(LOGIN, 2, "newop_step", 5)
    senders = {s.name: s for s in await client.senders.list(operators=True)}
    shop = senders["MyShop"]
    assert shop.status is SenderStatus.MODERATION
    assert shop.operators["mts_step"] is OperatorStatus.SENT_FOR_REGISTRATION
    assert shop.operators["bee_step"] is OperatorStatus.REJECTED
    assert shop.operators["tele2_step"] is OperatorStatus.DOCUMENTS_REQUIRED
    assert shop.operators["newop_step"] is OperatorStatus.INSUFFICIENT_FUNDS


async def test_list_only_allowed_names_without_all(client: SmscClient) -> None:
    allowed = await client.senders.list(all=False)
    assert {s.name for s in allowed} == {"SMSC", "Pizza24"}
    assert all(s.operators == {} for s in allowed)


async def test_list_changed_since_and_paging(client: SmscClient) -> None:
    recent = await client.senders.list(changed_since=date.today() - timedelta(days=5))
    assert {s.name for s in recent} == {"MyShop", "79991234567"}
    first = await client.senders.list(count=2)
    rest = await client.senders.list(count=10, prev_id=first[-1].id)
    assert all(s.id < first[-1].id for s in rest)
    assert len(first) + len(rest) == 4


async def test_list_with_files(client: SmscClient) -> None:
    senders = {s.name: s for s in await client.senders.list(files=True)}
    [document] = senders["MyShop"].files
    assert document.file == "trademark.pdf"
    assert document.fstatus is FileStatus.CHECKING


async def test_add_with_operators_and_document_uploads_multipart(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    document = SenderDocument(
        filename="tm.pdf", content=b"%PDF-1.4 trademark", content_type="application/pdf"
    )
    new_id = await client.senders.add(
        "NewBrand",
        comment="our brand",
        operators=[OperatorRegistration.MTS_STEP, OperatorRegistration.MEGA_STEP],
        document=document,
        doc_info="trademark certificate",
    )
    stored = sandbox.state.accounts[LOGIN].senders[new_id]
    assert stored.operators == {"mts_step": 0, "mega_step": 0}
    assert stored.comment == "our brand"
    assert [f.file for f in stored.files] == ["trademark certificate"]


async def test_document_over_3_mb_is_refused_before_sending(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    big = SenderDocument(filename="scan.png", content=b"\0" * (3 * 1024 * 1024 + 1))
    with pytest.raises(SmscValidationError, match="3 MB"):
        await client.senders.add("BigDoc", document=big)
    with pytest.raises(SmscValidationError, match="jpg"):
        await client.senders.add("BadType", document=SenderDocument(filename="a.exe", content=b"x"))
    assert not [r for r in sandbox.requests if r.script == "senders" and r.action == "add"]


async def test_ukrainian_registration_needs_company_details(client: SmscClient) -> None:
    with pytest.raises(SmscValidationError, match="fio"):
        await client.senders.add("UaName", operators=[OperatorRegistration.UA_REG])
    details = dict.fromkeys(("fio", "inn", "site", "email", "address", "desc", "subj"), "x")
    assert await client.senders.add(
        "UaName", operators=[OperatorRegistration.UA_REG], details=details
    )


async def test_change_and_delete_by_name_and_by_id(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    senders = sandbox.state.accounts[LOGIN].senders
    await client.senders.change(name="MyShop", comment="renamed shop")
    assert senders[2].comment == "renamed shop"
    await client.senders.delete(sender_id=3)
    assert 3 not in senders
    await client.senders.delete(name="MyShop")
    assert 2 not in senders
    with pytest.raises(NotFoundError):
        await client.senders.delete(name="MyShop")


async def test_digital_sender_code_flow(client: SmscClient, sandbox: SandboxServer) -> None:
    await client.senders.send_code("79991234567")
    with pytest.raises(CodeAlreadySentError) as again:
        await client.senders.send_code("79991234567")
    assert again.value.code == 10
    with pytest.raises(WrongCodeError) as wrong:
        await client.senders.check_code("79991234567", "0000")
    assert wrong.value.code == 11
    code = sandbox.state.sent_code(LOGIN, "79991234567")
    assert code is not None
    await client.senders.check_code("79991234567", code)
    assert sandbox.state.accounts[LOGIN].senders[4].status == 1


async def test_code_errors_for_bad_and_undeliverable_numbers(
    client: SmscClient, sandbox: SandboxServer
) -> None:
    with pytest.raises(InvalidPhoneError) as bad:
        await client.senders.send_code("MyShop")
    assert bad.value.code == 7
    sandbox.state.add_sender(LOGIN, "70001234567")
    with pytest.raises(CodeUndeliverableError) as undeliverable:
        await client.senders.send_code("70001234567")
    assert undeliverable.value.code == 8
