"""What the benchmarks share: an instant in-process Telegram, and a printer for figures."""

from __future__ import annotations

import itertools
import resource
import time
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bench.serving import BOT_USER


class InstantTelegram(BaseSession):
    """Answers every Bot API call at once, in process: the network edge, without the network."""

    def __init__(self) -> None:
        super().__init__()
        self.ids = itertools.count(1)
        self.sent = 0

    async def close(self) -> None:
        return None

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        name = method.__api_method__
        returning: Any = method.__returning__
        if name == "getMe":
            answer: TelegramType = returning.model_validate(BOT_USER)
            return answer
        if name.startswith(("send", "edit")):
            self.sent += 1
            chat_id = getattr(method, "chat_id", 1)
            sent: TelegramType = returning.model_validate(
                {
                    "message_id": next(self.ids),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "text": "ok",
                },
                context={"bot": bot},
            )
            return sent
        return True  # type: ignore[return-value]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    print(f"\n{title}")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
