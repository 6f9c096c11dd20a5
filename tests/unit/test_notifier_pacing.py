"""Telegram's limits, on a clock the test moves: 1 a second per chat, 20 a minute per group,
about 30 a second overall."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from typing import Any

from bot.watcher import Notifier


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class RecordingBot:
    """Stands in for Telegram at the network edge: records when each message would leave."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sent: list[tuple[int, float]] = []

    async def send_message(self, chat_id: int, text: str) -> Any:
        self.sent.append((chat_id, self.clock.now))
        return object()


def make(clock: Clock, **options: Any) -> tuple[Notifier, RecordingBot]:
    bot = RecordingBot(clock)
    return Notifier(bot, clock=clock, sleep=clock.sleep, **options), bot  # type: ignore[arg-type]


async def test_one_message_a_second_per_private_chat() -> None:
    clock = Clock()
    notifier, bot = make(clock)
    for n in range(3):
        await notifier.send_message(7, f"m{n}")
    assert [at for _, at in bot.sent] == [0.0, 1.0, 2.0]


async def test_twenty_a_minute_per_group() -> None:
    clock = Clock()
    notifier, bot = make(clock, chat_gap=0.0)
    for n in range(25):
        await notifier.send_message(-100, f"m{n}")
    times = [at for _, at in bot.sent]
    assert all(t < 60 for t in times[:20])
    assert times[20] >= 60.0
    assert all(sum(1 for t in times if start <= t < start + 60) <= 20 for start in times)


async def test_overall_rate_spreads_many_chats() -> None:
    clock = Clock()
    notifier, bot = make(clock, per_second=30.0)
    for chat in range(1, 91):
        await notifier.send_message(chat, "hi")
    times = sorted(at for _, at in bot.sent)
    assert times[-1] >= 2.9
    assert all(sum(1 for t in times if start <= t < start + 1 - 1e-6) <= 30 for start in times)


class StallingClock(Clock):
    """Concurrent senders sleep until their moment, except that the loop was busy from
    ``stall_from`` to ``stall_until``: everyone due then wakes at its end, together."""

    def __init__(self, stall_from: float, stall_until: float) -> None:
        super().__init__()
        self.stall_from, self.stall_until = stall_from, stall_until

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        wake = self.now + seconds
        if self.stall_from <= wake < self.stall_until:
            wake = self.stall_until
        await asyncio.sleep(0)
        self.now = max(self.now, wake)


async def test_a_stalled_loop_does_not_let_its_backlog_out_at_once() -> None:
    clock = StallingClock(stall_from=1.0, stall_until=1.5)
    notifier, bot = make(clock, per_second=28.0)
    await asyncio.gather(*(notifier.send_message(1 + n % 40, "hi") for n in range(120)))
    times = sorted(at for _, at in bot.sent)
    assert len(times) == 120
    assert max(sum(1 for t in times if start <= t < start + 1 - 1e-6) for start in times) <= 28
    for chat in range(1, 41):
        mine = [at for to, at in bot.sent if to == chat]
        assert len(mine) == 3
        assert all(later - earlier >= 1.0 for earlier, later in pairwise(mine))
