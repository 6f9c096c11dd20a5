"""Messages that carried a secret: deleted first, said so (or said loudly that they could not
be), and what to do instead. Shared by the login dialog and by every place that finds a secret
left in sight."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.dialog_storage import login_traces

log = logging.getLogger("handlers.account")

DEEP_LINK_PREFIX = "login_"


async def delete_secrets(bot: Bot, messages: list[Message]) -> bool:
    """Delete every message that carried a secret; False if any could not be deleted."""
    all_gone = True
    for message in messages:
        try:
            await bot.delete_message(message.chat.id, message.message_id)
        except TelegramAPIError as error:
            all_gone = False
            log.warning(
                "could not delete a message with a secret",
                extra={"chat_id": message.chat.id, "error": type(error).__name__},
            )
    return all_gone


def deletion_notice(deleted: bool) -> str:
    if deleted:
        return _("🔒 I deleted your message with the secret from this chat.")
    return _(
        "⚠️ I could NOT delete your message with the secret (I may lack the right to delete "
        "messages, or it is older than 48 hours). Delete it yourself now, and change the "
        "password or API key in the SMSC cabinet."
    )


def deep_link(username: str | None, chat_id: int) -> str | None:
    return f"https://t.me/{username}?start={DEEP_LINK_PREFIX}{chat_id}" if username else None


async def delete_and_say(message: Message, bot: Bot, then: str, gap: str = "\n\n") -> None:
    """Delete a message that may hold a secret, say whether it went, and what to do next."""
    await message.answer(deletion_notice(await delete_secrets(bot, [message])) + gap + then)


async def edited_with_secret(message: Message, bot: Bot) -> None:
    """An edit that now holds a /login with words, or any edit during the login dialog."""
    await delete_and_say(
        message, bot, _("I do not read edited messages for credentials: send /login again."), "\n"
    )


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
