"""Events about the chat itself: a group that became a supergroup changes its id."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.accounts import ChatAccounts
from handlers.routing import Magic

log = logging.getLogger(__name__)


async def group_upgraded(message: Message, accounts: ChatAccounts, bot: Bot) -> None:
    assert message.migrate_to_chat_id is not None
    new_id = message.migrate_to_chat_id
    # Credentials, settings and watch state move; the secret is re-encrypted for the new id.
    moved = await accounts.migrate(message.chat.id, new_id)
    log.info(
        "chat migrated",
        extra={
            "chat_id": message.chat.id,
            "new_chat_id": new_id,
            "credentials_lost": moved.credentials_lost,
            "kept_newer": moved.kept_newer,
        },
    )
    if moved.credentials_lost:
        with contextlib.suppress(TelegramAPIError):
            await bot.send_message(
                new_id,
                _(
                    "⚠️ This group became a supergroup, and I could not move its SMSC "
                    "credentials (I cannot decrypt them). Settings and notifications moved; an "
                    "administrator should /login again."
                ),
            )


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(group_upgraded, Magic(F.migrate_to_chat_id))
    return router
