"""Notifications at Telegram's limit: a sweep in which every login has a change and every chat
is owed one notification, against a Bot API stand-in that enforces Telegram's limits
(``bench.telegram_limits``) and the sandbox, each in its own process.

Half-way through, the bot stops (gracefully, as on SIGTERM) and a new one starts on the same
database: nothing may be lost or sent twice across the restart.

Prints messages per second against the 30/s ceiling (goal: at least 27/s), the 429 answers
(goal: 0), the time from the first to the last notification, and what was lost or doubled
(must be 0). Fails only on a 429, a loss, a double or an error 9, never on a timing.

    python -m bench.fanout [--short] [--chats N] [--logins N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.support import peak_rss_mb, report
from bot.accounts import ChatAccounts
from bot.assembly.app import build_i18n
from bot.smsc import RateLimiter, SmscTransport
from bot.smsc.factory import SmscFactory
from bot.telegram import build_bot
from bot.watcher import Baselines, Notifier, PollTimes, Watcher
from storage import AuthKind, Keyring, NotificationKind, Storage, generate_key

INTERVAL = 300
GROUP_SHARE = 5  # every fifth chat is a group
WITH_FILE_SHARE = 4  # every fourth login's export finishes with a CSV, the others fail
TASK = 4  # a sample export that is still waiting in every sandbox account
RESTART_TAKES = 1.0


async def started(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    return process, json.loads(await process.stdout.readline())["url"]


def chat_ids(chats: int) -> list[int]:
    return [-(10**12) - n if n % GROUP_SHARE == 0 else n for n in range(1, chats + 1)]


def login_of(index: int, logins: int) -> str:
    return f"user{index % logins + 1}"


class Bot:
    """One run of the bot's watcher on the database: what a process holds."""

    def __init__(self, database: Path, keyring: Keyring, smsc: str, telegram: str) -> None:
        self.database, self.keyring, self.smsc, self.telegram = database, keyring, smsc, telegram

    async def __aenter__(self) -> Watcher:
        self.storage = await Storage.open(self.database, self.keyring)
        self.transport = SmscTransport(
            limiter=RateLimiter(window=60.0), timeout=httpx.Timeout(30.0), max_connections=100
        )
        self.bot = build_bot("42:bench-token-not-real", api_url=self.telegram)
        accounts = ChatAccounts(
            self.storage, SmscFactory(self.transport, forced_base_url=self.smsc)
        )
        return Watcher(
            self.storage,
            accounts,
            Notifier(self.bot, on_migrate=accounts.migrate),
            build_i18n(),
            baselines=Baselines(self.storage, PollTimes(INTERVAL)),
        )

    async def __aexit__(self, *exc: object) -> None:
        await self.transport.aclose()
        await self.storage.close()
        await self.bot.session.close()


async def run(chats: int, logins: int) -> dict[str, Any]:
    sandbox, smsc = await started(
        "-m", "bot.sandbox", "--port", "0", "--quiet", "--accounts", str(logins)
    )
    limits, telegram = await started("-m", "bench.telegram_limits")
    ids = chat_ids(chats)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            database, keyring = Path(workdir) / "fanout.sqlite3", Keyring.from_text(generate_key())
            storage = await Storage.open(database, keyring)
            for index, chat in enumerate(ids):
                login = login_of(index, logins)
                await storage.chats.connect(
                    chat,
                    auth_kind=AuthKind.PASSWORD,
                    secret=login,
                    login=login,
                    region=None,
                    base_url=smsc,
                    set_by=1,
                )
                await storage.settings.set_notify(chat, NotificationKind.DOWNLOADS, True)
            await storage.close()

            async with Bot(database, keyring, smsc, telegram) as watcher:
                await watcher.sweep()  # every chat's baseline: nothing is owed yet
            async with httpx.AsyncClient(base_url=smsc) as http:
                for number in range(1, logins + 1):
                    status = 2 if number % WITH_FILE_SHARE == 0 else 4
                    await http.post(f"/_sandbox/tasks/user{number}/{TASK}", json={"status": status})

            began = time.perf_counter()
            async with Bot(database, keyring, smsc, telegram) as first:
                sweep = asyncio.create_task(first.sweep())
                async with httpx.AsyncClient(base_url=telegram) as http:
                    while len((await http.get("/stats")).json()["delivered"]) < chats // 2:
                        await asyncio.sleep(0.2)
                await first.stop()  # SIGTERM half-way: what is being sent finishes, no more
                await asyncio.gather(sweep, return_exceptions=True)
            # A new process takes a few seconds to start; Telegram's per-second window, which
            # the new process knows nothing of, has passed by then.
            await asyncio.sleep(RESTART_TAKES)
            async with Bot(database, keyring, smsc, telegram) as second:
                await second.sweep()
            elapsed = time.perf_counter() - began
        async with httpx.AsyncClient() as http:
            stats = (await http.get(f"{telegram}/stats")).json()
            health = (await http.get(f"{smsc}/_sandbox/health")).json()
    finally:
        for process in (sandbox, limits):
            assert process.stdin is not None
            process.stdin.close()
            process.terminate()
            await process.wait()
    delivered = {int(k): v for k, v in stats["delivered"].items()}
    return {
        "lost": sum(1 for chat in ids if chat not in delivered),
        "doubled": sum(1 for count in delivered.values() if count > 1),
        "messages": sum(delivered.values()),
        "documents": stats["documents"],
        "refused": stats["refused"],
        "refused_by": stats["refused_by"],
        "seconds": stats["seconds"],
        "elapsed": elapsed,
        "error9": health["error9"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="300 chats over 60 logins")
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--logins", type=int, default=2_000)
    options = parser.parse_args()
    if options.short:
        options.chats, options.logins = 300, 60
    figures = asyncio.run(run(options.chats, options.logins))
    rate = (figures["messages"] - 1) / max(figures["seconds"], 1e-9)
    report(
        f"Fan-out: {options.chats} chats ({100 // GROUP_SHARE}% groups) over {options.logins} "
        "logins, every login with a finished or failed export, a restart half-way",
        [
            ("messages per second, first to last", f"{rate:.1f}/s ({rate / 30:.0%} of 30/s)"),
            ("time from the first to the last", f"{figures['seconds']:.1f} s"),
            ("whole run, restart included", f"{figures['elapsed']:.1f} s"),
            (
                "messages (of which CSV documents)",
                f"{figures['messages']} ({figures['documents']})",
            ),
            (
                "429 answers",
                f"{figures['refused']} (goal: 0) {figures['refused_by'] or ''}".rstrip(),
            ),
            ("lost / doubled", f"{figures['lost']} / {figures['doubled']} (must be 0 / 0)"),
            ("error-9 answers from the sandbox", f"{figures['error9']} (must be 0)"),
            ("peak RSS of the bot side", f"{peak_rss_mb():.0f} MB"),
        ],
    )
    if figures["lost"] or figures["doubled"] or figures["refused"] or figures["error9"]:
        raise SystemExit("notifications went wrong: see the figures above")


if __name__ == "__main__":
    main()
