"""A message that is a number with a digit too few or too many for its country (``7999000777``),
or with a letter typed in it (``+7 999 OOO-77-66``, the letter O for a zero: see
:mod:`handlers.lettered_numbers`), is told so, instead of being taken for chatter: the card
(:mod:`handlers.card`) shows only numbers that can be dialled, and a mistyped one would
otherwise get "I work with commands".

In a group, as for the card, only a message addressed to the bot is answered.
"""

from __future__ import annotations

import re

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import Message

from bot import display
from bot.smsc import SmscClient
from handlers.lettered_numbers import lettered, letters_problem
from handlers.number_readings import length_problem
from handlers.phones import WrongLength, wrong_length
from handlers.routing import Magic

# Longer than any number written with its separators: a sentence, not a number.
_LONGEST = 32


def _without_mention(text: str, username: str | None) -> str:
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", "", text, flags=re.IGNORECASE)
    return text.strip()


class MistypedNumber(Filter):
    """A message that is only a mistyped number, addressed to the bot."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        me = await bot.me()
        text = _without_mention(message.text or "", me.username)
        if _misfit(text, None) is None and lettered(text, None) is None:
            return False
        if message.chat.type == ChatType.PRIVATE:
            return True
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
            return True
        mention = f"@{(me.username or '').casefold()}"
        return bool(me.username) and mention in (message.text or "").casefold()


def _misfit(text: str, region: str | None) -> WrongLength | None:
    """What is wrong with the number, read for the account's region first; any region's
    national form will do, as for the card."""
    if not 7 <= len(text) <= _LONGEST:
        return None
    return next(
        (found for each in (region, "ru", "ua") if (found := wrong_length(text, each))), None
    )


async def tell_what_is_wrong(message: Message, bot: Bot, smsc: SmscClient) -> None:
    text = _without_mention(message.text or "", (await bot.me()).username)
    region = smsc.endpoint.region
    letters = lettered(text, region)
    if letters is not None:
        await message.answer(display.escaped(letters_problem(text, letters)))
        return
    misfit = _misfit(text, region)
    assert misfit is not None  # the filter found one or the other
    await message.answer(display.escaped(length_problem(text, misfit)))


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(
        tell_what_is_wrong,
        Magic(F.text & ~F.text.startswith("/")),
        MistypedNumber(),
        flags={"smsc": True},
    )
    return router
