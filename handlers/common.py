"""/start, /help, /cancel, /lang."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, KeyboardButton, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.accounts import ChatAccounts
from bot.replies import edit_or_send
from handlers import args as parse
from handlers.callbacks import LangChoice
from handlers.commands import COMMANDS
from handlers.routing import command, own_commands_only

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


# The actions people use most, as keys under the message field: a tap sends the command.
QUICK_ACTIONS = (("contacts", "blacklist"), ("senders", "downloads"), ("account", "help"))


async def start(message: Message) -> None:
    keys = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=f"/{name}") for name in row] for row in QUICK_ACTIONS],
        resize_keyboard=True,
        input_field_placeholder=_("A command, or a phone number"),
    )
    await message.answer(
        "\n".join(
            [
                _("Hello! I manage an SMSC account from Telegram."),
                _("Send a phone number to see and change what SMSC knows of it."),
                _("/login connects this chat; /help lists everything."),
            ]
        ),
        reply_markup=keys,
    )


async def show_help(message: Message) -> None:
    await message.answer(help_text())


async def cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(_("There is nothing to cancel."))
        return
    await state.clear()
    await message.answer(_("Cancelled."))


async def offer_languages(message: Message) -> None:
    keyboard = InlineKeyboardBuilder()
    for each, name in LANGUAGE_NAMES.items():
        keyboard.button(text=name, callback_data=LangChoice(code=each))
    await message.answer(_("Choose the language:"), reply_markup=keyboard.as_markup())


async def set_language(
    message: Message, command: CommandObject, accounts: ChatAccounts, i18n: I18n
) -> None:
    code = parse.lang(command.args)
    assert code is not None  # registered for a command with words only
    await accounts.set_language(message.chat.id, code)
    with i18n.use_locale(code):
        await message.answer(_("Language: English."))


async def language_chosen(
    callback: CallbackQuery, callback_data: LangChoice, accounts: ChatAccounts, i18n: I18n
) -> None:
    message = callback.message
    assert message is not None
    await accounts.set_language(message.chat.id, callback_data.code)
    await callback.answer()
    with i18n.use_locale(callback_data.code):
        await edit_or_send(callback, _("Language: English."))


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart(deep_link=False, ignore_case=True))
    router.message.register(show_help, command("help"))
    router.message.register(cancel, command("cancel"))
    # With a language it changes the chat's (administrators only); without, it offers them.
    router.message.register(set_language, command("lang", magic=F.args), flags={"admin": True})
    router.message.register(offer_languages, command("lang"))
    router.callback_query.register(
        language_chosen, LangChoice.filter(F.code.in_(parse.LANGUAGES)), flags={"admin": True}
    )
    return own_commands_only(router)
