"""Every command, end to end, in a private chat: the bot runs as a process against the fake
Bot API and the sandbox; each effect is checked in the sandbox's state, not only the reply."""

from __future__ import annotations

from decimal import Decimal

import pytest
import pytest_asyncio

from bot.sandbox import SandboxServer
from tests.e2e.conftest import LOGIN, PASSWORD, new_user
from tests.e2e.harness import BotProcess
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def user(bot: BotProcess, telegram: FakeTelegram) -> int:
    chat = new_user()
    reply = await telegram.reply_to(chat, chat, f"/login {LOGIN} {PASSWORD}", contains="Logged in")
    assert "deleted" in reply.text
    return chat


def account(sandbox: SandboxServer):  # type: ignore[no-untyped-def]
    return sandbox.state.accounts[LOGIN]


async def test_help_and_account(user: int, telegram: FakeTelegram) -> None:
    reply = await telegram.reply_to(user, user, "/help")
    for command in (
        "/login",
        "/addcontact",
        "/block",
        "/senders",
        "/invoice",
        "/download",
        "/watch",
    ):
        assert command in reply.text
    reply = await telegram.reply_to(user, user, "/account")
    assert LOGIN in reply.text
    assert "1871.62" in reply.text
    assert PASSWORD not in reply.text


async def test_contacts_lifecycle(
    user: int, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    book = account(sandbox).phones
    reply = await telegram.reply_to(
        user, user, "/addcontact +7(916)555-00-01,79165550002 Kate Ray grp=1,3"
    )
    assert "added" in reply.text
    contact = book.find_contact("79165550001")  # international digits, whatever was typed
    assert contact is not None
    assert contact.name == "Kate Ray"
    assert contact.groups == [1, 3]

    reply = await telegram.reply_to(user, user, "/addcontact kate@example.org Kate grp=10")
    assert account(sandbox).mails.find_contact("kate@example.org") is not None

    reply = await telegram.reply_to(user, user, "/contacts Kate")
    assert "Kate Ray" in reply.text
    reply = await telegram.reply_to(user, user, "/contacts @kate")
    assert "kate@example.org" in reply.text

    first = await telegram.reply_to(user, user, "/contacts")
    assert "Next" in str(first.buttons())
    since = telegram.mark()
    telegram.press(first, "Next", user)
    page = await telegram.wait_for("editMessageText", chat_id=user, since=since)
    assert page.text != first.text
    assert "First" in str(page.buttons())

    reply = await telegram.reply_to(user, user, "/groups")
    assert "Customers" in reply.text
    assert "Newsletter" in reply.text

    reply = await telegram.reply_to(user, user, "/addgroup Partners")
    [partners] = [g for g in book.groups.values() if g.name == "Partners"]
    assert "Partners" in reply.text

    await telegram.reply_to(user, user, "/movecontact 79165550002 partners")
    assert book.find_contact("79165550002").groups == [partners.id]
    await telegram.reply_to(user, user, "/movecontact 79165550002 +2")
    assert book.find_contact("79165550002").groups == [partners.id, 2]
    await telegram.reply_to(user, user, f"/movecontact 79165550002 -{partners.id}")
    assert book.find_contact("79165550002").groups == [2]
    chooser = await telegram.reply_to(user, user, "/movecontact 79165550002")
    since = telegram.mark()
    telegram.press(chooser, f"mv:add:{partners.id}:", user)
    await telegram.wait_for("editMessageText", chat_id=user, since=since, contains="added")
    assert book.find_contact("79165550002").groups == [2, partners.id]

    question = await telegram.reply_to(user, user, "/delcontact 79165550002")
    assert book.find_contact("79165550002") is not None
    since = telegram.mark()
    telegram.press(question, "Yes", user)
    await telegram.wait_for("editMessageText", chat_id=user, since=since, contains="deleted")
    assert book.find_contact("79165550002") is None

    question = await telegram.reply_to(user, user, f"/delgroup {partners.id}")
    assert "Partners" in question.text
    since = telegram.mark()
    telegram.press(question, "Yes", user)
    await telegram.wait_for("editMessageText", chat_id=user, since=since, contains="deleted")
    assert partners.id not in book.groups


async def test_cancelled_confirmation_changes_nothing(
    user: int, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    await telegram.reply_to(user, user, "/block 79165550009")
    question = await telegram.reply_to(user, user, "/unblock 79165550009")
    since = telegram.mark()
    telegram.press(question, "Cancel", user)
    await telegram.wait_for("editMessageText", chat_id=user, since=since, contains="Nothing")
    assert account(sandbox).phones.find_blacklisted("79165550009") is not None
    since = telegram.mark()
    telegram.press(question, "Yes", user)
    await telegram.wait_for("editMessageText", chat_id=user, since=since, contains="expired")
    assert account(sandbox).phones.find_blacklisted("79165550009") is not None


async def test_blacklist(user: int, telegram: FakeTelegram, sandbox: SandboxServer) -> None:
    book = account(sandbox).phones
    reply = await telegram.reply_to(user, user, "/block 79165550101 single asked to stop")
    assert "one-off messages blocked, mass mailings still sent" in reply.text
    entry = book.find_blacklisted("79165550101")
    assert entry is not None
    assert (entry.type, entry.comment) == (2, "asked to stop")
    await telegram.reply_to(user, user, "/block 79165550102")
    assert book.find_blacklisted("79165550102").type == 0
    for n in range(10):
        await telegram.reply_to(user, user, f"/block 7916555020{n} mass")
    listing = await telegram.reply_to(user, user, "/blacklist")
    assert "79165550209" in listing.text
    since = telegram.mark()
    telegram.press(listing, "Next", user)
    page = await telegram.wait_for("editMessageText", chat_id=user, since=since)
    assert "79165550209" not in page.text

    question = await telegram.reply_to(user, user, "/unblock 79165550101")
    since = telegram.mark()
    telegram.press(question, "Yes", user)
    await telegram.wait_for("editMessageText", chat_id=user, since=since, contains="removed")
    assert book.find_blacklisted("79165550101") is None


async def test_sender_names(user: int, telegram: FakeTelegram, sandbox: SandboxServer) -> None:
    reply = await telegram.reply_to(user, user, "/senders")
    assert "MyShop" in reply.text
    assert "MTS: sent for registration" in reply.text
    assert "Beeline: rejected" in reply.text
    assert "awaiting moderation" in reply.text
    assert "📎 trademark.pdf: being checked" in reply.text

    start = await telegram.reply_to(user, user, "/addsender NewBrand our new brand")
    since = telegram.mark()
    telegram.press(start, "op:mts_step", user)
    toggled = await telegram.wait_for("editMessageReplyMarkup", chat_id=user, since=since)
    assert "✅" in toggled.button("op:mts_step")["text"]
    since = telegram.mark()
    telegram.press(toggled, "op:mega_step", user)
    toggled = await telegram.wait_for("editMessageReplyMarkup", chat_id=user, since=since)
    since = telegram.mark()
    telegram.press(toggled, "Continue", user)
    prompt = await telegram.wait_for("editMessageText", chat_id=user, since=since)
    assert "supporting document" in prompt.text
    since = telegram.mark()
    telegram.send_document(
        user, user, b"%PDF-1.4 trademark", "trademark.pdf", reply_to=prompt.result
    )
    done = await telegram.wait_for("sendMessage", chat_id=user, since=since, contains="submitted")
    assert "NewBrand" in done.text
    [brand] = [s for s in account(sandbox).senders.values() if s.name == "NewBrand"]
    assert brand.operators == {"mts_step": 0, "mega_step": 0}
    assert brand.comment == "our new brand"
    assert [f.file for f in brand.files] == ["trademark.pdf"]

    start = await telegram.reply_to(user, user, "/addsender Plain")
    since = telegram.mark()
    telegram.press(start, "Continue", user)
    prompt = await telegram.wait_for("editMessageText", chat_id=user, since=since)
    since = telegram.mark()
    telegram.press(prompt, "Submit", user)
    await telegram.wait_for("editMessageText", chat_id=user, since=since, contains="submitted")
    assert any(s.name == "Plain" and not s.files for s in account(sandbox).senders.values())

    question = await telegram.reply_to(user, user, "/delsender Plain")
    since = telegram.mark()
    telegram.press(question, "Yes", user)
    await telegram.wait_for("editMessageText", chat_id=user, since=since, contains="deleted")
    assert not any(s.name == "Plain" for s in account(sandbox).senders.values())


async def test_digital_sender_code(
    user: int, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    reply = await telegram.reply_to(user, user, "/sendcode +79991234567")
    assert "sent a confirmation code" in reply.text
    code = sandbox.state.sent_code(LOGIN, "79991234567")
    assert code is not None
    reply = await telegram.reply_to(user, user, "/checkcode 79991234567 0000")
    assert "(error 11)" in reply.text
    reply = await telegram.reply_to(user, user, f"/checkcode 79991234567 {code}")
    assert "confirmed" in reply.text
    assert account(sandbox).senders[4].status == 1


async def test_invoices_and_acts(user: int, telegram: FakeTelegram, sandbox: SandboxServer) -> None:
    document = await telegram.reply_to(
        user, user, "/invoice client1 1500.5 SMS for November", method="sendDocument"
    )
    name, pdf = document.files["document"]
    assert pdf.startswith(b"%PDF")
    invoice = max(account(sandbox).invoices.values(), key=lambda i: i.id)
    assert invoice.sum == Decimal("1500.50")
    assert invoice.service == "SMS for November"
    assert name == f"invoice_{invoice.id}.pdf"
    assert "1500.50" in document.text

    document = await telegram.reply_to(user, user, "/getinvoice client1 101", method="sendDocument")
    assert document.files["document"][1].startswith(b"%PDF")
    document = await telegram.reply_to(user, user, "/act client1 A-201", method="sendDocument")
    assert b"Act No. A-201" in document.files["document"][1]
    reply = await telegram.reply_to(user, user, "/act client1 999")
    assert "SMSC has no act 999 for client1." in reply.text


async def test_downloads(user: int, telegram: FakeTelegram, sandbox: SandboxServer) -> None:
    reply = await telegram.reply_to(user, user, "/downloads")
    for words in ("done", "running", "waiting", "cancelled", "failed"):
        assert words in reply.text
    document = await telegram.reply_to(user, user, "/download 2", method="sendDocument")
    name, content = document.files["document"]
    assert len(content) == account(sandbox).tasks[2].size
    assert content.startswith(b"id;phone;sender")
    assert name.endswith(".csv")
    document = await telegram.reply_to(user, user, "/download sent_2026_08", method="sendDocument")
    assert len(document.files["document"][1]) == account(sandbox).tasks[1].size
    reply = await telegram.reply_to(user, user, "/download 3", contains="still running")
    assert reply.button("Tell me when it is ready")
    reply = await telegram.reply_to(user, user, "/download 99", contains="no finished export")
    assert "/downloads" in reply.text


async def test_watch_settings(user: int, telegram: FakeTelegram) -> None:
    reply = await telegram.reply_to(user, user, "/watch")
    assert "off" in reply.text
    reply = await telegram.reply_to(user, user, "/watch every 15")
    assert "every 15 minutes" in reply.text
    reply = await telegram.reply_to(user, user, "/watch downloads on")
    assert "6 exports known now" in reply.text
    reply = await telegram.reply_to(user, user, "/watch")
    assert "Exports finished or failed: on" in reply.text
    assert "Checked every 15 minutes" in reply.text
    reply = await telegram.reply_to(user, user, "/watch downloads off")
    assert "No more notifications" in reply.text


async def test_logout(bot: BotProcess, telegram: FakeTelegram) -> None:
    chat = new_user()
    await telegram.reply_to(chat, chat, f"/login {LOGIN} {PASSWORD}", contains="Logged in")
    question = await telegram.reply_to(chat, chat, "/logout")
    since = telegram.mark()
    telegram.press(question, "Yes", chat)
    await telegram.wait_for("editMessageText", chat_id=chat, since=since, contains="Logged out")
    reply = await telegram.reply_to(chat, chat, "/senders")
    assert "not connected to SMSC" in reply.text


async def test_a_number_a_contact_card_and_a_forward_each_get_a_card(
    user: int, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    card = await telegram.reply_to(user, user, "+7 (999) 000-00-03", contains="📇")
    assert "<code>79990000003</code>" in card.text
    assert "one-off messages blocked" in card.text
    since = telegram.mark()
    telegram.press(card, "Block all", user)
    # Blocked for single messages already: a change is asked about, never made silently.
    question = await telegram.wait_for("sendMessage", chat_id=user, since=since, contains="Change")
    assert account(sandbox).phones.find_blacklisted("79990000003").type == 2
    since = telegram.mark()
    telegram.press(question, "Change it", user)
    done = await telegram.wait_for("editMessageText", chat_id=user, since=since)
    assert "all messages blocked" in done.text
    assert account(sandbox).phones.find_blacklisted("79990000003").type == 0

    since = telegram.mark()
    telegram.send(user, user, None, contact={"phone_number": "+79991000000", "first_name": "Ivan"})
    shared = await telegram.wait_for("sendMessage", chat_id=user, since=since, contains="📇")
    assert "Ivan Petrov" in shared.text

    since = telegram.mark()
    origin = {"type": "hidden_user", "sender_user_name": "A client", "date": 1}
    telegram.send(user, user, "Please remove me: 8 916 555-44-33", forward_origin=origin)
    forwarded = await telegram.wait_for("sendMessage", chat_id=user, since=since, contains="📇")
    assert "<code>79165554433</code>" in forwarded.text
    since = telegram.mark()
    telegram.press(forwarded, "Block for mass mailings", user)
    await telegram.wait_for("editMessageText", chat_id=user, since=since, contains="mass mailings")
    assert account(sandbox).phones.find_blacklisted("79165554433") is not None
