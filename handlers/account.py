"""/login, /logout, /account: a chat's SMSC credentials.

A message that may carry a secret is deleted first, before any check and whatever its form:
``/login`` in any case, with its words in any order, a secret that starts with a slash, a
caption, an edit. Secrets never go into FSM data (a Redis storage would keep them in plain
text), never into a reply, a log line or the audit log: the dialog keeps only the target chat,
the region and when it started.
"""

from __future__ import annotations

import contextlib
import html
import logging
import math
import time
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject, CommandStart, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.accounts import ChatAccounts
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.command_text import command_of
from bot.dialog_storage import login_traces
from bot.login_attempts import TooManyAttemptsError
from bot.smsc import AuthenticationError, Credentials, Region, SmscClient, SmscError
from bot.wording import region_name
from handlers import account_args as parse
from handlers import confirmation
from handlers.argument_error import ArgumentError
from handlers.callbacks import RegionChoice
from handlers.commands import KNOWN_COMMANDS, carries_login_secret
from handlers.confirmation import Confirmed
from handlers.memo import Memo
from handlers.routing import Magic, command, own_commands_only
from handlers.secret_messages import (
    DEEP_LINK_PREFIX,
    deep_link,
    delete_and_say,
    delete_secrets,
    deletion_notice,
    edited_with_secret,
)
from handlers.sentences import argument_sentence, smsc_error_sentence
from storage import ChatCredentials
from storage.dialogs import LOGIN_WINDOW

log = logging.getLogger(__name__)

# A login dialog left open this long is closed: a secret that arrives later is deleted unread.
DIALOG_TTL = LOGIN_WINDOW


class LoginDialog(StatesGroup):
    region = State()
    secret = State()


