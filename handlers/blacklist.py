"""The blacklist of numbers and of e-mail addresses: /block, /unblock, /blacklist [mail].

An address with ``@`` goes to ``mails.php``, a number to ``phones.php``; the two share the
protocol (``add_black``, ``del_black``, ``get_black``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import display
from bot.audit import AuditNote
from bot.memo import Memo
from bot.replies import edit_or_send
from bot.smsc import BlacklistEntry, NotFoundError, SmscClient, SmscError
from bot.smsc.contacts import ContactBook
from bot.wording import block_type
from handlers import args as parse
from handlers import choices, confirmation, paging
from handlers.callbacks import Page, PageKind
from handlers.confirmation import Confirmed
from handlers.routing import command, own_commands_only


def book_for(smsc: SmscClient, is_email: bool) -> ContactBook:
    return smsc.mails if is_email else smsc.phones


def code(value: str) -> str:
    return f"<code>{html.escape(value)}</code>"


async def block(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    readings = parse.block(command.args, smsc.endpoint.region)
    args = await choices.one_of(message, memo, smsc, "block", readings, choices.block_reading)
    if args is not None:
        await block_as_read(message, smsc, audit, args)


async def block_as_read(
    message: Message, smsc: SmscClient, audit: AuditNote, args: parse.BlockArgs
) -> None:
    target = args.address
    audit.target = target.value
    await book_for(smsc, target.is_email).block(target.value, args.block_type, args.comment)
    await message.answer(
        _("⛔ {phone} is blacklisted for {kind}.").format(
            phone=code(target.value), kind=block_type(args.block_type)
        )
    )


async def unblock(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    target = parse.unblock(command.args, smsc.endpoint.region)
    await confirmation.ask(
        message,
        memo,
        smsc,
        audit,
        action="unblock",
        question=_("Remove {phone} from the blacklist? Messages to it will be sent again.").format(
            phone=code(target.value)
        ),
        target=target.value,
        args={"address": target.value, "is_email": target.is_email},
    )


async def unblock_confirmed(done: Confirmed) -> str:
    address = done.pending.args["address"]
    is_email = bool(done.pending.args.get("is_email"))
    book = book_for(done.client, is_email)
    done.audit.target = address
    try:
        await book.unblock(address)
    except NotFoundError:
        # An address is kept as it was typed (IVAN@EXAMPLE.COM), and the pages do not say
        # whether SMSC matches it in any case: the listed form is tried once.
        listed = await _listed_as(book, address) if is_email else None
        if listed is None:
            raise
        await book.unblock(listed)
        address = done.audit.target = listed
    return _("✅ {phone} removed from the blacklist.").format(phone=html.escape(address))


async def _listed_as(book: ContactBook, address: str) -> str | None:
    """The one blacklisted address that is ``address`` in another case, among the newest
    thousand; None when there is none or the list cannot be had now."""
    try:
        entries = await book.blacklist(count=paging.FETCHED)
    except SmscError:
        return None
    return in_another_case((e.phone for e in entries), address)


def in_another_case(listed: Iterable[str], address: str) -> str | None:
    """The one listed address that is ``address`` written in another case, if there is one."""
    same = [each for each in listed if each.casefold() == address.casefold()]
    return same[0] if len(same) == 1 and same[0] != address else None


def entry_line(entry: BlacklistEntry) -> str:
    comment = f" — {display.shown(entry.comment, display.COMMENT)}" if entry.comment else ""
    address = f"<code>{display.shown(entry.phone, display.ADDRESS)}</code>"
    return f"• {address} · {block_type(entry.type)}{comment}"


async def show_blacklist(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo
) -> None:
    is_email = parse.blacklist(command.args)
    entries = await book_for(smsc, is_email).blacklist(count=paging.FETCHED)
    if not entries:
        await message.answer(_("The blacklist is empty."))
        return
    title = (
        _("<b>E-mail blacklist</b>, newest first")
        if is_email
        else _("<b>Blacklist</b>, newest first")
    )
    listed = paging.Listed(PageKind.BLACKLIST, entries, title, len(entries) < paging.FETCHED)
    text, markup = paging.page(listed, paging.remember(memo, listed), 0, entry_line)
    await message.answer(text, reply_markup=markup)


async def blacklist_page(callback: CallbackQuery, callback_data: Page, memo: Memo) -> None:
    listed = paging.recall(memo, callback_data)
    if listed is None:
        await callback.answer(_("This list has expired. Run /blacklist again."), show_alert=True)
        return
    await callback.answer()
    text, markup = paging.page(listed, callback_data.token, callback_data.start, entry_line)
    await edit_or_send(callback, text, markup)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(block, command("block"), flags={"smsc": True})
    router.message.register(unblock, command("unblock"), flags={"smsc": True})
    confirmation.on_confirmed(router, "unblock")(unblock_confirmed)
    router.message.register(show_blacklist, command("blacklist"), flags={"smsc": True})
    choices.on_chosen(router, "block")(lambda c: block_as_read(c.message, c.smsc, c.audit, c.args))
    router.callback_query.register(blacklist_page, Page.filter(F.kind == PageKind.BLACKLIST))
    return own_commands_only(router)
