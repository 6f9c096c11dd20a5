"""The command menu, per language, from the same list that /help shows."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n

from handlers.commands import COMMANDS


def commands_for(i18n: I18n, locale: str) -> list[BotCommand]:
    with i18n.context(), i18n.use_locale(locale):
        return [
            BotCommand(command=each.name, description=str(each.description)[:256])
            for each in COMMANDS
        ]


async def set_commands(bot: Bot, i18n: I18n) -> None:
    await bot.set_my_commands(commands_for(i18n, i18n.default_locale))
    for locale in i18n.available_locales:
        if locale != i18n.default_locale:
            await bot.set_my_commands(commands_for(i18n, locale), language_code=locale)
