"""The login dialog's answers: the region's button, then the secret. In the dialog, a text that
is not one of the bot's commands is the secret, whatever it starts with; it is deleted first,
before any check. The steps /login shares with it are in :mod:`handlers.login_flow`.
"""

from __future__ import annotations

import contextlib
import time

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.accounts import ChatAccounts
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.command_text import command_of
from bot.smsc import Region
from bot.wording import region_name
from handlers import account_args as parse
from handlers.argument_error import ArgumentError
from handlers.callbacks import RegionChoice
from handlers.commands import KNOWN_COMMANDS, carries_login_secret
from handlers.dialog_data import dialog_data
from handlers.login_flow import (
    DIALOG_TTL,
    LoginData,
    LoginDialog,
    ask_for_secret,
    finish_login,
    telling_the_secret_is_gone,
)
from handlers.routing import Magic
from handlers.secret_messages import (
    delete_and_say,
    delete_secrets,
    deletion_notice,
    edited_with_secret,
)
from handlers.sentences import argument_sentence


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


async def region_chosen(
    callback: CallbackQuery, callback_data: RegionChoice, state: FSMContext
) -> None:
    data = await dialog_data(state, LoginData)
    if data is None:
        await state.clear()
        await callback.answer(
            _("This login dialog has expired. Start again with /login."), show_alert=True
        )
        return
    data["region"] = Region(callback_data.region).value
    await state.set_data(data)
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
    async with telling_the_secret_is_gone(message, notice, audit):
        await _take_secret(message, state, bot, accounts, chat_admins, audit, notice)


async def _take_secret(
    message: Message,
    state: FSMContext,
    bot: Bot,
    accounts: ChatAccounts,
    chat_admins: ChatAdmins,
    audit: AuditNote,
    notice: str,
) -> None:
    data = await dialog_data(state, LoginData)
    if data is None or time.time() - data["started_at"] > DIALOG_TTL:
        await state.clear()
        audit.result = "dialog expired"
        await message.answer(notice + _("This login dialog has expired. Start again with /login."))
        return
    target = await accounts.moved_to(data["target_chat"])
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
    if args.region is None and data["region"]:
        args = parse.LoginArgs(Region(data["region"]), args.login, args.password, args.apikey)
    await finish_login(message, bot, accounts, audit, notice, target_chat=target, args=args)


async def captioned_secret(message: Message, bot: Bot) -> None:
    await delete_and_say(
        message, bot, _("Send the API key or the login and password as text, or /cancel.")
    )


async def secret_expected(message: Message) -> None:
    await message.answer(_("Send the API key or the login and password as text, or /cancel."))


class CarriesLogin(Filter):
    async def __call__(self, message: Message) -> bool:
        found = command_of(message.text or message.caption)
        return found is not None and carries_login_secret(found)


def router() -> Router:
    """The login dialog's answers, ahead of every command router: in the dialog, a text that
    is not one of the bot's commands is the secret, whatever it starts with."""
    router = Router(name=__name__)
    # Every message handler here is the dialog's: any other message passes by at the door.
    router.message.filter(StateFilter(LoginDialog.region, LoginDialog.secret))
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
