"""Last in line: unknown commands, stray text, and buttons nobody is waiting for.

A misspelt /login with words after it (``/logn name pass``, ``/ login name pass``) reaches
here rather than the login handler, with the same secret in it: it is deleted as /login's would
be, in any chat and whoever sent it. So is ``login name pass`` without the slash in a private
chat.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.command_text import command_of
from handlers.account import delete_secrets, deletion_notice
from handlers.callbacks import expired
from handlers.commands import KNOWN_COMMANDS, means_login, suggestion
from handlers.routing import Magic


async def unknown_command(message: Message, bot: Bot) -> None:
    found = command_of(message.text)
    if found is not None and found.args and means_login(found.name):
        await _looked_like_login(message, bot)
        return
    # In a group, only a command addressed to this bot by name is ours to answer.
    if message.chat.type != ChatType.PRIVATE and (
        found is None or found.mention != ((await bot.me()).username or "").casefold()
    ):
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


async def stray_message(message: Message, bot: Bot) -> None:
    # Credentials' shape only: "login" and then one word (an API key) or two.
    words = (message.text or "").split()
    if 2 <= len(words) <= 3 and means_login(words[0].casefold()):
        await _looked_like_login(message, bot)
        return
    # "block 79161234567": a command without its slash. Only the exact name, not a slip:
    # ordinary words ("help me", "contacts?") would otherwise all look like commands.
    first = words[0].casefold().rstrip("?!.:,") if words else ""
    if first in KNOWN_COMMANDS and first != "start":
        await message.answer(
            _("I work with commands, with a slash: did you mean /{command}?").format(command=first)
        )
        return
    await message.answer(_("I work with commands. /help lists them."))


async def _looked_like_login(message: Message, bot: Bot) -> None:
    deleted = await delete_secrets(bot, [message])
    text = deletion_notice(deleted)
    if message.chat.type != ChatType.PRIVATE:
        text += "\n" + _("Never send a password or API key to a group.")
    await message.answer(
        text
        + "\n\n"
        + _("That looked like /login with credentials. Send /login and I will ask for them.")
    )


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
    router.edited_message.register(
        edited_command,
        Magic(F.text.startswith("/")),
        Magic(F.chat.type == ChatType.PRIVATE),
    )
    router.callback_query.register(stale_button)
    return router
