"""Webhook mode, for deployments behind a reverse proxy: Telegram's secret-token header is
checked on every request; ``/healthz`` answers for the proxy or the orchestrator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from urllib.parse import urlsplit

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import Application

log = logging.getLogger("bot.webhook")


def build_web_app(app: Application) -> web.Application:
    settings = app.settings
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    path = urlsplit(settings.webhook_url).path or "/webhook"
    web_app = web.Application()
    SimpleRequestHandler(
        dispatcher=app.dispatcher, bot=app.bot, secret_token=secret, handle_in_background=True
    ).register(web_app, path=path)

    async def health(_: web.Request) -> web.Response:
        version = await app.storage.database.schema_version()
        return web.json_response({"ok": True, "schema_version": version})

    web_app.router.add_get("/healthz", health)

    setup_application(web_app, app.dispatcher, bot=app.bot)
    return web_app


async def register_webhook(app: Application) -> None:
    """Told to Telegram only once the server listens, so the first update finds it."""
    settings = app.settings
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    await app.bot.set_webhook(
        settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=app.dispatcher.resolve_used_update_types(),
    )
    log.info("webhook registered", extra={"path": urlsplit(settings.webhook_url).path})


async def run_webhook(app: Application) -> None:
    web_app = build_web_app(app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, app.settings.webhook_host, app.settings.webhook_port)
    await site.start()
    await register_webhook(app)
    log.info(
        "webhook server listening",
        extra={"host": app.settings.webhook_host, "port": app.settings.webhook_port},
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await app.bot.session.close()
