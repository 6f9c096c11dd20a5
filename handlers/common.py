"""/start, /help, /cancel, /lang."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import display
from bot.accounts import ChatAccounts
from bot.replies import edit_or_send
from handlers import asking
from handlers import lang_args as parse
from handlers.callbacks import HelpTopic, LangChoice
from handlers.commands import COMMANDS, DOMAINS, CommandSpec, command_named, suggestion
from handlers.quick_actions import quick_keys
from handlers.routing import command, own_commands_only
from storage import ChatCredentials

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "uk": "Українська"}


def _heading() -> list[str]:
    return [_("<b>SMSC in Telegram.</b> Commands:"), ""]


def _login_note() -> str:
    return _(
        "Start with /login. In a group, credentials belong to the group and only its "
        "administrators can change them."
    )


def help_text() -> str:
    """The first screen: the usual commands by domain, short enough for a phone."""
    lines = _heading()
    for domain, title in DOMAINS:
        names = " ".join(f"/{c.name}" for c in COMMANDS if c.domain is domain and c.main)
        lines.append(f"{title}: {names}")
    lines += [
        "",
        _("{example} — one command in detail.").format(example="/help block"),
        _login_note(),
    ]
    return "\n".join(lines)


def full_help_text() -> str:
    """Every command, by domain, with what it does."""
    lines = _heading()
    for domain, title in DOMAINS:
        lines.append(f"<b>{title}</b>")
        lines += [f"/{c.name} — {c.description}" for c in COMMANDS if c.domain is domain]
        lines.append("")
    lines.append(_login_note())
    return "\n".join(lines)


def command_help(spec: CommandSpec) -> str:
    usage = spec.usage() if spec.usage else f"/{spec.name}"
    return "/{name} — {description}\n{label} <code>{usage}</code>".format(
        name=spec.name,
        description=spec.description,
        label=_("Usage:"),
        usage=display.escaped(usage),
    )


def _help_keys(full: bool) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    if full:
        keyboard.button(text=_("◀ Back"), callback_data=HelpTopic(full=False))
    else:
        keyboard.button(text=_("📖 All commands"), callback_data=HelpTopic(full=True))
    return keyboard.as_markup()


async def start(message: Message, account: ChatCredentials | None = None) -> None:
    if account is None:
        lines = [
            _("Hello! I manage an SMSC account from Telegram."),
            _("Send a phone number to see and change what SMSC knows of it."),
            _("/login connects this chat; /help lists everything."),
        ]
    else:
        # /start again, in a chat already connected: not a newcomer, so no "/login" first.
        who = display.escaped(account.login) if account.login else _("an API key")
        lines = [
            _("Hello again! This chat is connected to SMSC as {who}.").format(who=who),
            _("Send a phone number to see and change what SMSC knows of it."),
            _("/help lists everything; /account shows the balance."),
        ]
    await message.answer("\n".join(lines), reply_markup=quick_keys())


async def show_help(message: Message, command: CommandObject) -> None:
    topic = _topic(command.args)
    if topic is None:
        await message.answer(help_text(), reply_markup=_help_keys(full=False))
        return
    spec = command_named(topic)
    if spec is not None:
        await message.answer(command_help(spec))
        return
    # Only a name of the bot's own is ever repeated back: the word typed may be anything.
    meant = suggestion(topic)
    spec = command_named(meant) if meant is not None else None
    if spec is None:
        await message.answer(_("I do not know this command. /help lists what I can do."))
        return
    said = _("I do not know this command. Did you mean /{command}? /help lists what I can do.")
    await message.answer(said.format(command=spec.name) + "\n\n" + command_help(spec))


def _topic(args: str | None) -> str | None:
    """The command asked about: ``block``, ``/Block``, ``/block@some_bot``."""
    words = (args or "").split()
    if not words:
        return None
    return words[0].lstrip("/").partition("@")[0].casefold() or None


async def help_pressed(callback: CallbackQuery, callback_data: HelpTopic) -> None:
    await callback.answer()
    text = full_help_text() if callback_data.full else help_text()
    await edit_or_send(callback, text, _help_keys(full=callback_data.full))


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
    router.message.register(
        start, CommandStart(deep_link=False, ignore_case=True), flags={"smsc": "if-any"}
    )
    router.message.register(show_help, command("help"))
    router.callback_query.register(help_pressed, HelpTopic.filter())
    router.message.register(cancel, command("cancel"))
    router.callback_query.register(asking.cancelled, asking.Ask.filter(F.pick == asking.CANCEL))
    # With a language it changes the chat's (administrators only); without, it offers them.
    router.message.register(set_language, command("lang", magic=F.args), flags={"admin": True})
    router.message.register(offer_languages, command("lang"))
    router.callback_query.register(
        language_chosen, LangChoice.filter(F.code.in_(parse.LANGUAGES)), flags={"admin": True}
    )
    return own_commands_only(router)