class NotOurCommand(Filter):
    """Text that is not one of the bot's commands: in the login dialog, that is the secret,
    even when it starts with a slash, or is one of the commands with a name after it that is
    not this bot's (``/help@x``). /login with any name is left to the login handler."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        found = command_of(message.text)
        if found is None or found.name not in KNOWN_COMMANDS:
            return True
        if not found.mention or found.name == "login":
            return False
        return found.mention != ((await bot.me()).username or "").casefold()


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
    if args.has_secret:
        await state.clear()
        await finish_login(
            message, bot, accounts, audit, notice, target_chat=message.chat.id, args=args
        )
        return
    await state.clear()
    await start_dialog(message, state, accounts, target_chat=message.chat.id, region=args.region)


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


async def start_dialog(
    message: Message,
    state: FSMContext,
    accounts: ChatAccounts,
    *,
    target_chat: int,
    region: Region | None,
) -> None:
    await state.update_data(
        target_chat=target_chat,
        region=region.value if region else None,
        started_at=time.time(),
    )
    assert message.from_user is not None
    # Outlives the dialog: a secret sent after /cancel or a restart is still taken for one.
    await login_traces(state.storage).dialog_opened(
        message.chat.id, message.from_user.id, target_chat
    )
    if not accounts.needs_region(region):
        await ask_for_secret(message, state)
        return
    await state.set_state(LoginDialog.region)
    keyboard = InlineKeyboardBuilder()
    for each in Region:
        keyboard.button(text=region_name(each.value), callback_data=RegionChoice(region=each.value))
    keyboard.adjust(1)
    await message.answer(
        _("Which SMSC site is the account on?") + "\n" + _("/cancel stops here."),
        reply_markup=keyboard.as_markup(),
    )


async def ask_for_secret(message: Message, state: FSMContext) -> None:
    await state.set_state(LoginDialog.secret)
    await message.answer(
        _(
            "Send the API key, or the login and the password separated by a space. I will "
            "delete that message as soon as I have read it."
        )
        + "\n"
        + _("/cancel stops here.")
    )


async def region_chosen(
    callback: CallbackQuery, callback_data: RegionChoice, state: FSMContext
) -> None:
    await state.update_data(region=Region(callback_data.region).value)
    await callback.answer()
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramAPIError):
            await callback.message.edit_text(
                _("Region: {region}.").format(region=region_name(callback_data.region))
            )
        await ask_for_secret(callback.message, state)


async def region_expected(message: Message, bot: Bot) -> None:
    # People paste the key here instead of pressing a button: treat it as one.
    await delete_and_say(message, bot, _("Choose the region with the buttons above, or /cancel."))


async def secret_received(
    message: Message,
    state: FSMContext,
    bot: Bot,
    accounts: ChatAccounts,
    chat_admins: ChatAdmins,
    audit: AuditNote,
) -> None:
    notice = deletion_notice(await delete_secrets(bot, [message])) + "\n\n"
    data = await state.get_data()
    if time.time() - float(data.get("started_at") or 0) > DIALOG_TTL:
        await state.clear()
        audit.result = "dialog expired"
        await message.answer(notice + _("This login dialog has expired. Start again with /login."))
        return
    target = await accounts.moved_to(int(data["target_chat"]))
    assert message.from_user is not None
    if target != message.chat.id and not await chat_admins.is_admin(
        bot, target, message.from_user.id, fresh=True
    ):
        # Checked again now: rights can be taken away while the dialog was open.
        await state.clear()
        audit.chat_id = target
        audit.result = "denied: not an administrator"
        await message.answer(
            notice + _("Only administrators of that group can set its SMSC credentials.")
        )
        return
    try:
        args = parse.secret_reply(message.text)
    except ArgumentError as error:
        await message.answer(notice + argument_sentence(error))
        return
    await state.clear()
    if args.region is None and data.get("region"):
        args = parse.LoginArgs(Region(data["region"]), args.login, args.password, args.apikey)
    await finish_login(message, bot, accounts, audit, notice, target_chat=target, args=args)


async def captioned_secret(message: Message, bot: Bot) -> None:
    await delete_and_say(
        message, bot, _("Send the API key or the login and password as text, or /cancel.")
    )


async def secret_expected(message: Message) -> None:
    await message.answer(_("Send the API key or the login and password as text, or /cancel."))


async def finish_login(
    message: Message,
    bot: Bot,
    accounts: ChatAccounts,
    audit: AuditNote,
    notice: str,
    *,
    target_chat: int,
    args: parse.LoginArgs,
) -> None:
    """Check the credentials with a balance call and store them; the secret is already gone."""
    assert message.from_user is not None
    credentials = Credentials(login=args.login, password=args.password, apikey=args.apikey)
    audit.chat_id = target_chat
    try:
        balance = await accounts.connect(
            target_chat, credentials, args.region, set_by=message.from_user.id
        )
    except TooManyAttemptsError as error:
        audit.result = "refused: too many wrong logins"
        await message.answer(notice + too_many_attempts(error.retry_after))
        return
    except AuthenticationError:
        # The login is not recorded: a rejected one may well be a password in the wrong place.
        audit.result = "rejected"
        await message.answer(
            notice
            + _(
                "SMSC rejected these credentials (error 2): wrong login, "
                "password or API key, or this server's IP is not allowed for "
                "the account. Nothing was saved."
            )
        )
        return
    except SmscError as error:
        audit.result = f"failed: {type(error).__name__}"
        await message.answer(notice + smsc_error_sentence(error) + " " + _("Nothing was saved."))
        return
    audit.target = args.login or "api key"
    who = html.escape(args.login) if args.login else _("an API key")
    where = _("this chat") if target_chat == message.chat.id else _("the group")
    await message.answer(
        notice
        + _("✅ Logged in to SMSC as {who} for {where}. Balance: {balance}.").format(
            who=who, where=where, balance=_money(balance.balance, balance.currency)
        )
    )
    if target_chat != message.chat.id:
        with contextlib.suppress(TelegramAPIError):
            await bot.send_message(
                target_chat,
                _("🔑 {admin} connected this group to SMSC as {who}.").format(
                    admin=html.escape(message.from_user.full_name), who=who
                ),
            )


def too_many_attempts(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many wrong logins from you or for this chat. To keep the account and this "
        "server from being blocked by SMSC, I will not try another for {minutes} minute.",
        "Too many wrong logins from you or for this chat. To keep the account and this "
        "server from being blocked by SMSC, I will not try another for {minutes} minutes.",
        minutes,
    ).format(minutes=minutes)


class CarriesLogin(Filter):
    async def __call__(self, message: Message) -> bool:
        found = command_of(message.text or message.caption)
        return found is not None and carries_login_secret(found)


def _money(amount: Any, currency: str | None) -> str:
    return f"{amount} {currency}" if currency else f"{amount}"


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


async def logout_confirmed(done: Confirmed) -> str:
    accounts: ChatAccounts = done.data["accounts"]
    await accounts.disconnect(done.pending.chat_id)
    return _("Logged out. This chat's SMSC credentials are wiped.")


async def account(message: Message, smsc: SmscClient, account: ChatCredentials) -> None:
    balance = await smsc.balance()
    who = html.escape(account.login) if account.login else _("API key")
    region = account.region or smsc.endpoint.region
    # The site's name, never its URL: a mirror or the sandbox shows as its host.
    where = region_name(region) if region else html.escape(smsc.endpoint.site)
    await message.answer(
        _("<b>SMSC account</b>\nLogin: {who}\nSite: {where}\nBalance: {balance}").format(
            who=who, where=where, balance=_money(balance.balance, balance.currency)
        )
    )


def dialog_router() -> Router:
    """The login dialog's answers, ahead of every command router: in the dialog, a text that
    is not one of the bot's commands is the secret, whatever it starts with."""
    router = Router(name=f"{__name__}.dialog")
    router.callback_query.register(
        region_chosen, StateFilter(LoginDialog.region), RegionChoice.filter()
    )
    router.message.register(
        region_expected, StateFilter(LoginDialog.region), Magic(F.text), NotOurCommand()
    )
    router.message.register(
        secret_received, StateFilter(LoginDialog.secret), Magic(F.text), NotOurCommand()
    )
    router.message.register(
        captioned_secret, StateFilter(LoginDialog.region, LoginDialog.secret), Magic(F.caption)
    )
    router.message.register(secret_expected, StateFilter(LoginDialog.secret), Magic(~F.text))
    router.edited_message.register(edited_with_secret, CarriesLogin())
    router.edited_message.register(
        edited_with_secret, StateFilter(LoginDialog.region, LoginDialog.secret)
    )
    return router


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
    confirmation.on_confirmed(router, "logout", needs_client=False)(logout_confirmed)
    router.message.register(account, command("account"), flags={"smsc": True})
    return own_commands_only(router)
