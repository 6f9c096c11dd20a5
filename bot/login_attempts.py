"""Wrong secrets per Telegram user and per chat: past a few, a login is refused before it
reaches SMSC.

Every wrong password sent to SMSC is a failing request, and SMSC blocks an address that sends
many of them (error 4) for every customer of this bot. So one person, or one chat, may try
only a few secrets in a while; the limiter holds the whole site back on top of that
(:class:`bot.smsc.limiter.RateLimiter`).

An attempt counts from the moment it is sent, so that ten messages sent at once cannot all
pass before the first answer; it stops counting when SMSC accepts the secret or the request
never reached SMSC.

The counts are kept in memory and written through to a journal (the database, in the bot), read
back on first use: a restart, a deploy or a crash loop must not hand a guesser a fresh budget.
Every operation is a coroutine, so that a store shared by several processes can take this
one's place without changing its callers.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

# At most this many wrong secrets per user and per chat in ``PERIOD`` seconds.
ATTEMPTS = 5
PERIOD = 15 * 60.0


class TooManyAttemptsError(Exception):
    """Not sent: this user or chat has tried too many wrong secrets lately."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many wrong logins; try again in {math.ceil(retry_after)} s")


@dataclass(slots=True, eq=False)
class Attempt:
    """One secret on its way to SMSC, counted against its user and its chat."""

    user_id: int
    chat_id: int
    at: float  # wall-clock time: it is compared with times kept by an earlier process
    token: int = field(default=0)  # the journal's name for it; 0 when not written
    member: str = ""  # its name in a store shared by replicas


class JournalledAttempt(Protocol):
    @property
    def token(self) -> int: ...
    @property
    def user_id(self) -> int: ...
    @property
    def chat_id(self) -> int: ...
    @property
    def at(self) -> float: ...


class AttemptJournal(Protocol):
    """Where counted attempts outlive the process (:class:`storage.LoginAttemptsRepository`)."""

    async def counted(self, user_id: int, chat_id: int, at: float, *, older: float) -> int: ...

    async def uncounted(self, token: int) -> None: ...

    async def since(self, oldest: float) -> Sequence[JournalledAttempt]: ...


class Attempts(Protocol):
    """The counting a login asks for: this process's (:class:`LoginAttempts`) or the one
    every replica shares (:class:`bot.shared.attempts.RedisLoginAttempts`)."""

    async def begin(self, user_id: int, chat_id: int) -> Attempt: ...

    async def not_wrong(self, attempt: Attempt) -> None: ...


class LoginAttempts:
    def __init__(
        self,
        *,
        attempts: int = ATTEMPTS,
        period: float = PERIOD,
        journal: AttemptJournal | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.attempts = attempts
        self.period = period
        self._journal = journal
        self._clock = clock
        self._counted: dict[tuple[str, int], list[Attempt]] = {}
        self._restored = journal is None
        self._restoring = asyncio.Lock()

    async def begin(self, user_id: int, chat_id: int) -> Attempt:
        """The attempt, counted; :class:`TooManyAttemptsError` when this user or this chat
        must wait."""
        await self._restore()
        now = self._clock()
        wait = max(self._wait(("user", user_id), now), self._wait(("chat", chat_id), now))
        if wait > 0:
            raise TooManyAttemptsError(wait)
        # Counted before the journal is written: another attempt checked meanwhile sees it.
        attempt = Attempt(user_id, chat_id, now)
        self._count(attempt)
        if self._journal is not None:
            try:
                attempt.token = await self._journal.counted(
                    user_id, chat_id, now, older=now - self.period
                )
            except BaseException:
                self._drop(attempt)  # nothing was sent
                raise
        return attempt

    async def not_wrong(self, attempt: Attempt) -> None:
        """SMSC accepted the secret, or never saw it: the attempt does not count."""
        self._drop(attempt)
        if self._journal is not None and attempt.token:
            await self._journal.uncounted(attempt.token)

    async def _restore(self) -> None:
        if self._restored:
            return
        async with self._restoring:
            if self._restored or self._journal is None:
                return
            kept = await self._journal.since(self._clock() - self.period)
            for each in kept:
                self._count(Attempt(each.user_id, each.chat_id, each.at, each.token))
            self._restored = True

    def _count(self, attempt: Attempt) -> None:
        for key in (("user", attempt.user_id), ("chat", attempt.chat_id)):
            counted = self._counted.setdefault(key, [])
            counted.append(attempt)
            # Restored attempts arrive oldest first; a clock set back may still misorder them.
            counted.sort(key=lambda each: each.at)

    def _drop(self, attempt: Attempt) -> None:
        for key in (("user", attempt.user_id), ("chat", attempt.chat_id)):
            counted = self._counted.get(key)
            if counted is None:
                continue
            counted[:] = [each for each in counted if each is not attempt]
            if not counted:
                del self._counted[key]

    def _wait(self, key: tuple[str, int], now: float) -> float:
        counted = self._counted.get(key)
        if not counted:
            return 0.0
        horizon = now - self.period
        counted[:] = [each for each in counted if each.at > horizon]
        if not counted:
            del self._counted[key]
            return 0.0
        if len(counted) < self.attempts:
            return 0.0
        return counted[-self.attempts].at + self.period - now
