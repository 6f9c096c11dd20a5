"""Each update handled once however many replicas Telegram's retries reach.

Webhook replicas answer Telegram only after an update was handled, so a replica that dies with
an update in hand leaves it unanswered, and Telegram sends it again, perhaps to another replica.
An update is claimed before it is handled: a claim renewed while the handling lasts, then
marked done for a day (Telegram keeps an update that long). An update already done is dropped;
one in hand elsewhere is refused (Telegram tries again later, when the claim has ended if its
replica died).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("bot.shared")

DONE_FOR = 24 * 3600
CLAIM_FOR = 30.0

# Claims ``key`` for ``replica`` for ``ms``: 0 done already; -1 claimed by another replica;
# 1 claimed now. Also part of the script that takes a chat's lock (bot.shared.dialog_locks).
CLAIM_FUNCTION = """
local function claim(key, replica, ms)
  local held = redis.call('GET', key)
  if held == 'done' then return 0 end
  if held and held ~= replica then return -1 end
  redis.call('SET', key, replica, 'PX', ms)
  return 1
end
"""
# KEYS: the update's key. ARGV: this replica's name, the claim's length (ms).
CLAIM = CLAIM_FUNCTION + "return claim(KEYS[1], ARGV[1], ARGV[2])"


# The update the webhook is feeding to the dispatcher: its claim then goes to Redis with the
# chat's lock and dialog state (:mod:`bot.shared.dialog_locks`), in one round trip.
_arriving: ContextVar[int | None] = ContextVar("smsc_bot_arriving_update", default=None)
# What that claim answered: (the update's id, the script's answer).
_claimed_with_lock: ContextVar[tuple[int, int] | None] = ContextVar(
    "smsc_bot_claimed_with_lock", default=None
)


@contextlib.contextmanager
def arriving(update_id: int) -> Iterator[None]:
    token = _arriving.set(update_id)
    try:
        yield
    finally:
        _arriving.reset(token)


class UpdateInHandElsewhereError(Exception):
    """Another replica is handling this update now: Telegram is to send it again later."""


class UpdateClaims(BaseMiddleware):
    def __init__(
        self, redis: Redis, *, replica: str, prefix: str = "smsc-bot", claim_for: float = CLAIM_FOR
    ) -> None:
        self.redis = redis
        self.replica = replica
        self.claim_for = claim_for
        self._prefix = f"{prefix}:update:"
        self._claim = redis.register_script(CLAIM)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        key = self._key(event.update_id)
        known = _claimed_with_lock.get()
        try:
            if known is not None and known[0] == event.update_id:
                claimed = known[1]
            else:
                claimed = await self._claim(keys=[key], args=[self.replica, self._claim_ms])
        except (RedisError, OSError) as error:
            # Handled without a claim: it is doubled only if Telegram also sends it again.
            log.warning("update not claimed", extra={"error": type(error).__name__})
            return await handler(event, data)
        if claimed == 0:
            log.info("update already handled", extra={"update_id": event.update_id})
            return None
        if claimed == -1:
            raise UpdateInHandElsewhereError(f"update {event.update_id} is in hand elsewhere")
        renewing = asyncio.create_task(self._renew(key))
        try:
            result = await handler(event, data)
        except BaseException:
            renewing.cancel()
            with contextlib.suppress(RedisError, OSError):
                await self.redis.delete(key)
            raise
        renewing.cancel()
        with contextlib.suppress(RedisError, OSError):
            await self.redis.set(key, "done", ex=DONE_FOR)
        return result

    def arriving_claim(self) -> tuple[int, str, list[Any]] | None:
        """The arriving update's id, key and the claim's arguments (as :data:`CLAIM_FUNCTION`
        takes them); None when no update is arriving (polling). :meth:`claimed` takes the
        answer."""
        update_id = _arriving.get()
        if update_id is None:
            return None
        return update_id, self._key(update_id), [self.replica, self._claim_ms]

    @staticmethod
    def claimed(update_id: int, answer: int) -> None:
        """What the claim of :meth:`arriving_claim` answered, made as the chat's lock was taken."""
        _claimed_with_lock.set((update_id, answer))

    def _key(self, update_id: int) -> str:
        return f"{self._prefix}{update_id}"

    @property
    def _claim_ms(self) -> int:
        return math.ceil(self.claim_for * 1000)

    async def _renew(self, key: str) -> None:
        while True:
            await asyncio.sleep(self.claim_for / 3)
            with contextlib.suppress(RedisError, OSError):
                await self.redis.pexpire(key, self._claim_ms)
