"""Webhook mode, for deployments behind a reverse proxy: Telegram's secret-token header is
checked on every request; ``/healthz`` answers for the proxy or the orchestrator."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError

from bot.assembly.app import Application
from bot.shared.updates import arriving
from bot.startup import StartupError
from bot.telegram import telegram_refused
from storage import StorageError

log = logging.getLogger("bot.assembly.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class CheckedRequestHandler(SimpleRequestHandler):
    """aiogram's handler, minus the requests it would answer with a 500 and a traceback: a
    secret header outside ASCII (``secrets.compare_digest`` raises on such text) and a body
    that is not a Telegram update (malformed JSON, JSON nested past the recursion limit)."""

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        expected = (self.secret_token or "").encode()
        # surrogatepass: aiohttp hands undecodable header bytes over as lone surrogates.
        given = telegram_secret_token.encode("utf-8", "surrogatepass")
        return bool(expected) and hmac.compare_digest(given, expected)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), self.bot):
            return web.Response(body="Unauthorized", status=401)
        update = await readable_update(request, self.bot)
        if isinstance(update, str):
            log.warning("webhook request refused", extra={"reason": update})
            return web.Response(text="Bad Request", status=400)
        # Its id known before aiogram's: with replicas, claimed as its chat's lock is taken.
        with arriving(update.update_id):
            return await super().handle(request)


async def readable_update(request: web.Request, bot: Bot) -> Update | str:
    """The update in the body, or why it is not one aiogram can take. Parsed the way aiogram
    then parses it again: a 400 instead of a 500 and a traceback is worth the second parse."""
    try:
        data = bot.session.json_loads(await request.text())
    except RecursionError:
        return "JSON nested too deeply"
    except ValueError:
        return "not JSON"
    if not isinstance(data, dict):
        return "not a JSON object"
    try:
        return Update.model_validate(data, context={"bot": bot})
    except ValidationError:
        return "not a Telegram update"


def build_web_app(app: Application) -> web.Application:
    settings = app.settings
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    path = urlsplit(settings.webhook_url).path or "/webhook"
    web_app = web.Application()
    # Handled before Telegram hears 200: a replica that dies with an update in hand leaves it
    # unanswered, and Telegram sends it again (to another replica, perhaps).
    CheckedRequestHandler(
        dispatcher=app.dispatcher, bot=app.bot, secret_token=secret, handle_in_background=False
    ).register(web_app, path=path)

    async def health(_: web.Request) -> web.Response:
        try:
            version = await app.storage.database.schema_version()
        except StorageError as error:
            # Said to whoever asks (a load balancer, perhaps the internet): no address in it.
            log.error("health check: database unavailable", extra={"error": str(error)})
            return web.json_response({"ok": False, "error": "database unavailable"}, status=503)
        return web.json_response({"ok": True, "schema_version": version})

    web_app.router.add_get("/healthz", health)

    setup_application(web_app, app.dispatcher, bot=app.bot)
    return web_app


async def register_webhook(app: Application) -> None:
    """Told to Telegram only once the server listens, so the first update finds it."""
    settings = app.settings
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    url, secret = settings.webhook_url, settings.webhook_secret.get_secret_value()
    replicas = app.replicas
    if replicas is not None and not await replicas.first_to_set_webhook(url, secret):
        # One call is enough; replicas started together would each make it.
        log.info("webhook registered by another replica")
        return
    try:
        await app.bot.set_webhook(
            url, secret_token=secret, allowed_updates=app.dispatcher.resolve_used_update_types()
        )
    except TelegramAPIError as error:
        if replicas is not None:
            await replicas.webhook_not_set(url, secret)
        raise telegram_refused("setWebhook", error) from None
    log.info("webhook registered", extra={"path": urlsplit(settings.webhook_url).path})


async def run_webhook(app: Application) -> None:
    settings = app.settings
    runner = web.AppRunner(build_web_app(app), access_log=None)
    try:
        # Runs the dispatcher's startup, which asks Telegram first (getMe).
        await runner.setup()
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        try:
            await site.start()
        except OSError as error:
            raise StartupError(
                f"cannot listen on WEBHOOK_HOST:WEBHOOK_PORT {settings.webhook_host}:"
                f"{settings.webhook_port} ({error.strerror or type(error).__name__})"
            ) from None
        await register_webhook(app)
        log.info(
            "webhook server listening",
            extra={"host": settings.webhook_host, "port": settings.webhook_port},
        )
        await stopped()
    finally:
        await runner.cleanup()
        await app.bot.session.close()


async def stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
