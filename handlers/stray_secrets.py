"""Secrets sent where the login handler never sees them: deleted first, never read.

Three ways people get there, each answered with "send /login" and nothing guessed:

- /login in another form: misspelt, glued to its words (``/login:demo``, ``/loginP@ss``), under
  another name (``/password``, ``/пароль``) or on the wrong keyboard layout (``/дщпшт``), as a
  message or a caption, in any chat;
- the login dialog is over (``/cancel``, a failed try, a restart before dialogs were kept) but
  the person still answers it: one or two words without a slash, in that private chat, within
  the dialog's ten minutes, until a login there went through;
- a reply, in a group, to one of the bot's login prompts there. Those prompts are remembered by
  message id in the database for two days rather than recognised by their text: the text
  depends on the chat's language when it was sent and on the catalogs of that day, only one of
  them has a button to recognise, and the ids survive a restart as well.

Registered ahead of the login dialog and of every command: ``/logn demo P`` typed in the
dialog is a slip of /login, not a secret to try on SMSC.
"""

from __future__ import annotations

import re

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.command_text import command_of
from bot.dialog_storage import login_traces
from handlers.account import deep_link, delete_secrets, deletion_notice
from handlers.commands import KNOWN_COMMANDS, carries_login_secret, names_a_bot
from handlers.routing import Magic

# What a login looks like (as the parser reads it); a password may be anything.
_LOGIN_WORD = re.compile(r"^[A-Za-z0-9_.@+-]{1,64}$")
# Shorter single words are chat ("ok", "hi"), not an API key or a password.
_SHORTEST_SECRET = 4


async def looked_like_login(message: Message, bot: Bot, fsm_storage: BaseStorage) -> None:
    deleted = await delete_secrets(bot, [message])
    text = deletion_notice(deleted)
    in_group = message.chat.type != ChatType.PRIVATE
    if in_group:
        text += "\n" + _("Never send a password or API key to a group.")
    said = await message.answer(
        text
        + "\n\n"
        + _("That looked like /login with credentials. Send /login and I will ask for them.")
    )
    if in_group:
        await login_traces(fsm_storage).prompt_sent(message.chat.id, said.message_id)


def _the_login_command(text: str) -> bool:
    """``/login`` itself, addressed to no one or to a bot: the login handler reads it (its
    filter takes the first word as it stands, so ``/ login`` is not it)."""
    name, _at, mention = text.split(maxsplit=1)[0][1:].partition("@")
    return name.casefold() == "login" and (not mention or names_a_bot(mention.casefold()))


class LoginInAnotherForm(Filter):
    async def __call__(self, message: Message) -> bool:
        text = message.text or message.caption
        found = command_of(text)
        return (
            text is not None
            and found is not None
            and carries_login_secret(found)
            and not _the_login_command(text)
        )


def credentials_shaped(text: str) -> bool:
    """An API key, or a login and a password: one word, or two of which the first could be a
    login; neither a command's name."""
    words = text.split()
    if not 1 <= len(words) <= 2 or words[0].casefold() in KNOWN_COMMANDS:
        return False
    if len(words) == 1:
        return len(words[0]) >= _SHORTEST_SECRET
    return _LOGIN_WORD.match(words[0]) is not None


class AnswersAClosedLoginDialog(Filter):
    """In a private chat with no dialog open, words shaped like credentials from someone whose
    login dialog there is recent (one filter: it is asked about every message)."""

    async def __call__(
        self, message: Message, fsm_storage: BaseStorage, raw_state: str | None = None
    ) -> bool:
        text = message.text or message.caption or ""
        if (
            raw_state is not None
            or message.chat.type != ChatType.PRIVATE
            or message.from_user is None
            or text.startswith("/")
            or not credentials_shaped(text)
        ):
            return False
        return await login_traces(fsm_storage).window_open(message.chat.id, message.from_user.id)


async def closed_dialog_answered(message: Message, bot: Bot) -> None:
    deleted = await delete_secrets(bot, [message])
    await message.answer(
        deletion_notice(deleted)
        + "\n\n"
        + _(
            "The login dialog is no longer open, and that looked like credentials: I did not "
            "use them. Send /login and I will ask for them."
        )
    )


class RepliesToALoginPrompt(Filter):
    async def __call__(self, message: Message, bot: Bot, fsm_storage: BaseStorage) -> bool:
        replied = message.reply_to_message
        if message.chat.type == ChatType.PRIVATE or replied is None:
            return False
        if replied.from_user is None or not replied.from_user.is_bot:
            return False
        if replied.from_user.id != (await bot.me()).id:
            return False
        found = command_of(message.text or message.caption)
        if found is not None and found.name in KNOWN_COMMANDS:
            return False  # a command in reply: its handler reads it (and /login deletes)
        return await login_traces(fsm_storage).is_prompt(message.chat.id, replied.message_id)


async def login_prompt_answered(message: Message, bot: Bot, fsm_storage: BaseStorage) -> None:
    deleted = await delete_secrets(bot, [message])
    keyboard = InlineKeyboardBuilder()
    link = deep_link((await bot.me()).username, message.chat.id)
    if link:
        keyboard.button(text=_("Continue in a private chat"), url=link)
    said = await message.answer(
        deletion_notice(deleted)
        + "\n"
        + _("Never send a password or API key to a group.")
        + "\n\n"
        + _(
            "An administrator gives me the credentials in a private chat: press the button, "
            "or send /login here."
        ),
        reply_markup=keyboard.as_markup(),
    )
    await login_traces(fsm_storage).prompt_sent(message.chat.id, said.message_id)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(looked_like_login, LoginInAnotherForm())
    router.message.register(
        login_prompt_answered, Magic(F.reply_to_message), RepliesToALoginPrompt()
    )
    router.message.register(closed_dialog_answered, AnswersAClosedLoginDialog())
    return router
