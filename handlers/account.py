"""/login, /logout, /account: a chat's SMSC credentials.

Secrets never go into FSM data (a Redis storage would keep them in plain text): the dialog keeps
only the target chat and the region, and the message with the secret is read once and deleted.
"""

from __future__ import annotations

import contextlib
import html
import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.smsc import AuthenticationError, Credentials, Region, SmscClient, SmscError
from bot.smsc.factory import SmscFactory
from handlers import args as parse
from handlers import confirmation
from handlers.admins import ChatAdmins
from handlers.audit import AuditNote
from handlers.callbacks import RegionChoice
from handlers.errors import smsc_error_sentence
from handlers.memo import Memo, PendingAction
from handlers.routing import OwnCommands
from handlers.wording import region_name
from storage import AuthKind, ChatCredentials, NotificationKind, Storage

router = Router(name=__name__)
router.message.filter(OwnCommands("login", "logout", "account", "start"))
log = logging.getLogger(__name__)

DEEP_LINK_PREFIX = "login_"


class LoginDialog(StatesGroup):
    region = State()
    secret = State()


async def delete_secrets(bot: Bot, messages: list[Message]) -> bool:
    """Delete every message that carried a secret; False if any could not be deleted."""
    all_gone = True
    for message in messages:
        try:
            await bot.delete_message(message.chat.id, message.message_id)
        except TelegramAPIError as error:
            all_gone = False
            log.warning(
                "could not delete a message with a secret",
                extra={"chat_id": message.chat.id, "error": type(error).__name__},
            )
    return all_gone


def deletion_notice(deleted: bool) -> str:
    if deleted:
        return _("🔒 I deleted your message with the secret from this chat.")
    return _(
        "⚠️ I could NOT delete your message with the secret (I may lack the right to delete "
        "messages, or it is older than 48 hours). Delete it yourself now, and change the "
        "password or API key in the SMSC cabinet."
    )


def _deep_link(username: str | None, chat_id: int) -> str | None:
    return f"https://t.me/{username}?start={DEEP_LINK_PREFIX}{chat_id}" if username else None


# Not flagged "admin": a secret sent to a group by anyone must be deleted before anything else.
@router.message(Command("login"))
async def login(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    bot: Bot,
    storage: Storage,
    smsc_factory: SmscFactory,
    chat_admins: ChatAdmins,
    audit: AuditNote,
) -> None:
    carries_secret = bool(command.args and command.args.strip())
    if message.chat.type != ChatType.PRIVATE:
        is_admin = await chat_admins.allowed(bot, message.chat, message.from_user)
        await _login_in_group(message, bot, carries_secret, is_admin)
        audit.result = "moved to private chat" if is_admin else "denied: not an administrator"
        return
    try:
        args = parse.login(command.args)
    except parse.ArgumentError:
        # Whatever it was, it may hold a secret.
        if carries_secret:
            await message.answer(deletion_notice(await delete_secrets(bot, [message])))
        raise
    if args.has_secret:
        await finish_login(
            message,
            bot,
            storage,
            smsc_factory,
            audit,
            state,
            target_chat=message.chat.id,
            region=args.region,
            args=args,
            secret_messages=[message],
        )
        return
    await state.clear()
    await start_dialog(
        message, state, smsc_factory, target_chat=message.chat.id, region=args.region
    )


async def _login_in_group(message: Message, bot: Bot, carries_secret: bool, is_admin: bool) -> None:
    keyboard = InlineKeyboardBuilder()
    if is_admin:
        link = _deep_link((await bot.me()).username, message.chat.id)
        if link:
            keyboard.button(text=_("Continue in a private chat"), url=link)
        text = _(
            "For safety, I take credentials only in a private chat. Press the button, and I "
            "will set them for this group."
        )
    else:
        text = _("Only administrators of this chat can connect it to SMSC.")
    if carries_secret:
        deleted = await delete_secrets(bot, [message])
        text = (
            deletion_notice(deleted)
            + "\n"
            + _("Never send a password or API key to a group.")
            + "\n\n"
            + text
        )
    await message.answer(text, reply_markup=keyboard.as_markup())


@router.message(
    CommandStart(deep_link=True, magic=F.args.startswith(DEEP_LINK_PREFIX)),
    F.chat.type == ChatType.PRIVATE,
)
async def login_for_group(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    bot: Bot,
    smsc_factory: SmscFactory,
    chat_admins: ChatAdmins,
) -> None:
    raw = (command.args or "").removeprefix(DEEP_LINK_PREFIX)
    try:
        group_id = int(raw)
    except ValueError:
        await message.answer(_("This link is broken. Ask for a new one with /login in the group."))
        return
    assert message.from_user is not None
    if not await chat_admins.is_admin(bot, group_id, message.from_user.id):
        await message.answer(_("Only administrators of that group can set its SMSC credentials."))
        return
    await state.clear()
    await start_dialog(message, state, smsc_factory, target_chat=group_id, region=None)


