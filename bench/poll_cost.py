"""The bot's own cost per watcher poll, with SMSC's answers replayed in process: no sockets, no
sandbox sharing the cores, only the watcher, the client, the limiter and storage.

A steady sweep is first made for real against the sandbox (its own process, no latency), and
each answer is kept by its request; the measured sweeps then get those same answers back at
once, at the network edge the bot uses (``AiohttpTransport.handle_async_request``). Prints
the CPU per poll, median of the rounds.

On a shared machine that figure moves by a sixth from minute to minute. Under callgrind it does
not: the measured rounds switch its collection on and off, so that its instruction count is
theirs alone (divide by the polls printed), the same from one run to the next within 0.1 %:

    valgrind --tool=callgrind --instr-atstart=no python -m bench.poll_cost --short

    python -m bench.poll_cost [--short] [--chats N] [--logins N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.support import peak_rss_mb, report
from bench.watcher_sweep import INTERVAL, Clock, bench_watcher, start_sandbox, stored_chats
from bot.smsc.aiohttp_transport import AiohttpTransport


class Replaying(AiohttpTransport):
    """Sends for real and keeps each answer by its request; once ``replaying``, answers from
    what it kept without sending (a request it never saw is a failure of the run)."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits)
        self.kept: dict[tuple[str, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
        self.replaying = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (str(request.url), await request.aread())
        if not self.replaying:
            answer = await super().handle_async_request(request)
            self.kept[key] = (answer.status_code, answer.headers.raw, await answer.aread())
        status, headers, content = self.kept[key]
        return httpx.Response(status, headers=headers, content=content, request=request)


def callgrind(switch: str) -> None:
    """Switch callgrind's collection on or off for this process, if it runs under callgrind."""
    control = shutil.which("callgrind_control")
    if control is not None:
        subprocess.run([control, "-i", switch, str(os.getpid())], capture_output=True, check=False)


async def main(chats: int, logins: int, rounds: int) -> None:
    # No latency: the answers are only recorded here. A window far shorter than a sweep, so
    # that the sandbox's limits never refuse the few identical requests of the warm-up.
    sandbox, url = await start_sandbox(logins, 0.0, 0.01)
    try:
        await run(url, chats, logins, rounds)
    finally:
        sandbox.terminate()
        await sandbox.wait()


async def run(url: str, chats: int, logins: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        storage = await stored_chats(Path(workdir) / "bench.sqlite3", chats, logins, url)
        clock = Clock()
        network = Replaying(httpx.Limits(max_connections=100))
        watcher, transport, telegram = bench_watcher(storage, network, url, 50, clock)
        # Baselines, the first comparison of the digests, then the steady answers kept.
        for _ in range(3):
            await watcher.sweep()
            clock.now += INTERVAL
            await asyncio.sleep(0.02)  # past the sandbox's window
        network.replaying = True
        per_poll, polls, failures = [], 0, 0
        for _ in range(rounds):
            callgrind("on")
            started = time.process_time()
            swept = await watcher.sweep()
            elapsed = time.process_time() - started
            callgrind("off")
            clock.now += INTERVAL
            per_poll.append(elapsed / swept.polls * 1e6)
            polls += swept.polls
            failures += swept.failures
        await transport.aclose()
        await storage.close()
    report(
        f"Cost per watcher poll: {chats} chats over {logins} logins, answers replayed in process",
        [
            (
                f"our CPU per poll (median of {rounds})",
                f"{statistics.median(per_poll):.0f} µs "
                f"(rounds {min(per_poll):.0f}-{max(per_poll):.0f})",
            ),
            ("polls measured (for callgrind's count)", f"{polls}"),
            ("notifications sent", f"{telegram.sent} (nothing changed: must be 0)"),
            ("peak RSS, the kept answers included", f"{peak_rss_mb():.0f} MB"),
        ],
    )
    if failures or telegram.sent:
        raise SystemExit("the sweeps went wrong: see the figures above")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="2,000 chats over 400 logins")
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--logins", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=7, help="measured sweeps (median shown)")
    options = parser.parse_args()
    if options.short:
        options.chats, options.logins, options.rounds = 2_000, 400, 2
    asyncio.run(main(options.chats, options.logins, options.rounds))
