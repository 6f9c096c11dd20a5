"""One watcher sweep over 10,000 watching chats on 2,000 logins, against the sandbox on
loopback (its own process) with 20 ms added to every answer.

Prints the sweep time against the ideal (polls x latency / concurrency) and against a bare
aiohttp client sending the same requests at the same concurrency in the same run (the floor this
machine sets: its loop, its sockets, the sandbox sharing its cores), the error-9 answers the
sandbox gave (must be 0), and this process's peak RSS.

    python -m bench.watcher_sweep [--short] [--chats N] [--logins N] [--latency S] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

import httpx
from aiogram import Bot

from bench.support import InstantTelegram, peak_rss_mb, report
from bot.accounts import ChatAccounts
from bot.assembly.app import build_i18n
from bot.smsc import RateLimiter, SmscTransport
from bot.smsc.aiohttp_transport import AiohttpTransport
from bot.smsc.factory import SmscFactory
from bot.watcher import Baselines, Notifier, PollTimes, Watcher
from storage import AuthKind, Keyring, NotificationKind, Storage, generate_key

INTERVAL = 300
# The sandbox's rate window, in real seconds; sweeps start at least half of it apart, so that
# it never sees more than two identical requests in one (it allows three).
SANDBOX_WINDOW = 1.0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Recording(AiohttpTransport):
    """The bot's own network edge, writing what it sends to ``sink`` while there is one."""

    sink: TextIO | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.sink is not None:
            body = (await request.aread()).decode("latin-1")
            headers = {k.decode(): v.decode() for k, v in request.headers.raw}
            self.sink.write(json.dumps([str(request.url), body, headers]) + "\n")
        return await super().handle_async_request(request)


class Bare:
    """The bare client (bench/bare_client.py) in its own process, a round at a time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, requests: Path, concurrency: int) -> Bare:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.bare_client",
            str(requests),
            str(concurrency),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def round(self) -> tuple[float, float, int]:
        """Wall and CPU seconds for sending every request once, and how many there were."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise SystemExit("the bare client stopped")
        figures = json.loads(line)
        if figures["errors"]:
            raise SystemExit(f"the bare client was answered {figures['errors']} errors")
        return figures["wall"], figures["cpu"], figures["requests"]

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()


