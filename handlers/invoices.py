"""Invoices and acts for sub-clients: /invoice, /getinvoice, /act. Each answers with the PDF.

An invoice is money: in a group, one asked for by someone who is not an administrator waits
for an administrator's Yes.
"""

from __future__ import annotations

import html
from decimal import Decimal

from aiogram import Bot, Router
from aiogram.filters import CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.memo import Memo
from bot.smsc import SmscClient
from handlers import args as parse
from handlers import confirmation
from handlers.confirmation import Confirmed
from handlers.routing import command, own_commands_only


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
        args={"client": args.sub_client, "amount": str(args.amount), "service": args.service},
    ):
        return
    await _send_invoice(bot, message.chat.id, smsc, args)


async def _send_invoice(bot: Bot, chat_id: int, smsc: SmscClient, args: parse.InvoiceArgs) -> str:
    """Create the invoice and send its PDF; the caption it was sent with."""
    async with ChatActionSender.upload_document(bot=bot, chat_id=chat_id):
        invoice = await smsc.documents.create_invoice(
            args.amount, user=args.sub_client, service=args.service
        )
        caption = _("🧾 Invoice {id} for {client}: {sum}.").format(
            id=invoice.id, client=html.escape(args.sub_client), sum=invoice.sum
        )
        await bot.send_document(
            chat_id,
            BufferedInputFile(invoice.pdf, filename=f"invoice_{invoice.id}.pdf"),
            caption=caption,
        )
    return caption


async def invoice_confirmed(done: Confirmed) -> str:
    args = done.pending.args
    done.audit.target = f"{args['client']} {args['amount']}"
    invoice = parse.InvoiceArgs(args["client"], Decimal(args["amount"]), args["service"])
    return await _send_invoice(done.data["bot"], done.pending.chat_id, done.client, invoice)


async def get_invoice(
    message: Message, command: CommandObject, smsc: SmscClient, bot: Bot, audit: AuditNote
) -> None:
    client, invoice_id = parse.getinvoice(command.args)
    audit.target = f"{client} {invoice_id}"
    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        pdf = await smsc.documents.get_invoice(invoice_id, user=client)
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
    reference = str(args.act_id) if args.act_id is not None else args.number or ""
    audit.target = f"{args.sub_client} {reference}"
    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        pdf = await smsc.documents.get_act(
            act_id=args.act_id, number=args.number, user=args.sub_client
        )
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
    confirmation.on_confirmed(router, "invoice")(invoice_confirmed)
    router.message.register(get_invoice, command("getinvoice"), flags={"smsc": True})
    router.message.register(get_act, command("act"), flags={"smsc": True})
    return own_commands_only(router)
