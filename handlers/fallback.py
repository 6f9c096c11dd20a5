"""Last in line: unknown commands, stray text, and buttons nobody is waiting for."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.command_text import command_of
from handlers.routing import Magic


async def unknown_command(message: Message, bot: Bot) -> None:
    # In a group, only a command addressed to this bot by name is ours to answer.
    if message.chat.type != ChatType.PRIVATE:
        found = command_of(message.text)
        if found is None or found.mention != ((await bot.me()).username or "").casefold():
            return
    await message.answer(_("I do not know this command. /help lists what I can do."))


async def stray_message(message: Message) -> None:
    await message.answer(_("I work with commands. /help lists them."))


async def stale_button(callback: CallbackQuery) -> None:
    await callback.answer(
        _("This button has expired or belongs to someone else's dialog."), show_alert=True
    )


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(unknown_command, Magic(F.text.startswith("/")))
    router.message.register(stray_message, Magic(F.chat.type == ChatType.PRIVATE))
    router.callback_query.register(stale_button)
    return router
