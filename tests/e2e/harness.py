"""Runs ``python -m bot`` as a process against the fake Bot API and the SMSC sandbox."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from storage import generate_key
from tests.fakes.telegram import FakeTelegram

TOKEN = "123456789:TEST-fake-token-for-e2e-only-000000"
ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    def __init__(self, workdir: Path, telegram: FakeTelegram, smsc_url: str, **env: str) -> None:
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.key = generate_key()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "SMSC_"))},
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": telegram.base_url,
            "SMSC_BASE_URL": smsc_url,
            "DATABASE_PATH": str(workdir / "bot.sqlite3"),
            "ENCRYPTION_KEYS": self.key,
            "WATCH_INTERVAL": "1",
            "LOG_LEVEL": "DEBUG",
            "LOG_FORMAT": "json",
            "SMSC_RATE_WINDOW": "0.5",
            "SMSC_MAX_WAIT": "3",
            "SMSC_TIMEOUT": "3",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.telegram = telegram
        self.args: list[str] = []
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.telegram.polls = 0
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *self.args, cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        log.close()
        try:
            await self.telegram.wait_polling(timeout=30)
        except TimeoutError:
            raise AssertionError(f"the bot did not start polling:\n{self.log}") from None

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode or 0

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
