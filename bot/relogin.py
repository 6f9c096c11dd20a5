"""What a chat hears when it must log in, or log in again: in a private chat the person does it
with /login; in a group it takes an administrator."""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.types import Chat
from aiogram.utils.i18n import gettext as _


def _private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == ChatType.PRIVATE


def not_connected(chat: Chat | None) -> str:
    if _private(chat):
        return _("This chat is not connected to SMSC yet: send /login.")
    return _("This chat is not connected to SMSC yet. An administrator can do it with /login.")


def credentials_unreadable(chat: Chat | None) -> str:
    if _private(chat):
        return _(
            "⚠️ I cannot read this chat's stored SMSC credentials (the encryption key may have "
            "changed). Send /login again."
        )
    return _(
        "⚠️ I cannot read this chat's stored SMSC credentials (the encryption key may have "
        "changed). An administrator should /login again."
    )
