"""Start-up time (process start to the first getUpdates) and idle RSS, with 10,000 chats
stored, against a bare aiogram bot process measured the same way in the same run.

    python -m bench.startup [--short] [--chats N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.support import report
from storage import AuthKind, Keyring, Storage, generate_key
from storage.database import utcnow

TOKEN = "42:bench-token-not-real"
ROOT = Path(__file__).resolve().parents[1]
BARE_BOT = """
import asyncio
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
router = Router()
@router.message(Command("block"))
async def reply(message):
    await message.answer("ok")
async def main():
    bot = Bot({token!r}, session=AiohttpSession(api=TelegramAPIServer.from_base({api!r})))
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    await dispatcher.start_polling(bot)
asyncio.run(main())
"""


async def store_chats(path: Path, key: str, chats: int) -> None:
    keyring = Keyring.from_text(key)
    storage = await Storage.open(path, keyring)
    rows: list[tuple[object, ...]] = []
    settings: list[tuple[int, str, bool, bool]] = []
    for chat in range(1, chats + 1):
        sealed = keyring.seal(chat, f"password-{chat}")
        rows.append(
            (
                chat,
                "ru",
                None,
                f"login{chat % 2000}",
                AuthKind.PASSWORD.value,
                sealed.key_id,
                sealed.nonce,
                sealed.ciphertext,
                chat,
                utcnow(),
            )
        )
        settings.append((chat, "ru", chat % 3 == 0, chat % 5 == 0))
    try:
        await _insert(storage, chats, rows, settings)
    finally:
        await storage.close()


async def _insert(
    storage: Storage,
    chats: int,
    rows: list[tuple[object, ...]],
    settings: list[tuple[int, str, bool, bool]],
) -> None:
    async with storage.database.transaction() as tx:
        await tx.executemany(
            "INSERT INTO chats (chat_id, created_at) VALUES (?, ?)",
            [(chat, utcnow()) for chat in range(1, chats + 1)],
        )
        await tx.executemany(
            "INSERT INTO credentials (chat_id, region, base_url, login, auth_kind, key_id, "
            "nonce, secret, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        await tx.executemany(
            "INSERT INTO chat_settings (chat_id, language, notify_downloads, notify_senders) "
            "VALUES (?, ?, ?, ?)",
            settings,
        )
    assert await storage.chats.count() == chats
    assert (await storage.credentials.get(chats)).secret == f"password-{chats}"  # type: ignore[union-attr]
    watched = sum(1 for _, _, downloads, senders in settings if downloads or senders)
    assert len(await storage.settings.watching()) == watched


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(command: list[str], env: dict[str, str], stats: str) -> tuple[float, float]:
    async with httpx.AsyncClient() as http:
        before = (await http.get(stats)).json()["polls"]
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            while (await http.get(stats)).json()["polls"] == before:
                if process.returncode is not None:
                    raise SystemExit((await process.stderr.read()).decode())  # type: ignore[union-attr]
                await asyncio.sleep(0.01)
            ready = time.perf_counter() - started
            await asyncio.sleep(2.0)  # idle, polling
            rss = rss_mb(process.pid)
        finally:
            process.terminate()
            await process.wait()
    return ready, rss


async def main(chats: int, runs: int) -> None:
    servers = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.servers",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert servers.stdout is not None
    assert servers.stdin is not None
    urls = json.loads(await servers.stdout.readline())
    stats = urls["telegram"] + "/stats"
    try:
        with tempfile.TemporaryDirectory() as workdir:
            key = generate_key()
            database = Path(workdir) / "bot.sqlite3"
            await store_chats(database, key, chats)
            env = {
                **os.environ,
                "BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": urls["telegram"],
                "DATABASE_PATH": str(database),
                "ENCRYPTION_KEYS": key,
                "WATCH_INTERVAL": "3600",
                "LOG_LEVEL": "WARNING",
            }
            # As deployed: bytecode cached (some machines disable it for development).
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            ours, bare = [], []
            for run in range(runs + 1):
                if run == 0:  # warm-up, not counted: writes the bytecode caches
                    await measure(
                        [sys.executable, "-c", BARE_BOT.format(token=TOKEN, api=urls["telegram"])],
                        env,
                        stats,
                    )
                    await measure([sys.executable, "-m", "bot"], env, stats)
                    continue
                bare.append(
                    await measure(
                        [sys.executable, "-c", BARE_BOT.format(token=TOKEN, api=urls["telegram"])],
                        env,
                        stats,
                    )
                )
                ours.append(await measure([sys.executable, "-m", "bot"], env, stats))
    finally:
        servers.stdin.close()
        await servers.wait()
    start_ours, start_bare = (
        statistics.median(t for t, _ in ours),
        statistics.median(t for t, _ in bare),
    )
    rss_ours, rss_bare = (
        statistics.median(r for _, r in ours),
        statistics.median(r for _, r in bare),
    )
    report(
        f"Start-up and idle memory, {chats} chats stored ({runs} runs each, medians)",
        [
            ("bare aiogram bot: start to first poll", f"{start_bare:.2f} s"),
            (
                "smsc-bot: start to first poll",
                f"{start_ours:.2f} s ({start_ours / start_bare:.2f}x)",
            ),
            ("bare aiogram bot: idle RSS", f"{rss_bare:.0f} MB"),
            ("smsc-bot: idle RSS", f"{rss_ours:.0f} MB ({rss_ours / rss_bare:.2f}x)"),
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="one run each, for CI")
    parser.add_argument("--chats", type=int, default=10_000)
    options = parser.parse_args()
    asyncio.run(main(options.chats, 1 if options.short else 3))
