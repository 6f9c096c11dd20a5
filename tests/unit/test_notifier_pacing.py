"""Telegram's limits, on a clock the test moves: 1 a second per chat, 20 a minute per group,
about 30 a second overall."""

from __future__ import annotations

import asyncio
import heapq
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


def busiest_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1 - 1e-6) for start in times)


async def test_a_stalled_loop_does_not_let_its_backlog_out_at_once() -> None:
    clock = StallingClock(stall_from=1.0, stall_until=1.5)
    notifier, bot = make(clock, per_second=28.0)
    await asyncio.gather(*(notifier.send_message(1 + n % 40, "hi") for n in range(120)))
    times = sorted(at for _, at in bot.sent)
    assert len(times) == 120
    assert busiest_second(times) <= 30
    for chat in range(1, 41):
        mine = [at for to, at in bot.sent if to == chat]
        assert len(mine) == 3
        assert all(later - earlier >= 1.0 for earlier, later in pairwise(mine))


class VirtualTime(Clock):
    """Concurrent tasks on a virtual clock: each sleeper wakes at its moment, and time moves to
    the next moment only once every task has run as far as it can."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (self.now + max(seconds, 0.0), len(self.slept), wake))
        self.slept.append(seconds)
        await wake

    async def run(self, *jobs: Any) -> None:
        tasks = [asyncio.ensure_future(job) for job in jobs]
        while not all(task.done() for task in tasks):
            for _ in range(20):
                await asyncio.sleep(0)
            if self._waiting:
                at, _, wake = heapq.heappop(self._waiting)
                self.now = max(self.now, at)
                wake.set_result(None)
            else:
                assert all(task.done() for task in tasks), "a task waits on nothing"
        await asyncio.gather(*tasks)


class SlowUploads:
    """Telegram counts a message when it arrives: after its upload, before its answer. The
    first messages here are large documents (half a second to upload), the rest are short."""

    def __init__(self, clock: VirtualTime, slow: int) -> None:
        self.clock, self.slow = clock, slow
        self.started = 0
        self.arrived: list[tuple[int, float]] = []

    async def send_message(self, chat_id: int, text: str) -> Any:
        self.started += 1
        await self.clock.sleep(0.5 if self.started <= self.slow else 0.01)
        self.arrived.append((chat_id, self.clock.now))
        await self.clock.sleep(0.05)
        return object()


async def test_what_arrives_keeps_the_limits_however_long_each_upload_takes() -> None:
    clock = VirtualTime()
    bot = SlowUploads(clock, slow=28)
    notifier = Notifier(bot, clock=clock, sleep=clock.sleep, per_second=28.0)  # type: ignore[arg-type]
    private = [notifier.send_message(chat, "hi") for chat in range(1, 91)]
    group = [notifier.send_message(-5, "hi") for _ in range(25)]
    await clock.run(*private, *group)
    assert len(bot.arrived) == 115
    assert busiest_second(sorted(at for _, at in bot.arrived)) <= 30
    to_group = [at for chat, at in bot.arrived if chat == -5]
    assert all(later - earlier >= 1.0 for earlier, later in pairwise(to_group))
    assert all(sum(1 for t in to_group if start <= t < start + 60) <= 20 for start in to_group)
