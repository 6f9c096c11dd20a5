"""The blacklist: /block, /unblock, /blacklist."""

from __future__ import annotations

import html
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.smsc import SmscClient
from handlers import args as parse
from handlers import confirmation, paging
from handlers.audit import AuditNote
from handlers.callbacks import Page
from handlers.memo import Memo, PendingAction
from handlers.replies import edit_or_send
from handlers.routing import OwnCommands
from handlers.wording import block_type

router = Router(name=__name__)
router.message.filter(OwnCommands("block", "unblock", "blacklist"))


@router.message(Command("block"), flags={"smsc": True})
async def block(
    message: Message, command: CommandObject, smsc: SmscClient, audit: AuditNote
) -> None:
    args = parse.block(command.args)
    audit.target = args.phone
    await smsc.phones.block(args.phone, args.block_type, args.comment)
    await message.answer(
        _("⛔ {phone} is blacklisted for {kind}.").format(
            phone=f"<code>{html.escape(args.phone)}</code>", kind=block_type(args.block_type)
        )
    )


@router.message(Command("unblock"), flags={"smsc": True})
async def unblock(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    phone = parse.unblock(command.args)
    await confirmation.ask(
        message,
        memo,
        smsc,
        audit,
        action="unblock",
        question=_("Remove {phone} from the blacklist? Messages to it will be sent again.").format(
            phone=f"<code>{html.escape(phone)}</code>"
        ),
        target=phone,
        args={"phone": phone},
    )


@confirmation.on_confirmed(router, "unblock")
async def unblock_confirmed(
    pending: PendingAction, smsc: SmscClient, audit: AuditNote, data: dict[str, Any]
) -> str:
    phone = pending.args["phone"]
    audit.target = phone
    await smsc.phones.unblock(phone)
    return _("✅ {phone} removed from the blacklist.").format(phone=html.escape(phone))


async def _blacklist_page(smsc: SmscClient, cursor: int) -> tuple[str, InlineKeyboardMarkup | None]:
    entries = await smsc.phones.blacklist(prev_id=cursor or None, count=paging.PAGE_SIZE + 1)
    shown = entries[: paging.PAGE_SIZE]
    if not shown:
        return (_("The blacklist is empty.") if cursor == 0 else _("No more entries.")), None
    lines = [_("<b>Blacklist</b>, newest first:")]
    for entry in shown:
        comment = f" — {html.escape(entry.comment)}" if entry.comment else ""
        lines.append(
            f"• <code>{html.escape(entry.phone)}</code> · {block_type(entry.type)}{comment}"
        )
    more = shown[-1].id if len(entries) > paging.PAGE_SIZE else None
    return "\n".join(lines), paging.keyboard(
        "b", next_cursor=more, query_token="", first_page=cursor == 0
    )


@router.message(Command("blacklist"), flags={"smsc": True})
async def show_blacklist(message: Message, smsc: SmscClient) -> None:
    text, markup = await _blacklist_page(smsc, 0)
    await message.answer(text, reply_markup=markup)


@router.callback_query(Page.filter(F.kind == "b"), flags={"smsc": True})
async def blacklist_page(callback: CallbackQuery, callback_data: Page, smsc: SmscClient) -> None:
    await callback.answer()
    text, markup = await _blacklist_page(smsc, callback_data.cursor)
    await edit_or_send(callback, text, markup)
