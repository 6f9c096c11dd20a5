"""The blacklist: /block, /unblock, /blacklist."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.audit import AuditNote
from bot.memo import Memo
from bot.replies import edit_or_send
from bot.smsc import SmscClient
from bot.wording import block_type
from handlers import args as parse
from handlers import confirmation, paging
from handlers.callbacks import Page, PageKind
from handlers.confirmation import Confirmed
from handlers.routing import command, own_commands_only


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


async def unblock_confirmed(done: Confirmed) -> str:
    pending, audit, smsc = done.pending, done.audit, done.client
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
        PageKind.BLACKLIST, next_cursor=more, query_token="", first_page=cursor == 0
    )


async def show_blacklist(message: Message, smsc: SmscClient) -> None:
    text, markup = await _blacklist_page(smsc, 0)
    await message.answer(text, reply_markup=markup)


async def blacklist_page(callback: CallbackQuery, callback_data: Page, smsc: SmscClient) -> None:
    await callback.answer()
    text, markup = await _blacklist_page(smsc, callback_data.cursor)
    await edit_or_send(callback, text, markup)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(block, command("block"), flags={"smsc": True})
    router.message.register(unblock, command("unblock"), flags={"smsc": True})
    confirmation.on_confirmed(router, "unblock")(unblock_confirmed)
    router.message.register(show_blacklist, command("blacklist"), flags={"smsc": True})
    router.callback_query.register(
        blacklist_page, Page.filter(F.kind == PageKind.BLACKLIST), flags={"smsc": True}
    )
    return own_commands_only(router)
