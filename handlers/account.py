"""/login, /logout, /account: a chat's SMSC credentials; and the login link a group's
/login gives its administrators.

A message that may carry a secret is deleted first, before any check and whatever its form:
``/login`` in any case, with its words in any order, a secret that starts with a slash, a
caption, an edit. The dialog's answers are :mod:`handlers.login_dialog`'s; what /login shares
with it (opening the dialog, checking and storing credentials) is :mod:`handlers.login_flow`'s.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Chat, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import display
from bot.accounts import ChatAccounts
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.dialog_storage import login_traces
from bot.smsc import SmscClient
from bot.wording import region_name
from handlers import account_args as parse
from handlers import confirmation
from handlers.argument_error import ArgumentError
from handlers.confirmation import Confirmed
from handlers.login_flow import (
    finish_login,
    money_text,
    start_dialog,
    telling_the_secret_is_gone,
)
from handlers.memo import Memo
from handlers.routing import Magic, command, own_commands_only
from handlers.secret_messages import (
    DEEP_LINK_PREFIX,
    deep_link,
    delete_secrets,
    deletion_notice,
)
from handlers.sentences import argument_sentence
from storage import ChatCredentials

log = logging.getLogger(__name__)


# Not flagged "admin": a secret sent to a group by anyone must be deleted before anything else.
async def login(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    bot: Bot,
    accounts: ChatAccounts,
    chat_admins: ChatAdmins,
    audit: AuditNote,
    fsm_storage: BaseStorage,
) -> None:
    carries_secret = bool(command.args and command.args.strip())
    # First, whatever the form and whoever sent it: a mistyped /login holds the secret too.
    deleted = await delete_secrets(bot, [message]) if carries_secret else None
    if message.chat.type != ChatType.PRIVATE:
        is_admin = await chat_admins.allowed(
            bot, message.chat, message.from_user, sender_chat=message.sender_chat
        )
        prompt = await _login_in_group(message, bot, deleted, is_admin)
        await login_traces(fsm_storage).prompt_sent(message.chat.id, prompt.message_id)
        audit.result = "moved to private chat" if is_admin else "denied: not an administrator"
        return
    notice = deletion_notice(deleted) + "\n\n" if deleted is not None else ""
    try:
        args = parse.login(command.args)
    except ArgumentError as error:
        audit.result = "bad arguments"
        await message.answer(notice + argument_sentence(error))
        return
    async with telling_the_secret_is_gone(message, notice, audit):
        await state.clear()
        if args.has_secret:
            await finish_login(
                message, bot, accounts, audit, notice, target_chat=message.chat.id, args=args
            )
            return
        await start_dialog(
            message, state, accounts, target_chat=message.chat.id, region=args.region
        )


async def _login_in_group(
    message: Message, bot: Bot, deleted: bool | None, is_admin: bool
) -> Message:
    keyboard = InlineKeyboardBuilder()
    if is_admin:
        link = deep_link((await bot.me()).username, message.chat.id)
        if link:
            keyboard.button(text=_("Continue in a private chat"), url=link)
        text = _(
            "For safety, I take credentials only in a private chat. Press the button, and I "
            "will set them for this group."
        )
    else:
        text = _("Only administrators of this chat can connect it to SMSC.")
    if deleted is not None:
        text = (
            deletion_notice(deleted)
            + "\n"
            + _("Never send a password or API key to a group.")
            + "\n\n"
            + text
        )
    return await message.answer(text, reply_markup=keyboard.as_markup())


async def login_for_group(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    bot: Bot,
    accounts: ChatAccounts,
    chat_admins: ChatAdmins,
) -> None:
    group_id = parse.linked_group((command.args or "").removeprefix(DEEP_LINK_PREFIX))
    if group_id is None:
        await message.answer(
            _("This link has expired. Ask for a new one with /login in the group.")
        )
        return
    assert message.from_user is not None
    group_id = await accounts.moved_to(group_id)
    if not await chat_admins.is_admin(bot, group_id, message.from_user.id, fresh=True):
        await message.answer(_("Only administrators of that group can set its SMSC credentials."))
        return
    await state.clear()
    await start_dialog(message, state, accounts, target_chat=group_id, region=None)


async def logout(message: Message, memo: Memo, smsc: SmscClient | None, audit: AuditNote) -> None:
    await confirmation.ask(
        message,
        memo,
        smsc,
        audit,
        action="logout",
        question=_(
            "Disconnect this chat from SMSC? Its stored credentials will be wiped and "
            "notifications stop."
        ),
    )


async def logout_confirmed(done: Confirmed[None]) -> str:
    accounts: ChatAccounts = done.accounts
    await accounts.disconnect(done.pending.chat_id)
    chat: Chat | None = done.data.get("event_chat")
    if chat is not None and chat.type == ChatType.PRIVATE:
        then = _("To connect again, send /login.")
    else:
        then = _("An administrator can connect it again with /login.")
    return _("Logged out. This chat's SMSC credentials are wiped.") + " " + then


async def account(message: Message, smsc: SmscClient, account: ChatCredentials) -> None:
    balance = await smsc.balance()
    who = display.escaped(account.login) if account.login else _("API key")
    region = account.region or smsc.endpoint.region
    # The site's name, never its URL: a mirror or the sandbox shows as its host.
    where = region_name(region) if region else display.escaped(smsc.endpoint.site)
    await message.answer(
        _("<b>SMSC account</b>\nLogin: {who}\nSite: {where}\nBalance: {balance}").format(
            who=who, where=where, balance=money_text(balance.balance, balance.currency)
        )
    )


def router() -> Router:
    router = Router(name=__name__)
    # Whoever it is addressed to: a secret in a chat is deleted, even with another bot's name.
    router.message.register(login, command("login", ignore_mention=True))
    router.message.register(
        login_for_group,
        CommandStart(deep_link=True, magic=F.args.startswith(DEEP_LINK_PREFIX), ignore_case=True),
        Magic(F.chat.type == ChatType.PRIVATE),
    )
    router.message.register(logout, command("logout"), flags={"admin": True, "smsc": "optional"})
    confirmation.on_confirmed(router, "logout", type(None), needs_client=False)(logout_confirmed)
    router.message.register(account, command("account"), flags={"smsc": True})
    return own_commands_only(router)
