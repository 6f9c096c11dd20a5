"""Sending notifications within Telegram's limits.

About 30 messages a second per bot, one a second per chat, twenty a minute per group. Retries
of 429 and 5xx answers happen once, in the session middleware (:mod:`bot.telegram`); here a
chat that blocked the bot or vanished is reported, and a group that became a supergroup is
followed to its new id.
"""

from __future__ import annotations

import asyncio
import math
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
        # The schedule: what has been promised to waiters.
        self._next_global = 0.0
        self._next_for_chat: dict[int, float] = {}
        self._planned_for_group: dict[int, deque[float]] = {}
        # What actually left: the schedule alone keeps to the cap unless the loop stalled.
        self._per_second_cap = max(1, math.ceil(per_second))
        self._sent: deque[float] = deque()
        self._sent_to_chat: dict[int, float] = {}
        self._sent_to_group: dict[int, deque[float]] = {}

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
        """Wait for the earliest moment allowed for this chat and overall.

        A slot is reserved on the schedule (so waiters are served in order and wake once), then
        checked against what actually left: an event loop that stalled wakes every reserved
        sender at once, and the schedule alone would let that backlog out together with the
        next second's messages, past Telegram's limit. A sender that finds the last second (or
        its chat's last second, or its group's last minute) already full waits until it is not."""
        delay = self._reserve(chat_id)
        if delay > 0:
            await self._sleep(delay)
        while (delay := self._leave_after(chat_id)) > 0:
            await self._sleep(delay)

    def _reserve(self, chat_id: int) -> float:
        now = self._clock()
        at = max(now, self._next_global, self._next_for_chat.get(chat_id, 0.0))
        if chat_id < 0:
            planned = self._planned_for_group.setdefault(chat_id, deque())
            while planned and planned[0] <= at - GROUP_WINDOW:
                planned.popleft()
            if len(planned) >= self._group_limit:
                at = max(at, planned[0] + GROUP_WINDOW)
            planned.append(at)
        self._next_global = at + self._gap
        self._next_for_chat[chat_id] = at + self._chat_gap
        if len(self._next_for_chat) > 50_000:
            self._next_for_chat = {k: v for k, v in self._next_for_chat.items() if v > now}
        return at - now

    def _leave_after(self, chat_id: int) -> float:
        """0 and the send is recorded at this moment; otherwise how long until it may be."""
        now = self._clock()
        sent = self._sent
        while sent and sent[0] <= now - 1.0 + 1e-9:
            sent.popleft()
        wait = 0.0
        if len(sent) >= self._per_second_cap:
            wait = sent[0] + 1.0 - now
        last = self._sent_to_chat.get(chat_id)
        if last is not None and now - last < self._chat_gap:
            wait = max(wait, last + self._chat_gap - now)
        group = None
        if chat_id < 0:
            group = self._sent_to_group.setdefault(chat_id, deque())
            while group and group[0] <= now - GROUP_WINDOW + 1e-9:
                group.popleft()
            if len(group) >= self._group_limit:
                wait = max(wait, group[0] + GROUP_WINDOW - now)
        if wait > 0:
            return wait + 1e-6
        if group is not None:
            group.append(now)
        sent.append(now)
        self._sent_to_chat[chat_id] = now
        if len(self._sent_to_chat) > 50_000:
            self._sent_to_chat = {
                k: v for k, v in self._sent_to_chat.items() if now - v < self._chat_gap
            }
        return 0.0
