"""The real dispatcher in this process: updates fed directly, replies over HTTP to the fake
Bot API, SMSC calls over HTTP to the sandbox. ``feed_update`` returns when the handler is done,
so no test waits on timing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram.types import Update

from bot.assembly.app import Application, build_application
from bot.config import Settings
from bot.sandbox import SandboxServer
from storage import generate_key
from tests.conftest import RATE_WINDOW
from tests.fakes.telegram import Call, FakeTelegram

TOKEN = "123456789:TEST-fake-token-for-handler-tests-0"


def settings_for(
    telegram: FakeTelegram, sandbox: SandboxServer, workdir: Path, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": telegram.base_url,
        "smsc_base_url": sandbox.base_url,
        "database_path": workdir / "bot.sqlite3",
        "encryption_keys": generate_key(),
        "smsc_rate_window": RATE_WINDOW,
        "smsc_max_wait": 3.0,
        "smsc_timeout": 0.5,
        "telegram_wait_scale": 0.01,
        "watch_interval": 60,
        "log_format": "text",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class Harness:
    app: Application
    telegram: FakeTelegram
    sandbox: SandboxServer

    async def feed(self, update: dict[str, Any]) -> list[Call]:
        since = self.telegram.mark()
        await self.app.dispatcher.feed_update(
            self.app.bot, Update.model_validate(update, context={"bot": self.app.bot})
        )
        return self.telegram.calls[since:]

    async def say(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language: str = "en",
        **extra: Any,
    ) -> list[Call]:
        user = user_id if user_id is not None else abs(chat_id)
        return await self.feed(
            self.telegram.message_update(chat_id, user, text, language=language, **extra)
        )

    async def press(self, call: Call, button: str, *, user_id: int) -> list[Call]:
        return await self.feed(self.telegram.callback_update(call, button, user_id))

    async def upload(
        self, chat_id: int, user_id: int, content: bytes, name: str, **extra: Any
    ) -> list[Call]:
        return await self.feed(
            self.telegram.document_update(chat_id, user_id, content, name, **extra)
        )


def sent(calls: list[Call], method: str = "sendMessage") -> list[Call]:
    return [c for c in calls if c.method == method]


def text_of(calls: list[Call]) -> str:
    return "\n".join(
        c.text
        for c in calls
        if c.method in {"sendMessage", "editMessageText", "sendDocument", "answerCallbackQuery"}
    )


async def open_harness(
    telegram: FakeTelegram, sandbox: SandboxServer, workdir: Path, **overrides: Any
) -> Harness:
    app = await build_application(
        settings_for(telegram, sandbox, workdir, **overrides), run_watcher=False
    )
    return Harness(app, telegram, sandbox)


async def close_harness(harness: Harness) -> None:
    await harness.app.on_shutdown()
    await harness.app.bot.session.close()