async def start_dialog(
    message: Message,
    state: FSMContext,
    smsc_factory: SmscFactory,
    *,
    target_chat: int,
    region: Region | None,
) -> None:
    await state.update_data(target_chat=target_chat, region=region.value if region else None)
    if region is not None or smsc_factory.forced_base_url:
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


@router.callback_query(LoginDialog.region, RegionChoice.filter())
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


@router.message(LoginDialog.region)
async def region_expected(message: Message) -> None:
    await message.answer(_("Choose the region with the buttons above, or /cancel."))


@router.message(StateFilter(LoginDialog.secret), F.text, ~F.text.startswith("/"))
async def secret_received(
    message: Message,
    state: FSMContext,
    bot: Bot,
    storage: Storage,
    smsc_factory: SmscFactory,
    audit: AuditNote,
) -> None:
    data = await state.get_data()
    try:
        args = parse.secret_reply(message.text)
    except parse.ArgumentError:
        await message.answer(deletion_notice(await delete_secrets(bot, [message])))
        raise
    region = Region(data["region"]) if data.get("region") else None
    await finish_login(
        message,
        bot,
        storage,
        smsc_factory,
        audit,
        state,
        target_chat=int(data["target_chat"]),
        region=region,
        args=args,
        secret_messages=[message],
    )


@router.message(StateFilter(LoginDialog.secret), ~F.text)
async def secret_expected(message: Message) -> None:
    await message.answer(_("Send the API key or the login and password as text, or /cancel."))


async def finish_login(
    message: Message,
    bot: Bot,
    storage: Storage,
    smsc_factory: SmscFactory,
    audit: AuditNote,
    state: FSMContext,
    *,
    target_chat: int,
    region: Region | None,
    args: parse.LoginArgs,
    secret_messages: list[Message],
) -> None:
    """Check the credentials with a balance call, store them, delete the secret, say so."""
    await state.clear()
    # Deleted before the check: the secret spends as little time in the chat as possible.
    notice = deletion_notice(await delete_secrets(bot, secret_messages))
    assert message.from_user is not None
    region = region or Region.RU
    credentials = Credentials(login=args.login, password=args.password, apikey=args.apikey)
    audit.chat_id = target_chat
    audit.target = args.login or "api key"
    client = smsc_factory.client(credentials, region=region.value, max_wait=None)
    try:
        balance = await client.balance()
    except AuthenticationError:
        audit.result = "rejected"
        await message.answer(
            notice
            + "\n\n"
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
            notice + "\n\n" + smsc_error_sentence(error) + " " + _("Nothing was saved.")
        )
        return
    await storage.credentials.save(
        target_chat,
        auth_kind=AuthKind.APIKEY if args.apikey else AuthKind.PASSWORD,
        secret=args.apikey or args.password or "",
        login=args.login,
        region=None if smsc_factory.forced_base_url else region.value,
        base_url=smsc_factory.forced_base_url,
        set_by=message.from_user.id,
    )
    await storage.settings.set_paused(target_chat, None)
    who = html.escape(args.login) if args.login else _("an API key")
    where = _("this chat") if target_chat == message.chat.id else _("the group")
    await message.answer(
        notice
        + "\n\n"
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


def _money(amount: Any, currency: str | None) -> str:
    return f"{amount} {currency}" if currency else f"{amount}"


@router.message(Command("logout"), flags={"admin": True, "smsc": True})
async def logout(message: Message, memo: Memo, smsc: SmscClient, audit: AuditNote) -> None:
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


@confirmation.on_confirmed(router, "logout")
async def logout_confirmed(
    pending: PendingAction, smsc: SmscClient, audit: AuditNote, data: dict[str, Any]
) -> str:
    storage: Storage = data["storage"]
    await storage.credentials.delete(pending.chat_id)
    for kind in NotificationKind:
        await storage.settings.set_notify(pending.chat_id, kind, False)
        await storage.watch.forget(pending.chat_id, kind)
    return _("Logged out. This chat's SMSC credentials are wiped.")


@router.message(Command("account"), flags={"smsc": True})
async def account(message: Message, smsc: SmscClient, account: ChatCredentials) -> None:
    balance = await smsc.balance()
    who = html.escape(account.login) if account.login else _("API key")
    where = region_name(account.region) if account.region else html.escape(account.base_url or "")
    await message.answer(
        _("<b>SMSC account</b>\nLogin: {who}\nSite: {where}\nBalance: {balance}").format(
            who=who, where=where, balance=_money(balance.balance, balance.currency)
        )
    )
