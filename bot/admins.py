"""Who may change a chat's credentials and confirm destructive actions: its administrators."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, User

_ADMIN_STATUSES = {ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR}


class ChatAdmins:
    """Asks Telegram (getChatMember) and remembers the answer briefly, per chat and user."""

    def __init__(
        self,
        ttl: float = 60.0,
        refused_ttl: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A refusal is remembered only briefly: someone just promoted should not wait long.
        self._ttl = ttl
        self._refused_ttl = refused_ttl
        self._clock = clock
        self._known: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int, *, fresh: bool = False) -> bool:
        """``fresh`` asks Telegram even when an answer is remembered: for the moment a secret
        arrives, when a minute-old "yes" is not good enough."""
        key = (chat_id, user_id)
        cached = self._known.get(key)
        if cached and cached[0] > self._clock() and not fresh:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError:
            # Unknown means no: a failed check never grants rights.
            return False
        allowed = member.status in _ADMIN_STATUSES
        if len(self._known) > 10_000:
            self._known.clear()
        ttl = self._ttl if allowed else self._refused_ttl
        self._known[key] = (self._clock() + ttl, allowed)
        return allowed

    async def allowed(
        self,
        bot: Bot,
        chat: Chat | None,
        user: User | None,
        *,
        sender_chat: Chat | None = None,
        fresh: bool = False,
    ) -> bool:
        """``fresh`` as for :meth:`is_admin`."""
        if chat is None:
            return False
        if chat.type == ChatType.PRIVATE:
            return True
        # An anonymous administrator writes as the group itself; only administrators can.
        if sender_chat is not None and sender_chat.id == chat.id:
            return True
        if user is None:
            return False
        return await self.is_admin(bot, chat.id, user.id, fresh=fresh)
