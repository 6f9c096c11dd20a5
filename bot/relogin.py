"""What a chat hears when it must log in, or log in again: in a private chat the person does it
with /login; in a group it takes an administrator."""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.types import Chat
from aiogram.utils.i18n import gettext as _


def _private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == ChatType.PRIVATE


def private_chat_id(chat_id: int) -> bool:
    """Whether a chat known only by its id is private: Telegram gives a private chat the id of
    its person, a positive number; groups and channels have negative ones."""
    return chat_id > 0


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


def credentials_held(chat: Chat | None, wait: str) -> str:
    """SMSC rejected the chat's credentials a moment ago, and they are not tried again yet."""
    if _private(chat):
        return _(
            "SMSC rejected this chat's login, password or API key a moment ago (error 2). "
            "So that SMSC does not block this server, I will try them again in {wait}; "
            "if they were changed, send /login with the new ones now."
        ).format(wait=wait)
    return _(
        "SMSC rejected this chat's login, password or API key a moment ago (error 2). "
        "So that SMSC does not block this server, I will try them again in {wait}; "
        "if they were changed, an administrator can /login with the new ones now."
    ).format(wait=wait)
