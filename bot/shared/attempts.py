"""Wrong logins counted for every replica at once (:mod:`bot.login_attempts`), in Redis.

A guesser whose messages reach three replicas still gets five tries per user and per chat, not
fifteen. One script checks both counts and counts the attempt, on Redis's clock. The attempts
are also written to the database journal as in one process: Redis restarted without persistence
gets them back from there before it counts anything again.
"""

from __future__ import annotations

import asyncio
import secrets

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.login_attempts import ATTEMPTS, PERIOD, Attempt, AttemptJournal, TooManyAttemptsError
from bot.smsc.errors import LimiterUnavailableError

# KEYS: the user's and the chat's sorted sets of attempts, the "restored" marker.
# ARGV: attempts allowed, period (s), the new attempt's name.
# Returns -1 when the counts must be restored first, the wait in seconds when one count is
# full, or 0 with the attempt counted in both (its time is the script's TIME, returned too).
BEGIN = """
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1, '0'} end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local allowed, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local wait = 0
for i = 1, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - period)
  if redis.call('ZCARD', KEYS[i]) >= allowed then
    local nth = redis.call('ZRANGE', KEYS[i], -allowed, -allowed, 'WITHSCORES')
    wait = math.max(wait, tonumber(nth[2]) + period - now)
  end
end
if wait > 0 then return {1, tostring(wait)} end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[i], math.ceil(period * 1000))
end
return {0, tostring(now)}
"""

# KEYS: the "restored" marker, then pairs of (user set, chat set). ARGV: period, then pairs of
# (time, name) for each attempt.
RESTORE = """
local period = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local pair = i
  for _, key in ipairs({KEYS[pair], KEYS[pair + 1]}) do
    redis.call('ZADD', key, tonumber(ARGV[i]), ARGV[i + 1])
    redis.call('PEXPIRE', key, math.ceil(period * 1000))
  end
end
redis.call('SET', KEYS[1], '1')
return 1
"""


class RedisLoginAttempts:
    def __init__(
        self,
        redis: Redis,
        *,
        journal: AttemptJournal | None = None,
        attempts: int = ATTEMPTS,
        period: float = PERIOD,
        prefix: str = "smsc-bot",
    ) -> None:
        self.redis = redis
        self.attempts = attempts
        self.period = period
        self._journal = journal
        self._prefix = f"{prefix}:logins"
        self._begin = redis.register_script(BEGIN)
        self._restore = redis.register_script(RESTORE)
        self._restoring = asyncio.Lock()

    def _keys(self, user_id: int, chat_id: int) -> list[str]:
        return [f"{self._prefix}:user:{user_id}", f"{self._prefix}:chat:{chat_id}"]

    async def begin(self, user_id: int, chat_id: int) -> Attempt:
        member = secrets.token_hex(8)
        keys = [*self._keys(user_id, chat_id), f"{self._prefix}:restored"]
        args: list[str | float] = [self.attempts, self.period, member]
        try:
            outcome, value = await self._begin(keys=keys, args=args)
            if outcome == -1:
                await self._restore_counts()
                outcome, value = await self._begin(keys=keys, args=args)
        except (RedisError, OSError) as error:
            raise LimiterUnavailableError(type(error).__name__) from None
        if outcome == 1:
            raise TooManyAttemptsError(float(value))
        attempt = Attempt(user_id, chat_id, float(value), member=member)
        if self._journal is not None:
            try:
                attempt.token = await self._journal.counted(
                    user_id, chat_id, attempt.at, older=attempt.at - self.period
                )
            except BaseException:
                await self._forget(attempt)  # nothing was sent
                raise
        return attempt

    async def not_wrong(self, attempt: Attempt) -> None:
        await self._forget(attempt)
        if self._journal is not None and attempt.token:
            await self._journal.uncounted(attempt.token)

    async def _forget(self, attempt: Attempt) -> None:
        try:
            for key in self._keys(attempt.user_id, attempt.chat_id):
                await self.redis.zrem(key, attempt.member)
        except (RedisError, OSError):
            # Counted a while longer than it should: the safe side.
            pass

    async def _restore_counts(self) -> None:
        async with self._restoring:
            if await self.redis.exists(f"{self._prefix}:restored"):
                return
            keys = [f"{self._prefix}:restored"]
            args: list[str | float] = [self.period]
            if self._journal is not None:
                now = float((await self.redis.time())[0])
                for each in await self._journal.since(now - self.period):
                    keys += self._keys(each.user_id, each.chat_id)
                    args += [each.at, f"j{each.token}"]
            await self._restore(keys=keys, args=args)
