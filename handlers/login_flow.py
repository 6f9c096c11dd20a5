"""The login's steps that /login and its dialog share: the dialog is opened (a region asked
for when the account's site is not known, then the secret), and credentials are checked with a
balance call and stored.

Secrets never go into FSM data (a Redis storage would keep them in plain text), never into a
reply, a log line or the audit log: the dialog keeps only the target chat, the region and when
it started.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from typing_extensions import TypedDict

from bot import display
from bot.accounts import ChatAccounts
from bot.audit import AuditNote
from bot.dialog_storage import login_traces
from bot.login_attempts import TooManyAttemptsError
from bot.smsc import AuthenticationError, Credentials, Region, SmscError
from bot.wording import region_name
from handlers.account_args import LoginArgs
from handlers.callbacks import RegionChoice
from handlers.sentences import smsc_error_sentence
from storage import StorageError
from storage.dialogs import LOGIN_WINDOW

log = logging.getLogger(__name__)

# A login dialog left open this long is closed: a secret that arrives later is deleted unread.
DIALOG_TTL = LOGIN_WINDOW


class LoginDialog(StatesGroup):
    region = State()
    secret = State()


class LoginData(TypedDict):
    """The login dialog's data: never a secret."""

    target_chat: int
    region: str | None  # a Region's value, once known
    started_at: float  # wall-clock time: the dialog may finish on another replica


async def start_dialog(
    message: Message,
    state: FSMContext,
    accounts: ChatAccounts,
    *,
    target_chat: int,
    region: Region | None,
) -> None:
    await state.set_data(
        LoginData(
            target_chat=target_chat,
            region=region.value if region else None,
            started_at=time.time(),
        )
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


async def finish_login(
    message: Message,
    bot: Bot,
    accounts: ChatAccounts,
    audit: AuditNote,
    notice: str,
    *,
    target_chat: int,
    args: LoginArgs,
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
        await message.answer(
            notice + smsc_error_sentence(error, message.chat) + " " + _("Nothing was saved.")
        )
        return
    audit.target = args.login or "api key"
    who = display.escaped(args.login) if args.login else _("an API key")
    where = _("this chat") if target_chat == message.chat.id else _("the group")
    await message.answer(
        notice
        + _("✅ Logged in to SMSC as {who} for {where}. Balance: {balance}.").format(
            who=who, where=where, balance=money_text(balance.balance, balance.currency)
        )
    )
    if target_chat != message.chat.id:
        with contextlib.suppress(TelegramAPIError):
            await bot.send_message(
                target_chat,
                _("🔑 {admin} connected this group to SMSC as {who}.").format(
                    admin=display.escaped(message.from_user.full_name), who=who
                ),
            )


@contextlib.asynccontextmanager
async def telling_the_secret_is_gone(
    message: Message, notice: str, audit: AuditNote
) -> AsyncIterator[None]:
    """Once a secret's message is deleted, the reply says so whatever fails next: a database
    that cannot be written (a full disk) is answered here, with ``notice``, not by the error
    router's sentence alone."""
    try:
        yield
    except StorageError as error:
        log.error("storage error during a login", extra={"error": type(error).__name__})
        audit.result = "failed: storage"
        await message.answer(
            notice
            + _(
                "⚠️ My database cannot be written right now, so nothing was saved. Send /login "
                "again in a moment."
            )
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


def money_text(amount: Any, currency: str | None) -> str:
    return f"{amount} {currency}" if currency else f"{amount}"
