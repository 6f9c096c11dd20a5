"""Wrong secrets per Telegram user and per chat: past a few, a login is refused before it
reaches SMSC.

Every wrong password sent to SMSC is a failing request, and SMSC blocks an address that sends
many of them (error 4) for every customer of this bot. So one person, or one chat, may try
only a few secrets in a while; the limiter holds the whole site back on top of that
(:class:`bot.smsc.limiter.RateLimiter`).

An attempt counts from the moment it is sent, so that ten messages sent at once cannot all
pass before the first answer; it stops counting when SMSC accepts the secret or the request
never reached SMSC.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# At most this many wrong secrets per user and per chat in ``PERIOD`` seconds.
ATTEMPTS = 5
PERIOD = 15 * 60.0


class TooManyAttemptsError(Exception):
    """Not sent: this user or chat has tried too many wrong secrets lately."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many wrong logins; try again in {math.ceil(retry_after)} s")


@dataclass(slots=True)
class Attempt:
    """One secret on its way to SMSC, counted against its user and its chat."""

    user_id: int
    chat_id: int
    at: float
    token: int = field(default=0)


class LoginAttempts:
    def __init__(
        self,
        *,
        attempts: int = ATTEMPTS,
        period: float = PERIOD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts = attempts
        self.period = period
        self._clock = clock
        self._counted: dict[tuple[str, int], list[Attempt]] = {}
        self._tokens = itertools.count(1)

    def begin(self, user_id: int, chat_id: int) -> Attempt:
        """The attempt, counted; :class:`TooManyAttemptsError` when this user or this chat
        must wait."""
        now = self._clock()
        wait = max(self._wait(("user", user_id), now), self._wait(("chat", chat_id), now))
        if wait > 0:
            raise TooManyAttemptsError(wait)
        attempt = Attempt(user_id, chat_id, now, next(self._tokens))
        for key in (("user", user_id), ("chat", chat_id)):
            self._counted.setdefault(key, []).append(attempt)
        return attempt

    def not_wrong(self, attempt: Attempt) -> None:
        """SMSC accepted the secret, or never saw it: the attempt does not count."""
        for key in (("user", attempt.user_id), ("chat", attempt.chat_id)):
            counted = self._counted.get(key)
            if counted is None:
                continue
            counted[:] = [each for each in counted if each.token != attempt.token]
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
