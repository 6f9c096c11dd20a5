"""Last in line: unknown commands, stray text, and buttons nobody is waiting for.

``login name pass`` without the slash, as a message or a photo's caption, is deleted as
/login's would be (a misspelt /login with words after it never gets this far: see
:mod:`handlers.stray_secrets`). In a group the bot sees such text only as an administrator or
with privacy mode off; there it says nothing about anything else.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.command_text import command_of
from handlers.callbacks import expired
from handlers.commands import KNOWN_COMMANDS, MENU_WORDS, SETTINGS_WORDS, suggestion
from handlers.layouts import readings
from handlers.quick_actions import quick_keys
from handlers.routing import Magic
from handlers.secret_messages import looked_like_login
from handlers.secret_shapes import plain_login


async def _answered_as_menu_or_settings(message: Message, names: set[str]) -> bool:
    """/menu, /settings and the like (or the word alone): what was most likely meant."""
    if names & MENU_WORDS:
        await message.answer(
            _(
                "My menu is the keys under the message field, here again. /help lists every "
                "command."
            ),
            reply_markup=quick_keys(),
        )
        return True
    if names & SETTINGS_WORDS:
        await message.answer(
            _(
                "This chat's settings are two commands: /lang for the language, /watch for "
                "notifications and how often the account is checked."
            )
        )
        return True
    return False


async def unknown_command(message: Message, bot: Bot) -> None:
    found = command_of(message.text)
    # In a group, only a command addressed to this bot by name is ours to answer.
    if message.chat.type != ChatType.PRIVATE and (
        found is None or found.mention != ((await bot.me()).username or "").casefold()
    ):
        return
    names = set(readings(found.name)) if found is not None else set()
    if await _answered_as_menu_or_settings(message, names):
        return
    meant = suggestion(found.name) if found is not None else None
    if meant is None:
        await message.answer(_("I do not know this command. /help lists what I can do."))
        return
    await message.answer(
        _("I do not know this command. Did you mean /{command}? /help lists what I can do.").format(
            command=meant
        )
    )


async def stray_message(message: Message, bot: Bot, fsm_storage: BaseStorage) -> None:
    # Credentials' shape only: "login" and then one word (an API key) or two, or glued on.
    text = message.text or message.caption or ""
    if plain_login(text, in_group=False):
        await looked_like_login(message, bot, fsm_storage)
        return
    # "block 79161234567": a command without its slash. Only the exact name, not a slip:
    # ordinary words ("help me", "contacts?") would otherwise all look like commands.
    words = text.split()
    first = words[0].casefold().rstrip("?!.:,") if words else ""
    # "menu" or "настройки" alone: no command has that name, but it is clear what was meant.
    if len(words) == 1 and await _answered_as_menu_or_settings(message, set(readings(first))):
        return
    if first in KNOWN_COMMANDS and first != "start":
        await message.answer(
            _("I work with commands, with a slash: did you mean /{command}?").format(command=first)
        )
        return
    await message.answer(_("I work with commands. /help lists them."))


class LoginInGroupTalk(Filter):
    async def __call__(self, message: Message) -> bool:
        return plain_login(message.text or message.caption or "", in_group=True)


async def edited_command(message: Message) -> None:
    # Telegram sends the edit of a mistyped command; carrying it out now could act twice.
    await message.answer(
        _("I do not act on edited messages: send the corrected command as a new message.")
    )


async def stale_button(callback: CallbackQuery) -> None:
    await expired(callback)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(unknown_command, Magic(F.text.startswith("/")))
    router.message.register(stray_message, Magic(F.chat.type == ChatType.PRIVATE))
    router.message.register(looked_like_login, LoginInGroupTalk())
    router.edited_message.register(
        edited_command,
        Magic(F.text.startswith("/")),
        Magic(F.chat.type == ChatType.PRIVATE),
    )
    router.callback_query.register(stale_button)
    return router
