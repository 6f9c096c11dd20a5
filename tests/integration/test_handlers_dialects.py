"""The commands that broke on a first day with a real account, against every sandbox dialect."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.state import SbContact
from handlers.callbacks import Page, PageKind
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, sent, text_of

USER = 7301
pytestmark = pytest.mark.parametrize("dialect", ["plain", "quirks", "spare"], indirect=True)


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


async def test_contacts_page_in_every_dialect_and_say_how_many(logged_in: Harness) -> None:
    calls = await logged_in.say(USER, "/contacts")
    [reply] = sent(calls)
    assert "Ivan Petrov" in reply.text
    assert "1–10 of 22" in reply.text
    page = await logged_in.press(reply, "Next", user_id=USER)
    assert "Ivan Petrov" not in text_of(page)
    assert "Andrey Volkov" in text_of(page)  # the eleventh contact
    assert "11–20 of 22" in text_of(page)


async def test_past_a_thousand_contacts_only_the_internal_id_pages_on(
    logged_in: Harness,
) -> None:
    book = logged_in.sandbox.state.accounts[LOGIN].phones
    for n in range(1000):
        book.contacts[10_000 + n] = SbContact(10_000 + n, f"7916{n:07d}", f"Bulk {n}")
    [reply] = sent(await logged_in.say(USER, "/contacts"))
    assert "1–10 of more than 1000" in reply.text
    token = reply.button("Next")["callback_data"].split(":")[2]
    last = await logged_in.feed(page_press(logged_in, reply, token, 990))
    assert "991–1000 of more than 1000" in text_of(last)
    [edited] = [c for c in last if c.method == "editMessageText"]
    if logged_in.sandbox.dialect.contact_int_id:
        beyond = await logged_in.press(edited, "Next", user_id=USER)
        assert "1001–1010" in text_of(beyond)
    else:
        assert "Next" not in str(edited.buttons())
        assert "narrow the list" in edited.text


def page_press(harness: Harness, reply: Call, token: str, start: int) -> dict[str, Any]:
    update = harness.telegram.callback_update(reply, "Next", USER)
    update["callback_query"]["data"] = Page(kind=PageKind.CONTACTS, token=token, start=start).pack()
    return update


async def test_exports_list_and_file(logged_in: Harness) -> None:
    [listing] = sent(await logged_in.say(USER, "/downloads"))
    assert "sent_2026_09" in listing.text
    assert "done" in listing.text
    calls = await logged_in.say(USER, "/download 2")
    [document] = sent(calls, "sendDocument")
    assert document.files["document"][1].startswith(b"id;phone;")


async def test_invoice_pdf_and_a_new_invoice(logged_in: Harness) -> None:
    [document] = sent(await logged_in.say(USER, "/getinvoice client1 101"), "sendDocument")
    assert document.files["document"][1].startswith(b"%PDF")
    [created] = sent(await logged_in.say(USER, "/invoice client2 250"), "sendDocument")
    assert "250.00" in created.text


async def test_senders_and_blacklist(logged_in: Harness) -> None:
    [senders] = sent(await logged_in.say(USER, "/senders"))
    assert "MyShop" in senders.text
    assert "documents required" in senders.text
    [blacklist] = sent(await logged_in.say(USER, "/blacklist"))
    assert "79990000002" in blacklist.text
    assert "mass mailings" in blacklist.text


async def test_an_empty_export_list_says_so(logged_in: Harness) -> None:
    logged_in.sandbox.state.accounts[LOGIN].tasks.clear()
    [reply] = sent(await logged_in.say(USER, "/downloads"))
    assert "There are no exports" in reply.text


async def test_codes_the_bot_does_not_know_are_shown_not_refused(logged_in: Harness) -> None:
    state = logged_in.sandbox.state
    state.set_task_status(LOGIN, 4, 7)
    state.set_operator_status(LOGIN, 2, "brand_new_operator", 9)
    [listing] = sent(await logged_in.say(USER, "/downloads"))
    assert "sent_2026_11 — unknown (7)" in listing.text
    [senders] = sent(await logged_in.say(USER, "/senders"))
    assert "brand_new_operator: unknown (9)" in senders.text