def cpu_seconds(pid: int | None = None) -> float:
    """User and system CPU time of a process (this one when ``pid`` is None)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def start_sandbox(
    logins: int, latency: float, window: float
) -> tuple[asyncio.subprocess.Process, str]:
    """The sandbox in its own process with ``logins`` accounts, and its address."""
    sandbox = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox",
        "--port",
        "0",
        "--quiet",
        "--accounts",
        str(logins),
        "--latency",
        str(latency),
        "--rate-window",
        str(window),
        stdout=asyncio.subprocess.PIPE,
    )
    assert sandbox.stdout is not None
    return sandbox, json.loads(await sandbox.stdout.readline())["url"]


async def stored_chats(path: Path, chats: int, logins: int, url: str) -> Storage:
    """A database of ``chats`` chats watching both kinds, spread over ``logins`` accounts."""
    storage = await Storage.open(path, Keyring.from_text(generate_key()))
    for chat in range(1, chats + 1):
        login = f"user{chat % logins + 1}"
        await storage.credentials.save(
            chat, auth_kind=AuthKind.PASSWORD, secret=login, login=login, base_url=url, set_by=1
        )
        for kind in NotificationKind:
            await storage.settings.set_notify(chat, kind, True)
    return storage


def bench_watcher(
    storage: Storage,
    network: AiohttpTransport,
    url: str,
    concurrency: int,
    clock: Clock,
) -> tuple[Watcher, SmscTransport, InstantTelegram]:
    """The bot's watcher over ``network``, telling an instant Telegram; the limiter and the
    watcher keep ``clock``."""
    transport = SmscTransport(
        limiter=RateLimiter(window=60.0, clock=clock),
        timeout=httpx.Timeout(30.0),
        network=network,
    )
    telegram = InstantTelegram()
    watcher = Watcher(
        storage,
        ChatAccounts(storage, SmscFactory(transport, forced_base_url=url)),
        Notifier(Bot("42:bench-token-not-real", session=telegram), per_second=1e6, chat_gap=0.0),
        build_i18n(),
        baselines=Baselines(storage, PollTimes(INTERVAL, clock)),
        concurrency=concurrency,
    )
    return watcher, transport, telegram


async def main(chats: int, logins: int, latency: float, concurrency: int, rounds: int) -> None:
    # The provider's limits per minute, scaled to sweeps that come a second apart rather
    # than minutes (see spaced): each asks any one thing once per sweep.
    sandbox, url = await start_sandbox(logins, latency, SANDBOX_WINDOW)
    try:
        await run(url, chats, logins, latency, concurrency, rounds, sandbox.pid)
    finally:
        sandbox.terminate()
        await sandbox.wait()


async def run(
    url: str,
    chats: int,
    logins: int,
    latency: float,
    concurrency: int,
    rounds: int,
    sandbox_pid: int,
) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        storage = await stored_chats(Path(workdir) / "bench.sqlite3", chats, logins, url)
        setup = time.perf_counter() - started

        # Sweeps follow each other at once here, five minutes apart on the watcher's clock;
        # the limiter keeps that clock, and the sandbox a window of a second (see main).
        clock = Clock()
        network = Recording(httpx.Limits(max_connections=concurrency * 2))
        watcher, transport, telegram = bench_watcher(storage, network, url, concurrency, clock)
        last_start = 0.0

        async def spaced() -> None:
            nonlocal last_start
            await asyncio.sleep(max(0.0, last_start + SANDBOX_WINDOW / 2 - time.perf_counter()))
            last_start = time.perf_counter()

        await spaced()
        started = time.perf_counter()
        first = await watcher.sweep()  # records every chat's baseline
        first_time = time.perf_counter() - started
        # From the second sweep on, every answer is one the chats have taken in already.
        clock.now += INTERVAL
        await spaced()
        cpu_second = cpu_seconds()
        second = await watcher.sweep()
        cpu_second = cpu_seconds() - cpu_second
        failures = first.failures + second.failures
        # Steady sweeps, several: this shared machine swings by a sixth from one to the next,
        # so the figures are the median round's, not the best. Each is followed by the bare
        # client sending the requests of the first, so that both are measured in the same
        # minutes; its first round only opens its connections, as the bot's sweeps before did.
        times, ours, theirs, bare_times, bare_cpu = [], [], [], [], []
        recorded = Path(workdir) / "requests.jsonl"
        bare: Bare | None = None
        for number in range(rounds + 1):
            if number == 0:
                network.sink = recorded.open("w")
            clock.now += INTERVAL
            await spaced()
            started = time.perf_counter()
            cpu_ours, cpu_sandbox = cpu_seconds(), cpu_seconds(sandbox_pid)
            steady = await watcher.sweep()
            elapsed, cpu_ours = time.perf_counter() - started, cpu_seconds() - cpu_ours
            cpu_sandbox = cpu_seconds(sandbox_pid) - cpu_sandbox
            failures += steady.failures
            # Every login polled for both kinds: a poll the limiter refused is skipped silently.
            failures += first.polls - steady.polls
            if bare is None:
                assert network.sink is not None
                network.sink.close()
                network.sink = None
                bare = await Bare.start(recorded, concurrency)
            await spaced()
            bare_time, bare_seconds, bare_requests = await bare.round()
            if number == 0:
                continue
            times.append(elapsed)
            ours.append(cpu_ours)
            theirs.append(cpu_sandbox)
            bare_times.append(bare_time)
            bare_cpu.append(bare_seconds)
        assert bare is not None
        await bare.stop()
        bare_time, bare_seconds = statistics.median(bare_times), statistics.median(bare_cpu)
        steady_time, cpu_ours, cpu_sandbox = (statistics.median(f) for f in (times, ours, theirs))
        await transport.aclose()
        await storage.close()

    async with httpx.AsyncClient() as http:
        health = (await http.get(f"{url}/_sandbox/health")).json()
    ideal = steady.polls * latency / concurrency
    report(
        f"Watcher sweep: {chats} chats over {logins} logins, {latency * 1000:.0f} ms latency, "
        f"{concurrency} logins at a time",
        [
            ("setup (storing the chats, not timed)", f"{setup:.1f} s"),
            ("first sweep (takes every baseline)", f"{first_time:.2f} s, {first.polls} polls"),
            (
                "second sweep (the first to compare digests)",
                f"bot-side CPU {cpu_second / second.polls * 1000:.2f} ms per poll",
            ),
            (
                f"steady sweep (median of {rounds})",
                f"{steady_time:.2f} s, {steady.polls} polls, "
                f"{steady.logins} logins, {steady.chats} chats "
                f"(rounds {min(times):.2f}-{max(times):.2f} s)",
            ),
            ("ideal (polls x latency / concurrency)", f"{ideal:.2f} s"),
            ("steady sweep / ideal", f"{steady_time / ideal:.2f}x"),
            (
                "bare aiohttp, the same requests",
                f"{bare_time:.2f} s ({bare_time / ideal:.2f}x the ideal; "
                f"{bare_seconds / bare_requests * 1000:.2f} ms CPU per request)",
            ),
            ("steady sweep / bare aiohttp", f"{steady_time / bare_time:.2f}x (guard rail 1.3x)"),
            (
                "bot CPU per poll / bare CPU per request",
                f"{(cpu_ours / steady.polls) / (bare_seconds / bare_requests):.2f}x",
            ),
            (
                "CPU during the steady sweep",
                f"bot side {cpu_ours:.2f} s ({cpu_ours / steady.polls * 1000:.2f} ms per poll; "
                f"guard rail 0.6; rounds {min(ours) / steady.polls * 1000:.2f}-"
                f"{max(ours) / steady.polls * 1000:.2f}), sandbox {cpu_sandbox:.2f} s",
            ),
            ("notifications sent", f"{telegram.sent} (nothing changed: must be 0)"),
            ("error-9 answers from the sandbox", f"{health['error9']} (must be 0)"),
            ("peak RSS of the bot side", f"{peak_rss_mb():.0f} MB (guard rail 220 MB)"),
        ],
    )
    if health["error9"] or telegram.sent or failures:
        raise SystemExit("the sweep went wrong: see the figures above")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="1,000 chats over 200 logins")
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--logins", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5, help="steady sweeps (median shown)")
    options = parser.parse_args()
    if options.short:
        options.chats, options.logins = 1_000, 200
    asyncio.run(
        main(options.chats, options.logins, options.latency, options.concurrency, options.rounds)
    )
