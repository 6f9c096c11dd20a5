"""The blacklist of numbers and of e-mail addresses: /block, /unblock, /blacklist [mail].

An address with ``@`` goes to ``mails.php``, a number to ``phones.php``; the two share the
protocol (``add_black``, ``del_black``, ``get_black``). The list is the account's kept copy,
read once a window and kept up to date by the bot's own writes (:mod:`handlers.blocks`).
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import display
from bot.account_copies import AccountCopies
from bot.audit import AuditNote
from bot.replies import edit_or_send
from bot.smsc import BlacklistEntry, SmscClient
from bot.wording import block_type
from handlers import asking, blocks, choices, confirmation, paging
from handlers import blacklist_args as parse
from handlers.callbacks import Page, PageKind, RefreshKind, Reread, with_refresh
from handlers.confirmation import Confirmed
from handlers.memo import Memo
from handlers.readers import Address, words_of
from handlers.routing import command, own_commands_only


async def block(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
) -> None:
    if not words_of(command.args):
        await asking.start(message, state, BLOCK, [], {})
        return
    await block_text(message, command.args, smsc, copies, memo, audit)


async def block_text(
    message: Message,
    text: str | None,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
) -> None:
    readings = parse.block(text, smsc.endpoint.region)
    args = await choices.one_of(message, memo, smsc, "block", readings, choices.block_reading)
    if args is not None:
        await block_as_read(message, smsc, copies, memo, audit, args)


async def block_as_read(
    message: Message,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
    args: parse.BlockArgs,
) -> None:
    """Block as the words were read; a block that would change another one asks first."""
    audit.target = args.address.value
    plan = await blocks.plan_block(copies, smsc, args.address, args.block_type, args.comment)
    if plan.unchanged:
        assert plan.current is not None
        audit.result = "already blocked"
        await message.answer(blocks.already_sentence(plan.current))
        return
    if plan.changes_a_block:
        await confirmation.ask(
            message,
            memo,
            smsc,
            audit,
            action="reblock",
            question=blocks.change_question(plan),
            target=plan.address.value,
            args=plan.change(),
            labels=(_("Change it"), _("Keep it as it is")),
        )
        return
    await message.answer(blocks.blocked_sentence(await blocks.carry_out(copies, smsc, plan)))


async def reblock_confirmed(done: Confirmed[blocks.BlockChange]) -> str:
    change = done.pending.args
    address = change.address
    done.audit.target = address.value
    copies: AccountCopies = done.copies
    # The entry as it is now, which may have changed since the question: the change asked
    # for is what is sent.
    current = await blocks.current_block(copies, done.client, address, stale_ok=True)
    plan = blocks.BlockPlan(address, change.kind, change.comment, current)
    return blocks.blocked_sentence(await blocks.carry_out(copies, done.client, plan))


async def unblock(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
) -> None:
    if not words_of(command.args):
        await asking.start(message, state, UNBLOCK, [], {})
        return
    target = parse.unblock(command.args, smsc.endpoint.region)
    await ask_to_unblock(message, smsc, copies, memo, audit, target)


async def _unblock_answered(message: Message, text: str, data: dict[str, Any]) -> None:
    smsc: SmscClient = data["smsc"]
    target = parse.unblock(text, smsc.endpoint.region)
    await ask_to_unblock(message, smsc, data["copies"], data["memo"], data["audit"], target)


BLOCK = asking.Dialog(
    asking.Asking.block,
    (
        asking.Step(
            lambda: _(
                "Which number or e-mail address should I blacklist? Send it; after it you may "
                "add <code>all</code> or <code>mass</code> and a comment."
            )
        ),
    ),
    lambda message, text, data: block_text(
        message, text, data["smsc"], data["copies"], data["memo"], data["audit"]
    ),
)
UNBLOCK = asking.Dialog(
    asking.Asking.unblock,
    (asking.Step(lambda: _("Which number or e-mail address should I remove from the blacklist?")),),
    _unblock_answered,
)


async def ask_to_unblock(
    message: Message,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
    target: Address,
) -> None:
    current = await blocks.current_block(copies, smsc, target)
    await confirmation.ask(
        message,
        memo,
        smsc,
        audit,
        action="unblock",
        question=blocks.unblock_question(target, current),
        target=target.value,
        args=target,
    )


async def unblock_confirmed(done: Confirmed[Address]) -> str:
    target = done.pending.args
    copies: AccountCopies = done.copies
    done.audit.target = address = await blocks.unblock_address(copies, done.client, target)
    return _("✅ {phone} removed from the blacklist.").format(phone=display.escaped(address))


def entry_line(entry: BlacklistEntry) -> str:
    comment = f" — {display.shown(entry.comment, display.COMMENT)}" if entry.comment else ""
    address = f"<code>{display.shown(entry.phone, display.ADDRESS)}</code>"
    return f"• {address} · {block_type(entry.type)}{comment}"


async def _blacklist_page(
    smsc: SmscClient, copies: AccountCopies, memo: Memo, is_email: bool, *, refresh: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    kept = await copies.blacklist(smsc, mail=is_email, refresh=refresh)
    refresh_button = Reread(what=RefreshKind.BLACKLIST_MAIL if is_email else RefreshKind.BLACKLIST)
    if not kept.records:
        return _("The blacklist is empty."), with_refresh(None, refresh_button)
    title = (
        _("<b>E-mail blacklist</b>, newest first")
        if is_email
        else _("<b>Blacklist</b>, newest first")
    )
    listed = paging.Listed(PageKind.BLACKLIST, kept.records, title, kept.complete, None)
    text, markup = paging.page(listed, await paging.remember(memo, listed), 0, entry_line)
    return text, with_refresh(markup, refresh_button)


async def show_blacklist(
    message: Message, command: CommandObject, smsc: SmscClient, copies: AccountCopies, memo: Memo
) -> None:
    is_email = parse.blacklist(command.args)
    text, markup = await _blacklist_page(smsc, copies, memo, is_email, refresh=False)
    await message.answer(text, reply_markup=markup)


async def refresh_blacklist(
    callback: CallbackQuery,
    callback_data: Reread,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
) -> None:
    is_email = callback_data.what is RefreshKind.BLACKLIST_MAIL
    text, markup = await _blacklist_page(smsc, copies, memo, is_email, refresh=True)
    await callback.answer()
    await edit_or_send(callback, text, markup)


async def blacklist_page(callback: CallbackQuery, callback_data: Page, memo: Memo) -> None:
    listed = await paging.recall(memo, callback_data)
    if listed is None:
        await callback.answer(_("This list has expired. Run /blacklist again."), show_alert=True)
        return
    await callback.answer()
    text, markup = paging.page(listed, callback_data.token, callback_data.start, entry_line)
    await edit_or_send(callback, text, markup)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(block, command("block"), flags={"smsc": True})
    confirmation.on_confirmed(router, "reblock", blocks.BlockChange)(reblock_confirmed)
    router.message.register(unblock, command("unblock"), flags={"smsc": True})
    confirmation.on_confirmed(router, "unblock", Address)(unblock_confirmed)
    router.message.register(show_blacklist, command("blacklist"), flags={"smsc": True})
    asking.register(router, BLOCK)
    asking.register(router, UNBLOCK)
    choices.on_chosen(router, "block")(
        lambda c: block_as_read(c.message, c.smsc, c.copies, c.memo, c.audit, c.args)
    )
    router.callback_query.register(
        blacklist_page, Page.filter(F.kind == PageKind.BLACKLIST), flags={"smsc": "if-any"}
    )
    router.callback_query.register(
        refresh_blacklist,
        Reread.filter(F.what.in_({RefreshKind.BLACKLIST, RefreshKind.BLACKLIST_MAIL})),
        flags={"smsc": True},
    )
    return own_commands_only(router)
