"""Time per /block through the whole stack, as a ratio to a bare aiogram handler that only
replies, in the same process and run. Target: at most 2x.

Both bots reply over HTTP to a Bot API on loopback, served from another process
(bench.servers) so that its work is not counted. SMSC answers instantly where the bytes would
leave (the transport's network edge): the ratio then shows our own work per command, i.e.
middlewares, the chat's settings, loading and decrypting its credentials, the rate limiter, the
SMSC client, the audit log. Two more figures: SMSC over loopback HTTP as well (the request
itself), and both edges faked in process (our CPU time alone).

    python -m bench.command_overhead [--short]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.filters import Command
from aiogram.types import Message, Update

from bench.support import InstantTelegram, report
from bot.assembly.app import Application, build_application
from bot.config import Settings
from bot.smsc.aiohttp_transport import AiohttpTransport
from storage import AuthKind, generate_key

TOKEN = "42:bench-token-not-real"
CHAT = 777


def update(number: int) -> dict[str, object]:
    text = f"/block 7916{number:07d} mass"
    return {
        "update_id": number,
        "message": {
            "message_id": number,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": CHAT, "type": "private", "first_name": "B"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "B", "language_code": "en"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def per_update(dispatcher: Dispatcher, bot: Bot, start: int, count: int) -> float:
    updates = [Update.model_validate(update(start + n), context={"bot": bot}) for n in range(count)]
    began = time.perf_counter()
    for item in updates:
        await dispatcher.feed_update(bot, item)
    return (time.perf_counter() - began) / count


def bare_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(Command("block"))
    async def reply(message: Message) -> None:
        await message.answer("ok")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def ours(
    workdir: Path, bot: Bot, network: httpx.AsyncBaseTransport | None, smsc_url: str
) -> Application:
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        encryption_keys=generate_key(),
        database_path=workdir / "bench.sqlite3",
        smsc_base_url=smsc_url,
        log_level="ERROR",
    )
    app = await build_application(settings, bot=bot, smsc_network=network, run_watcher=False)
    await app.storage.credentials.save(
        CHAT,
        auth_kind=AuthKind.PASSWORD,
        secret="pw",
        login="bench",
        base_url=smsc_url,
        set_by=CHAT,
    )
    return app


async def compare(
    bare: tuple[Dispatcher, Bot], full: Application, rounds: int, count: int, start: int
) -> tuple[float, float]:
    base_times, full_times = [], []
    for _ in range(rounds):
        # Alternate the two, so that neither gets a quieter moment of the machine.
        base_times.append(await per_update(bare[0], bare[1], start, count))
        full_times.append(await per_update(full.dispatcher, full.bot, start, count))
        start += count
    audit = await full.storage.audit.recent(CHAT, 1)
    assert audit[0].action == "/block", "every /block must have gone through the stack"
    return statistics.median(base_times), statistics.median(full_times)


def http_bot(api: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


ANSWER = b'{"id": 1}'


class InstantSmsc(AiohttpTransport):
    """SMSC answering at once where the bytes would leave: the bot's own way to it is what
    gets measured."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=ANSWER, headers={"Content-Type": "application/json"})


async def with_servers(run: Callable[[dict[str, str]], Awaitable[None]]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.servers",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    urls = json.loads(await process.stdout.readline())
    try:
        await run(urls)
    finally:
        process.stdin.close()
        await process.wait()


async def main(short: bool) -> None:
    rounds, count = (3, 150) if short else (7, 500)
    figures: list[tuple[str, str]] = [("updates per round", f"{count} x {rounds} rounds")]

    async def loopback(urls: dict[str, str]) -> None:
        for label, network, smsc_url in (
            ("SMSC instant", InstantSmsc(), "http://smsc.invalid"),
            ("SMSC over loopback", None, urls["smsc"]),
        ):
            with tempfile.TemporaryDirectory() as workdir:
                bare_bot, our_bot = http_bot(urls["telegram"]), http_bot(urls["telegram"])
                app = await ours(Path(workdir), our_bot, network, smsc_url)
                base, full = await compare((bare_dispatcher(), bare_bot), app, rounds, count, 0)
                await app.on_shutdown()
                await bare_bot.session.close()
                await our_bot.session.close()
            target = " (guard rail: at most 2x)" if label == "SMSC instant" else ""
            figures.extend(
                [
                    (f"{label}: bare aiogram reply", f"{base * 1e6:.0f} µs per update"),
                    (f"{label}: smsc-bot /block", f"{full * 1e6:.0f} µs per update"),
                    (f"{label}: ratio", f"{full / base:.2f}x{target}"),
                ]
            )

    await with_servers(loopback)

    with tempfile.TemporaryDirectory() as workdir:
        app = await ours(
            Path(workdir),
            Bot(TOKEN, session=InstantTelegram()),
            InstantSmsc(),
            "http://smsc.invalid",
        )
        bare = (bare_dispatcher(), Bot(TOKEN, session=InstantTelegram()))
        base, full = await compare(bare, app, rounds, count, 10**6)
        await app.on_shutdown()
    figures.extend(
        [
            ("in process: bare aiogram reply", f"{base * 1e6:.0f} µs per update"),
            ("in process: smsc-bot /block", f"{full * 1e6:.0f} µs per update"),
            ("our own CPU time per command", f"{(full - base) * 1e6:.0f} µs"),
        ]
    )
    report("Command overhead: /block through the whole stack vs a bare aiogram reply", figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="fewer rounds, for CI")
    asyncio.run(main(parser.parse_args().short))
