"""Invoices and acts for sub-clients: /invoice, /getinvoice, /act. Each answers with the PDF."""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.smsc import SmscClient
from handlers import args as parse
from handlers.audit import AuditNote
from handlers.routing import OwnCommands

router = Router(name=__name__)
router.message.filter(OwnCommands("invoice", "getinvoice", "act"))


@router.message(Command("invoice"), flags={"smsc": True})
async def create_invoice(
    message: Message, command: CommandObject, smsc: SmscClient, bot: Bot, audit: AuditNote
) -> None:
    args = parse.invoice(command.args)
    audit.target = f"{args.sub_client} {args.amount}"
    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        invoice = await smsc.documents.create_invoice(
            args.amount, user=args.sub_client, service=args.service
        )
        await message.answer_document(
            BufferedInputFile(invoice.pdf, filename=f"invoice_{invoice.id}.pdf"),
            caption=_("🧾 Invoice {id} for {client}: {sum}.").format(
                id=invoice.id, client=html.escape(args.sub_client), sum=invoice.sum
            ),
        )


@router.message(Command("getinvoice"), flags={"smsc": True})
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


@router.message(Command("act"), flags={"smsc": True})
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
