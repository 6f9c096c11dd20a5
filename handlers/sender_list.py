"""/senders: every sender name with its statuses, paged, and Refresh."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot import display
from bot.account_copies import AccountCopies
from bot.replies import edit_or_send
from bot.sender_copies import senders as kept_senders
from bot.sender_copies import sub_client_seen
from bot.smsc import Sender, SmscClient
from bot.wording import file_status, operator_name, operator_status, sender_status
from handlers import paging
from handlers import senders_args as parse
from handlers.callbacks import Page, PageKind, Refresh
from handlers.memo import Memo

# A sender's operators and documents as SMSC lists them: at most this many are shown, so that
# one name always fits in a message.
SHOWN_OPERATORS = 20
SHOWN_FILES = 5


def sender_block(sender: Sender) -> str:
    head = _("• <b>{name}</b> (id {id}) — {status}").format(
        name=display.shown(sender.name, display.NAME),
        id=sender.id,
        status=sender_status(sender.status),
    )
    lines = [head]
    operators = sorted(sender.operators.items())
    shown = [
        f"{display.shown(operator_name(key), display.KEY)}: {operator_status(code)}"
        for key, code in operators[:SHOWN_OPERATORS]
    ]
    if len(operators) > SHOWN_OPERATORS:
        shown.append(display.more(len(operators) - SHOWN_OPERATORS))
    if shown:
        lines.append("    " + " · ".join(shown))
    lines += [
        f"    📎 {display.shown(document.file or '—', display.NAME)}: "
        f"{file_status(document.fstatus)}"
        + (f" ({display.shown(document.fcomment, display.COMMENT)})" if document.fcomment else "")
        for document in sender.files[:SHOWN_FILES]
    ]
    if len(sender.files) > SHOWN_FILES:
        lines.append("    📎 " + display.more(len(sender.files) - SHOWN_FILES))
    return "\n".join(lines)


async def list_senders(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    memo: Memo,
) -> None:
    user = parse.senders(command.args)
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        text, markup = await _senders_text(smsc, copies, memo, user, refresh=False)
    await message.answer(text, reply_markup=markup)


async def _senders_text(
    smsc: SmscClient, copies: AccountCopies, memo: Memo, user: str | None, *, refresh: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    kept = await kept_senders(copies, smsc, user=user, refresh=refresh)
    if user and kept.records:
        # An empty list may be SMSC's way of saying there is no such sub-client.
        await sub_client_seen(copies, smsc, user)
    senders = kept.records
    if not senders:
        # Escaped whole: "<name>" there is no tag.
        return display.escaped(
            _("There are no sender names yet. Add one with /addsender <name>.")
        ), None
    title = _("<b>Sender names</b>, newest first")
    if user:
        title = _("<b>Sender names</b> of {client}, newest first").format(
            client=display.shown(user, display.NAME)
        )
    listed = paging.Listed(PageKind.SENDERS, senders, title, kept.complete, user)
    token = await paging.remember(memo, listed)
    return paging.page(listed, token, 0, sender_block, _refresh(listed, token))


# Refresh of the account's own names: nothing to remember, so the button never expires.
OWN_NAMES = "-"


def _refresh(listed: paging.Listed[str | None], token: str) -> paging.Buttons:
    asked = token if listed.about else OWN_NAMES

    def rows(_shown: Sequence[Sender]) -> list[list[InlineKeyboardButton]]:
        refresh = Refresh(kind=PageKind.SENDERS, token=asked).pack()
        return [[InlineKeyboardButton(text=_("🔄 Refresh"), callback_data=refresh)]]

    return rows


async def senders_page(callback: CallbackQuery, callback_data: Page, memo: Memo) -> None:
    listed = await paging.recall(memo, callback_data, str | None)
    if listed is None:
        await callback.answer(_("This list has expired. Run /senders again."), show_alert=True)
        return
    await callback.answer()
    token = callback_data.token
    refresh = _refresh(listed, token)
    text, markup = paging.page(listed, token, callback_data.start, sender_block, refresh)
    await edit_or_send(callback, text, markup)


async def senders_refreshed(
    callback: CallbackQuery,
    callback_data: Refresh,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
) -> None:
    user = None
    if callback_data.token != OWN_NAMES:
        # The list it refreshes says whose names they were (a sub-client's, with user=).
        listed = await paging.recall_list(memo, callback_data.token, PageKind.SENDERS, str | None)
        if listed is None:
            await callback.answer(_("This list has expired. Run /senders again."), show_alert=True)
            return
        user = listed.about
    text, markup = await _senders_text(smsc, copies, memo, user, refresh=True)
    await callback.answer()
    await edit_or_send(callback, text, markup)
