"""Sending notifications within Telegram's limits.

About 30 messages a second per bot, one a second per chat, twenty a minute per group. Retries
of 429 and 5xx answers happen once, in the session middleware (:mod:`bot.telegram`); here a
chat that blocked the bot or vanished is reported, and a group that became a supergroup is
followed to its new id.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
)
from aiogram.types import InputFile, Message

GROUP_WINDOW = 60.0

Migrate = Callable[[int, int], Awaitable[object]]


class ChatGone(Exception):
    """The chat blocked the bot, removed it, or no longer exists."""

    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id
        super().__init__(f"chat {chat_id} is gone")


class Notifier:
    def __init__(
        self,
        bot: Bot,
        *,
        per_second: float = 28.0,
        chat_gap: float = 1.0,
        group_per_minute: int = 20,
        on_migrate: Migrate | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self._gap = 1.0 / per_second
        self._chat_gap = chat_gap
        self._group_limit = group_per_minute
        self._on_migrate = on_migrate
        self._clock = clock
        self._sleep = sleep
        self._next_global = 0.0
        self._next_for_chat: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._lock = asyncio.Lock()

    async def send_message(self, chat_id: int, text: str) -> Message:
        return await self._deliver(chat_id, lambda target: self.bot.send_message(target, text))

    async def send_document(
        self, chat_id: int, document: InputFile | str, caption: str | None = None
    ) -> Message:
        return await self._deliver(
            chat_id, lambda target: self.bot.send_document(target, document, caption=caption)
        )

    async def _deliver(self, chat_id: int, send: Callable[[int], Awaitable[Message]]) -> Message:
        target = chat_id
        for _ in range(3):
            await self._pace(target)
            try:
                return await send(target)
            except TelegramMigrateToChat as moved:
                if self._on_migrate is not None:
                    await self._on_migrate(target, moved.migrate_to_chat_id)
                target = moved.migrate_to_chat_id
            except TelegramForbiddenError:
                raise ChatGone(chat_id) from None
            except TelegramBadRequest as error:
                if "chat not found" in error.message.lower():
                    raise ChatGone(chat_id) from None
                raise
        raise ChatGone(chat_id)

    async def _pace(self, chat_id: int) -> None:
        """Reserve the earliest moment allowed for this chat and overall, then wait for it."""
        async with self._lock:
            now = self._clock()
            at = max(now, self._next_global, self._next_for_chat.get(chat_id, 0.0))
            if chat_id < 0:
                sends = self._group_sends.setdefault(chat_id, deque())
                while sends and sends[0] <= at - GROUP_WINDOW:
                    sends.popleft()
                if len(sends) >= self._group_limit:
                    at = max(at, sends[0] + GROUP_WINDOW)
                sends.append(at)
            self._next_global = at + self._gap
            self._next_for_chat[chat_id] = at + self._chat_gap
            if len(self._next_for_chat) > 50_000:
                self._next_for_chat = {k: v for k, v in self._next_for_chat.items() if v > now}
        delay = at - self._clock()
        if delay > 0:
            await self._sleep(delay)
