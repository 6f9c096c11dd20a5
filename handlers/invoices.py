"""Invoices and acts for sub-clients: /invoice, /getinvoice, /act. Each answers with the PDF.

An invoice is money: in a group, one asked for by someone who is not an administrator waits
for an administrator's Yes.
"""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.filters import CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.smsc import NotFoundError, SmscClient, SubClientNotFoundError
from handlers import confirmation
from handlers import invoices_args as parse
from handlers.confirmation import Confirmed
from handlers.memo import Memo
from handlers.routing import command, own_commands_only


def no_sub_client(client: str) -> str:
    return _("⚠️ SMSC has no sub-client {client}.").format(client=html.escape(client))


async def create_invoice(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    bot: Bot,
    audit: AuditNote,
    memo: Memo,
    chat_admins: ChatAdmins,
) -> None:
    args = parse.invoice(command.args)
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
            client=html.escape(args.sub_client), sum=f"{args.amount:.2f}"
        )
        + (f" ({html.escape(args.service)})" if args.service else ""),
        target=target,
        args=args,
    ):
        return
    sent, text = await _send_invoice(bot, message.chat.id, smsc, args, audit)
    if not sent:
        await message.answer(text)


async def _send_invoice(
    bot: Bot, chat_id: int, smsc: SmscClient, args: parse.InvoiceArgs, audit: AuditNote
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
            return False, no_sub_client(args.sub_client)
        caption = _("🧾 Invoice {id} for {client}: {sum}.").format(
            id=invoice.id, client=html.escape(args.sub_client), sum=invoice.sum
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
    _sent, text = await _send_invoice(bot, chat_id, done.client, invoice, done.audit)
    return text


async def get_invoice(
    message: Message, command: CommandObject, smsc: SmscClient, bot: Bot, audit: AuditNote
) -> None:
    client, invoice_id = parse.getinvoice(command.args)
    audit.target = f"{client} {invoice_id}"
    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        try:
            pdf = await smsc.documents.get_invoice(invoice_id, user=client)
        except SubClientNotFoundError:
            audit.result = "no sub-client"
            await message.answer(no_sub_client(client))
            return
        except NotFoundError:
            audit.result = "no invoice"
            await message.answer(
                _("⚠️ SMSC has no invoice {id} for {client}.").format(
                    id=invoice_id, client=html.escape(client)
                )
            )
            return
        await message.answer_document(
            BufferedInputFile(pdf, filename=f"invoice_{invoice_id}.pdf"),
            caption=_("🧾 Invoice {id} for {client}.").format(
                id=invoice_id, client=html.escape(client)
            ),
        )


async def get_act(
    message: Message, command: CommandObject, smsc: SmscClient, bot: Bot, audit: AuditNote
) -> None:
    args = parse.act(command.args)
    reference = args.number if args.number is not None else str(args.act_id)
    audit.target = f"{args.sub_client} {reference}"
    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        try:
            pdf = await smsc.documents.get_act_by_reference(reference, user=args.sub_client)
        except SubClientNotFoundError:
            audit.result = "no sub-client"
            await message.answer(no_sub_client(args.sub_client))
            return
        except NotFoundError:
            audit.result = "no act"
            await message.answer(
                _("⚠️ SMSC has no act {reference} for {client}.").format(
                    reference=html.escape(reference), client=html.escape(args.sub_client)
                )
            )
            return
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in reference)
        await message.answer_document(
            BufferedInputFile(pdf, filename=f"act_{safe}.pdf"),
            caption=_("📄 Act {reference} for {client}.").format(
                reference=html.escape(reference), client=html.escape(args.sub_client)
            ),
        )


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(create_invoice, command("invoice"), flags={"smsc": True})
    confirmation.on_confirmed(router, "invoice", parse.InvoiceArgs)(invoice_confirmed)
    router.message.register(get_invoice, command("getinvoice"), flags={"smsc": True})
    router.message.register(get_act, command("act"), flags={"smsc": True})
    return own_commands_only(router)
