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
    """``per_second`` is the pace the schedule keeps; ``ceiling`` is Telegram's limit, which
    what is actually in flight or left within the last second never exceeds."""

    def __init__(
        self,
        bot: Bot,
        *,
        per_second: float = 28.0,
        ceiling: int = 30,
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
        # What actually went out, counted until a second after its answer came back. Telegram
        # counts a message when it arrives, at some moment between our start and its answer:
        # counting it over that whole span is the only count that cannot undercount, whatever
        # the upload's length or the loop's stalls.
        self._ceiling = max(1, ceiling)
        self._poll = max(self._gap, 0.005)
        self._in_flight = 0
        self._ended: deque[float] = deque()
        self._chat_last: dict[int, float] = {}  # math.inf while in flight
        self._group_in_flight: dict[int, int] = {}
        self._group_ended: dict[int, deque[float]] = {}

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
            sending = target
            await self._pace(sending)  # counts the send as in flight: no await before ``try``
            try:
                return await send(sending)
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
            finally:
                self._ended_now(sending)
        raise ChatGone(chat_id)

    async def _pace(self, chat_id: int) -> None:
        """Wait for the earliest moment allowed for this chat and overall.

        A slot is reserved on the schedule (so waiters are served in order and wake once), then
        checked against what actually went out: an event loop that stalled wakes every reserved
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
            self._planned_for_group = {
                k: v for k, v in self._planned_for_group.items() if v and v[-1] > now - GROUP_WINDOW
            }
        return at - now

    def _leave_after(self, chat_id: int) -> float:
        """0 and the send is counted from this moment; otherwise how long until it may go.
        While every counted send is still in flight, the moment is unknown: look again soon."""
        now = self._clock()
        ended = self._ended
        while ended and ended[0] <= now - 1.0 + 1e-9:
            ended.popleft()
        wait = 0.0
        if self._in_flight + len(ended) >= self._ceiling:
            wait = ended[0] + 1.0 - now if ended else self._poll
        last = self._chat_last.get(chat_id)
        if self._chat_gap > 0 and last is not None and now - last < self._chat_gap:
            wait = max(wait, self._poll if last == math.inf else last + self._chat_gap - now)
        if chat_id < 0:
            group = self._group_ended.get(chat_id)
            while group and group[0] <= now - GROUP_WINDOW + 1e-9:
                group.popleft()
            in_flight = self._group_in_flight.get(chat_id, 0)
            if in_flight + len(group or ()) >= self._group_limit:
                wait = max(wait, group[0] + GROUP_WINDOW - now if group else self._poll)
        if wait > 0:
            return wait + 1e-6
        self._in_flight += 1
        self._chat_last[chat_id] = math.inf
        if chat_id < 0:
            self._group_in_flight[chat_id] = self._group_in_flight.get(chat_id, 0) + 1
        return 0.0

    def _ended_now(self, chat_id: int) -> None:
        now = self._clock()
        self._in_flight -= 1
        self._ended.append(now)
        self._chat_last[chat_id] = now
        if chat_id < 0:
            self._group_in_flight[chat_id] -= 1
            self._group_ended.setdefault(chat_id, deque()).append(now)
        if len(self._chat_last) > 50_000:
            self._chat_last = {
                k: v for k, v in self._chat_last.items() if now - v < max(self._chat_gap, 0.0)
            }
            self._group_ended = {
                k: v for k, v in self._group_ended.items() if v and v[-1] > now - GROUP_WINDOW
            }
            self._group_in_flight = {k: v for k, v in self._group_in_flight.items() if v}
