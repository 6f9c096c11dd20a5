"""The Bot: its HTTP session, the Bot API server it talks to, and the retry policy.

aiogram's session retries nothing; this session middleware is the one place where a 429 is
waited out and a 5xx or network error is retried, for handler replies and notifications alike.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.startup import StartupError

log = logging.getLogger("bot.telegram")

MAX_RETRY_AFTER = 120.0
SERVER_ERROR_RETRIES = 2


Sleep = Callable[[float], Awaitable[None]]


class RetryMiddleware(BaseRequestMiddleware):
    """Waits out 429 answers and retries 5xx and network errors a few times with backoff.

    ``wait_scale`` shortens every wait by that factor (tests and benchmarks, against a fake Bot
    API); the limits still count the waits Telegram asked for.
    """

    def __init__(
        self,
        max_wait: float = MAX_RETRY_AFTER,
        backoff: float = 1.0,
        *,
        wait_scale: float = 1.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.max_wait = max_wait
        self.backoff = backoff
        self.wait_scale = wait_scale
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        waited = 0.0
        failures = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if waited + error.retry_after > self.max_wait:
                    raise
                log.info(
                    "telegram asked to wait",
                    extra={"method": method.__api_method__, "retry_after": error.retry_after},
                )
                waited += error.retry_after
                await self._sleep(error.retry_after * self.wait_scale)
            except (TelegramServerError, TelegramNetworkError) as error:
                failures += 1
                if failures > SERVER_ERROR_RETRIES:
                    raise
                log.warning(
                    "telegram failed; retrying",
                    extra={"method": method.__api_method__, "error": type(error).__name__},
                )
                await self._sleep(self.backoff * 2 ** (failures - 1) * self.wait_scale)


class BotSession(AiohttpSession):
    """aiogram's session, without its quarter-second pause on close when nothing is TLS.

    The pause lets TLS connections close cleanly (aiohttp's graceful-shutdown advice); a Bot API
    on plain HTTP (a local Bot API server, tests) has none to wait for.
    """

    async def close(self) -> None:
        if self.api.base.startswith("https://"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()


def build_bot(
    token: str,
    *,
    api_url: str | None = None,
    session: Any = None,
    timeout: float = 60.0,
    wait_scale: float = 1.0,
) -> Bot:
    if session is None:
        api = TelegramAPIServer.from_base(api_url) if api_url else None
        session = BotSession(api=api, timeout=timeout) if api else AiohttpSession(timeout=timeout)
    session.middleware(RetryMiddleware(wait_scale=wait_scale))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def check_telegram(bot: Bot) -> None:
    """Asked before anything else starts: with a wrong token or no way to Telegram, every
    later call would fail, one log line at a time, while the bot looked alive."""
    try:
        await bot.me()
    except TelegramUnauthorizedError:
        raise StartupError(
            "Telegram refused BOT_TOKEN (401 Unauthorized): is it the one @BotFather gave?"
        ) from None
    except TelegramNetworkError as error:
        raise StartupError(
            f"Telegram cannot be reached ({error.message}): check the network or TELEGRAM_API_URL"
        ) from None
    except TelegramAPIError as error:
        raise telegram_refused("getMe", error) from None


def telegram_refused(method: str, error: TelegramAPIError) -> StartupError:
    return StartupError(f"Telegram refused {method}: {error.message}")
