"""Invoices and acts: a missing sub-client, invoice or act is named, never "no such record"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.sandbox import Fault
from bot.sandbox.state import SbAct
from storage import AuthKind
from tests.conftest import LOGIN, PASSWORD
from tests.integration.bot_harness import Harness, sent, text_of

USER = 7901
GROUP = -1007901
ADMIN, MEMBER = 7911, 7912


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


async def test_an_invoice_for_an_unknown_sub_client_names_it(logged_in: Harness) -> None:
    calls = await logged_in.say(USER, "/invoice client3 100")
    assert "SMSC has no sub-client client3." in text_of(calls)
    assert "no such record" not in text_of(calls)
    assert sent(calls, "sendDocument") == []
    assert not logged_in.sandbox.state.accounts[LOGIN].invoices.keys() - {101}


async def test_an_invoice_confirmed_for_an_unknown_sub_client_names_it(harness: Harness) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    await harness.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=harness.sandbox.base_url,
        set_by=ADMIN,
    )
    question = sent(await harness.say(GROUP, "/invoice client3 100", user_id=MEMBER))[-1]
    calls = await harness.press(question, "Yes", user_id=ADMIN)
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "SMSC has no sub-client client3." in edited.text


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("/getinvoice client1 999", "SMSC has no invoice 999 for client1."),
        ("/getinvoice client3 101", "SMSC has no sub-client client3."),
        ("/act client1 999", "SMSC has no act 999 for client1."),
        ("/act client1 B-7", "SMSC has no act B-7 for client1."),
        ("/act client3 A-201", "SMSC has no sub-client client3."),
    ],
)
async def test_a_missing_document_or_sub_client_is_named(
    logged_in: Harness, command: str, said: str
) -> None:
    calls = await logged_in.say(USER, command)
    assert said in text_of(calls)
    assert sent(calls, "sendDocument") == []


async def test_an_act_number_of_digits_is_found(logged_in: Harness) -> None:
    acts = logged_in.sandbox.state.accounts[LOGIN].acts
    acts[202] = SbAct(202, "123", "client1", Decimal("90.00"))
    [document] = sent(await logged_in.say(USER, "/act client1 123"), "sendDocument")
    assert b"Act No. 123" in document.files["document"][1]
    [document] = sent(await logged_in.say(USER, "/act client1 201"), "sendDocument")
    assert b"Act No. A-201" in document.files["document"][1]


async def test_no_records_on_creating_an_invoice_can_only_mean_the_sub_client(
    logged_in: Harness,
) -> None:
    # The documents page lists no codes: should SMSC answer "no records" here, the one thing
    # an invoice being created can miss is its sub-client.
    logged_in.sandbox.set_fault(Fault("error", code=3, script="documents"))
    calls = await logged_in.say(USER, "/invoice client2 10")
    assert "SMSC has no sub-client client2." in text_of(calls)
