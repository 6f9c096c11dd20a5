"""Events about the chat itself: a group that became a supergroup changes its id."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import Message

from storage import Storage

router = Router(name=__name__)
log = logging.getLogger(__name__)


@router.message(F.migrate_to_chat_id)
async def group_upgraded(message: Message, storage: Storage) -> None:
    assert message.migrate_to_chat_id is not None
    # Credentials, settings and watch state move; the secret is re-encrypted for the new id.
    await storage.chats.migrate(message.chat.id, message.migrate_to_chat_id)
    log.info(
        "chat migrated",
        extra={"chat_id": message.chat.id, "new_chat_id": message.migrate_to_chat_id},
    )
