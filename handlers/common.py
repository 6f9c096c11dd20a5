"""/start, /help, /cancel, /lang."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import args as parse
from handlers.admins import ChatAdmins
from handlers.callbacks import LangChoice
from handlers.commands import COMMANDS
from handlers.replies import edit_or_send
from handlers.routing import OwnCommands
from storage import Storage

router = Router(name=__name__)
router.message.filter(OwnCommands("start", "help", "cancel", "lang"))

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "uk": "Українська"}


def help_text() -> str:
    lines = [_("<b>SMSC in Telegram.</b> Commands:"), ""]
    lines += [f"/{name} — {description}" for name, description in COMMANDS]
    lines += [
        "",
        _(
            "Start with /login. In a group, credentials belong to the group and only its "
            "administrators can change them."
        ),
    ]
    return "\n".join(lines)


@router.message(CommandStart(deep_link=False))
async def start(message: Message) -> None:
    await message.answer(
        _(
            "Hello! I manage an SMSC account from Telegram: contacts, the blacklist, sender "
            "names, invoices and exports, and I tell you when something changes."
        )
        + "\n\n"
        + help_text()
    )


@router.message(Command("help"))
async def show_help(message: Message) -> None:
    await message.answer(help_text())


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(_("There is nothing to cancel."))
        return
    await state.clear()
    await message.answer(_("Cancelled."))


@router.message(Command("lang"))
async def choose_language(
    message: Message,
    command: CommandObject,
    storage: Storage,
    bot: Bot,
    chat_admins: ChatAdmins,
    i18n: I18n,
) -> None:
    code = parse.lang(command.args)
    if code is None:
        keyboard = InlineKeyboardBuilder()
        for each, name in LANGUAGE_NAMES.items():
            keyboard.button(text=name, callback_data=LangChoice(code=each))
        await message.answer(_("Choose the language:"), reply_markup=keyboard.as_markup())
        return
    if not await chat_admins.allowed(bot, message.chat, message.from_user):
        await message.answer(_("Only administrators of this chat can change its language."))
        return
    await storage.settings.set_language(message.chat.id, code)
    with i18n.use_locale(code):
        await message.answer(_("Language: English."))


@router.callback_query(LangChoice.filter(F.code.in_(parse.LANGUAGES)))
async def language_chosen(
    callback: CallbackQuery,
    callback_data: LangChoice,
    storage: Storage,
    bot: Bot,
    chat_admins: ChatAdmins,
    i18n: I18n,
) -> None:
    message = callback.message
    if message is None or not await chat_admins.allowed(bot, message.chat, callback.from_user):
        await callback.answer(
            _("Only administrators of this chat can change its language."), show_alert=True
        )
        return
    await storage.settings.set_language(message.chat.id, callback_data.code)
    await callback.answer()
    with i18n.use_locale(callback_data.code):
        await edit_or_send(callback, _("Language: English."))
