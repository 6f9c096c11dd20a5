"""Invoices and acts for sub-clients: /invoice, /getinvoice, /act. Each answers with the PDF.

An invoice is money: in a group, one asked for by someone who is not an administrator waits
for an administrator's Yes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot import display, sender_copies
from bot.account_copies import AccountCopies
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.smsc import NotFoundError, SmscClient, SubClientNotFoundError
from handlers import asking, confirmation
from handlers import invoices_args as parse
from handlers.argument_error import ArgumentError
from handlers.confirmation import Confirmed
from handlers.memo import Memo
from handlers.readers import positive_id, sub_client, words_of
from handlers.routing import command, own_commands_only


def no_sub_client(client: str) -> str:
    return _("⚠️ SMSC has no sub-client {client}.").format(client=display.escaped(client))


async def create_invoice(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    audit: AuditNote,
    memo: Memo,
    chat_admins: ChatAdmins,
) -> None:
    words = words_of(command.args)
    if len(words) < len(INVOICE.steps):
        await asking.start(message, state, INVOICE, words, {"smsc": smsc, "copies": copies})
        return
    await create_invoice_text(message, command.args, smsc, copies, bot, audit, memo, chat_admins)


async def create_invoice_text(
    message: Message,
    text: str | None,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    audit: AuditNote,
    memo: Memo,
    chat_admins: ChatAdmins,
) -> None:
    args = parse.invoice(text)
    target = f"{args.sub_client} {args.amount}"
    audit.target = target
    if await confirmation.asked_an_administrator(
        message,
        bot,
        chat_admins,
        memo,
        smsc,
        audit,
        action="invoice",
        question=_("Create an invoice for {client} for {sum}?").format(
            client=display.escaped(args.sub_client), sum=f"{args.amount:.2f}"
        )
        + (f" ({display.escaped(args.service)})" if args.service else ""),
        target=target,
        args=args,
    ):
        return
    sent, caption = await _send_invoice(bot, message.chat.id, smsc, copies, args, audit)
    if not sent:
        await message.answer(caption)


async def _send_invoice(
    bot: Bot,
    chat_id: int,
    smsc: SmscClient,
    copies: AccountCopies,
    args: parse.InvoiceArgs,
    audit: AuditNote,
) -> tuple[bool, str]:
    """Create the invoice and send its PDF: whether it was sent, with its caption, or why
    there is none."""
    async with ChatActionSender.upload_document(bot=bot, chat_id=chat_id):
        try:
            invoice = await smsc.documents.create_invoice(
                args.amount, user=args.sub_client, service=args.service
            )
        except (SubClientNotFoundError, NotFoundError):
            # Creating one, nothing but the sub-client can be missing, whatever the code says.
            audit.result = "no sub-client"
            await sender_copies.sub_client_unknown(copies, smsc, args.sub_client)
            return False, no_sub_client(args.sub_client)
        await sender_copies.sub_client_seen(copies, smsc, args.sub_client)
        caption = _("🧾 Invoice {id} for {client}: {sum}.").format(
            id=invoice.id, client=display.escaped(args.sub_client), sum=invoice.sum
        )
        await bot.send_document(
            chat_id,
            BufferedInputFile(invoice.pdf, filename=f"invoice_{invoice.id}.pdf"),
            caption=caption,
        )
    return True, caption


async def invoice_confirmed(done: Confirmed[parse.InvoiceArgs]) -> str:
    invoice = done.pending.args
    done.audit.target = f"{invoice.sub_client} {invoice.amount}"
    bot, chat_id = done.bot, done.pending.chat_id
    _sent, text = await _send_invoice(bot, chat_id, done.client, done.copies, invoice, done.audit)
    return text


async def get_invoice(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    audit: AuditNote,
) -> None:
    words = words_of(command.args)
    if len(words) < len(GET_INVOICE.steps):
        await asking.start(message, state, GET_INVOICE, words, {"smsc": smsc, "copies": copies})
        return
    await get_invoice_text(message, command.args, smsc, copies, bot, audit)


async def get_invoice_text(
    message: Message,
    text: str | None,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    audit: AuditNote,
) -> None:
    client, invoice_id = parse.getinvoice(text)
    audit.target = f"{client} {invoice_id}"
    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        try:
            pdf = await smsc.documents.get_invoice(invoice_id, user=client)
        except SubClientNotFoundError:
            audit.result = "no sub-client"
            await sender_copies.sub_client_unknown(copies, smsc, client)
            await message.answer(no_sub_client(client))
            return
        except NotFoundError:
            # The sub-client is there: SMSC says so when it is not.
            await sender_copies.sub_client_seen(copies, smsc, client)
            audit.result = "no invoice"
            await message.answer(
                _("⚠️ SMSC has no invoice {id} for {client}.").format(
                    id=invoice_id, client=display.escaped(client)
                )
            )
            return
        await sender_copies.sub_client_seen(copies, smsc, client)
        await message.answer_document(
            BufferedInputFile(pdf, filename=f"invoice_{invoice_id}.pdf"),
            caption=_("🧾 Invoice {id} for {client}.").format(
                id=invoice_id, client=display.escaped(client)
            ),
        )


async def get_act(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    audit: AuditNote,
) -> None:
    args = parse.act(command.args)
    reference = args.number if args.number is not None else str(args.act_id)
    audit.target = f"{args.sub_client} {reference}"
    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        try:
            pdf = await smsc.documents.get_act_by_reference(reference, user=args.sub_client)
        except SubClientNotFoundError:
            audit.result = "no sub-client"
            await sender_copies.sub_client_unknown(copies, smsc, args.sub_client)
            await message.answer(no_sub_client(args.sub_client))
            return
        except NotFoundError:
            await sender_copies.sub_client_seen(copies, smsc, args.sub_client)
            audit.result = "no act"
            await message.answer(
                _("⚠️ SMSC has no act {reference} for {client}.").format(
                    reference=display.escaped(reference), client=display.escaped(args.sub_client)
                )
            )
            return
        await sender_copies.sub_client_seen(copies, smsc, args.sub_client)
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in reference)
        await message.answer_document(
            BufferedInputFile(pdf, filename=f"act_{safe}.pdf"),
            caption=_("📄 Act {reference} for {client}.").format(
                reference=display.escaped(reference), client=display.escaped(args.sub_client)
            ),
        )


def _one_sub_client(usage: Callable[[], str]) -> Callable[[str, list[str]], None]:
    def check(answer: str, _given: list[str]) -> None:
        words = words_of(answer)
        if len(words) != 1:
            raise ArgumentError(_("Send one sub-client login."), usage())
        sub_client(words[0], usage())

    return check


def _invoice_id(answer: str, _given: list[str]) -> None:
    positive_id(answer, _("The invoice id"), parse.usage_getinvoice())


async def _sub_clients_seen(
    step: int, _given: list[str], data: dict[str, Any]
) -> list[tuple[str, str]]:
    if step != 0:
        return []
    seen = await sender_copies.sub_clients(data["copies"], data["smsc"])
    return [(login, login) for login in seen]


INVOICE = asking.Dialog(
    asking.Asking.invoice,
    (
        asking.Step(
            lambda: _("Which sub-client is the invoice for? Send the login."),
            _one_sub_client(parse.usage_invoice),
        ),
        asking.Step(
            lambda: _("What sum? Send it (1500 or 1500.50); after it you may name the service.")
        ),
    ),
    lambda message, text, data: create_invoice_text(
        message,
        text,
        data["smsc"],
        data["copies"],
        data["bot"],
        data["audit"],
        data["memo"],
        data["chat_admins"],
    ),
    _sub_clients_seen,
)
GET_INVOICE = asking.Dialog(
    asking.Asking.getinvoice,
    (
        asking.Step(
            lambda: _("Whose invoice? Send the sub-client's login."),
            _one_sub_client(parse.usage_getinvoice),
        ),
        asking.Step(lambda: _("Which invoice? Send its id."), _invoice_id),
    ),
    lambda message, text, data: get_invoice_text(
        message, text, data["smsc"], data["copies"], data["bot"], data["audit"]
    ),
    _sub_clients_seen,
)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(create_invoice, command("invoice"), flags={"smsc": True})
    confirmation.on_confirmed(router, "invoice", parse.InvoiceArgs)(invoice_confirmed)
    router.message.register(get_invoice, command("getinvoice"), flags={"smsc": True})
    asking.register(router, INVOICE)
    asking.register(router, GET_INVOICE)
    router.message.register(get_act, command("act"), flags={"smsc": True})
    return own_commands_only(router)
