"""Ids typed with another script's digits reach SMSC as the ids they are, command by command."""

from __future__ import annotations

import pytest

from tests.conftest import LOGIN, PASSWORD
from tests.integration.bot_harness import Harness, sent, text_of

USER = 7981


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


def last_params(harness: Harness, script: str) -> dict[str, str]:
    return [r for r in harness.sandbox.requests if r.script == script][-1].params


async def test_invoices_and_acts(logged_in: Harness) -> None:
    [act] = sent(await logged_in.say(USER, "/act client١ ٢٠١"), "sendDocument")
    assert "Act 201 for client1" in act.text
    assert (
        last_params(logged_in, "documents")["id"],
        last_params(logged_in, "documents")["user"],
    ) == (
        "201",
        "client1",
    )
    [invoice] = sent(await logged_in.say(USER, "/getinvoice client1 ١٠١"), "sendDocument")
    assert "Invoice 101 for client1" in invoice.text


async def test_exports(logged_in: Harness) -> None:
    [export] = sent(await logged_in.say(USER, "/download ١"), "sendDocument")
    assert "Export 1" in export.text
    [fetched] = [r for r in logged_in.sandbox.requests if r.action == "get_file"]
    assert fetched.params["id"] == "1"


async def test_sender_names(logged_in: Harness) -> None:
    myshop = logged_in.sandbox.state.accounts[LOGIN].senders[2]
    await logged_in.say(USER, "/editsender ٢ a new comment")
    assert myshop.comment == "a new comment"
    [question] = sent(await logged_in.say(USER, "/delsender ٣"))
    assert "<b>id 3</b>" in question.text
    assert "no sender names" in text_of(await logged_in.say(USER, "/senders user=client١"))
    assert last_params(logged_in, "senders")["user"] == "client1"


async def test_groups(logged_in: Harness) -> None:
    book = logged_in.sandbox.state.accounts[LOGIN].phones
    await logged_in.say(USER, "/renamegroup ١ Key customers")
    assert book.groups[1].name == "Key customers"
    assert "in Staff" in text_of(await logged_in.say(USER, "/contacts grp=٢"))
    await logged_in.say(USER, "/editcontact 79991000000 grp=٢,٣")
    assert book.find_contact("79991000000").groups == [2, 3]  # type: ignore[union-attr]
    await logged_in.say(USER, "/movecontact 79991000000 -٣")
    assert book.find_contact("79991000000").groups == [2]  # type: ignore[union-attr]
    # A fullwidth plus, as a phone's keyboard in an East Asian language types it.
    await logged_in.say(USER, "/movecontact 79991000000 ＋٣")
    assert book.find_contact("79991000000").groups == [2, 3]  # type: ignore[union-attr]
    [question] = sent(await logged_in.say(USER, "/delgroup ٣"))
    assert "Delete the group “VIP”" in question.text
