"""Secrets sent where the login handler never sees them: deleted first, never read.

Three ways people get there, each answered with "send /login" and nothing guessed:

- /login in another form: misspelt, glued to its words (``/login:demo``, ``/loginP@ss``), under
  another name (``/password``, ``/пароль``), on the wrong keyboard layout (``/дщпшт``) or with
  another key for the slash (``.дщпшт``, ``\\login``), as a message, a caption or an edit, in any
  chat; and credentials after a command that reads no words, or one the bot does not know
  (``/account demo P``), see :mod:`handlers.secret_shapes`;
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

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.command_text import command_of
from bot.dialog_storage import login_traces
from handlers.commands import (
    KNOWN_COMMANDS,
    TAKE_NO_ARGUMENTS,
    carries_login_secret,
    names_a_bot,
)
from handlers.routing import Magic
from handlers.secret_messages import (
    deep_link,
    delete_secrets,
    deletion_notice,
    edited_with_secret,
    looked_like_login,
)
from handlers.secret_shapes import (
    credentials_after,
    credentials_shaped,
    plain_login,
    stand_in_login,
)

# Commands that take words and read them themselves (/block 7916… 100): never a secret's place.
_READ_THEIR_OWN_WORDS = KNOWN_COMMANDS - TAKE_NO_ARGUMENTS - {"login"}


def _the_login_command(text: str) -> bool:
    """``/login`` itself, addressed to no one or to a bot: the login handler reads it (its
    filter takes the first word as it stands, so ``/ login`` is not it)."""
    name, _at, mention = text.split(maxsplit=1)[0][1:].partition("@")
    return name.casefold() == "login" and (not mention or names_a_bot(mention.casefold()))


async def _another_form(message: Message, bot: Bot) -> bool:
    """A login's secret in a command, or in what stands for one, that no login handler reads
    (/login itself is the login handler's)."""
    text = message.text or message.caption
    if text is None:
        return False
    if stand_in_login(text):
        return True
    found = command_of(text)
    if found is None or found.name in _READ_THEIR_OWN_WORDS:
        return False
    if carries_login_secret(found):
        return not _the_login_command(text)
    in_group = message.chat.type != ChatType.PRIVATE
    ours = ""
    if found.args and in_group and found.mention:
        ours = ((await bot.me()).username or "").casefold()
    return credentials_after(found, in_group=in_group, ours=ours)


class LoginInAnotherForm(Filter):
    async def __call__(self, message: Message, bot: Bot) -> bool:
        return await _another_form(message, bot)


class EditedIntoALogin(Filter):
    """An edit that now reads as credentials in any form but /login's own (the login dialog's
    router deletes those): the edit is not carried out, so the secret must go."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        if await _another_form(message, bot):
            return True
        text = message.text or message.caption or ""
        in_group = message.chat.type != ChatType.PRIVATE
        return command_of(text) is None and plain_login(text, in_group=in_group)


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
    router.edited_message.register(edited_with_secret, EditedIntoALogin())
    router.message.register(
        login_prompt_answered, Magic(F.reply_to_message), RepliesToALoginPrompt()
    )
    router.message.register(closed_dialog_answered, AnswersAClosedLoginDialog())
    return router
