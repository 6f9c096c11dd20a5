"""``python -m bot demo``: the bot on the embedded SMSC sandbox, with no account needed.

With BOT_TOKEN set it runs in Telegram; without, in this terminal. Any chat starts logged in
to the sandbox's account, and every reply says it runs on the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from aiogram import BaseMiddleware, Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.enums import ParseMode
from aiogram.methods import EditMessageText, SendDocument, SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Chat, TelegramObject, Update
from aiogram.utils.i18n import gettext as _

from bot.assembly.app import Application, build_application
from bot.assembly.terminal import DEMO_CHAT_ID, TerminalSession
from bot.config import ConfigError, load_settings
from bot.logs import configure_logging
from bot.sandbox import DEFAULT_LOGIN, DEFAULT_PASSWORD, SandboxServer, SandboxState
from storage import AuthKind, Storage, generate_key


def footer() -> str:
    """The sandbox notice, in the chat's language where there is one to take."""
    try:
        text = _("🧪 SMSC sandbox: a demo account, nothing real is sent.")
    except LookupError:  # outside any update or notification: no language is current
        text = "🧪 SMSC sandbox: a demo account, nothing real is sent."
    return f"\n<i>{text}</i>"


TERMINAL_TOKEN = "1:terminal-demo-token"  # noqa: S105 - never reaches Telegram
DEMO_WATCH_INTERVAL = 15


class SandboxFooter(BaseRequestMiddleware):
    """Every text the bot sends says it runs on the sandbox."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, (SendMessage, EditMessageText)) and isinstance(method.text, str):
            notice = footer()
            if len(method.text) + len(notice) <= 4096:
                method.text += notice
        elif isinstance(method, SendDocument):
            caption, notice = method.caption or "", footer()
            if len(caption) + len(notice) <= 1024:
                method.caption = caption + notice
        return await make_request(bot, method)


class SandboxLogin(BaseMiddleware):
    """A chat that talks to the demo starts logged in to the sandbox's account, once: after
    /logout it stays logged out, so that /logout and /login can be tried too."""

    def __init__(self, storage: Storage, base_url: str) -> None:
        self.storage = storage
        self.base_url = base_url
        self.greeted: set[int] = set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        # A message or a button (not the bot being added to a chat, or removed from it).
        spoken = isinstance(event, Update) and (event.message or event.callback_query)
        if spoken and chat is not None and chat.id not in self.greeted:
            self.greeted.add(chat.id)
            if await self.storage.credentials.exists(chat.id):
                return await handler(event, data)
            await self.storage.credentials.save(
                chat.id,
                auth_kind=AuthKind.PASSWORD,
                secret=DEFAULT_PASSWORD,
                login=DEFAULT_LOGIN,
                base_url=self.base_url,
                set_by=0,
            )
        return await handler(event, data)


async def build_demo(
    out: TextIO, workdir: Path
) -> tuple[Application, SandboxServer, TerminalSession | None]:
    state = SandboxState()
    state.add_account(DEFAULT_LOGIN, DEFAULT_PASSWORD)
    sandbox = SandboxServer(state)
    sandbox.record_requests = False
    await sandbox.start()
    overrides: dict[str, Any] = {"smsc_base_url": sandbox.base_url}
    if not os.environ.get("DATABASE_PATH"):
        overrides["database_path"] = workdir / "demo.sqlite3"
    if not (os.environ.get("ENCRYPTION_KEYS") or os.environ.get("ENCRYPTION_KEYS_FILE")):
        overrides["encryption_keys"] = generate_key()
    if not os.environ.get("WATCH_INTERVAL"):
        overrides["watch_interval"] = DEMO_WATCH_INTERVAL
    terminal = None
    if not os.environ.get("BOT_TOKEN"):
        overrides["bot_token"] = TERMINAL_TOKEN
        # The terminal is the chat: logs would drown it unless asked for.
        overrides["log_level"] = os.environ.get("LOG_LEVEL", "ERROR")
        overrides["log_format"] = os.environ.get("LOG_FORMAT", "text")
    settings = load_settings(**overrides)
    configure_logging(settings.log_level, settings.log_format, settings.secrets())
    bot = None
    if "bot_token" in overrides:
        terminal = TerminalSession(out, Path(os.environ.get("DEMO_DOWNLOADS", "demo-downloads")))
        bot = Bot(
            TERMINAL_TOKEN,
            session=terminal,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
    app = await build_application(settings, bot=bot)
    app.bot.session.middleware(SandboxFooter())
    login = SandboxLogin(app.storage, sandbox.base_url)
    # Before any of the bot's own middlewares: they read the chat's credentials.
    app.dispatcher.update.outer_middleware(login)
    return app, sandbox, terminal


HELP = f"""\
SMSC bot demo, in this terminal, on the embedded SMSC sandbox. You start logged in to its
account; after /logout, /login {DEFAULT_LOGIN} {DEFAULT_PASSWORD} logs in again.
Type commands as in Telegram: /start, /help, /contacts, /block 79161234567, /senders ...
A number presses a button of the last message; keys under the message field show as
⌨ [/help]: type one to press it. Sandbox events, to see notifications
after "/watch downloads on" or "/watch senders on":
  :finish <task-id>              an export finishes (see /downloads)
  :approve <sender-id> <op>      an operator approves a name (e.g. :approve 2 mts_step)
  :quit                          leave (Ctrl+D too)
"""


async def run_terminal(
    app: Application,
    sandbox: SandboxServer,
    terminal: TerminalSession,
    lines: Callable[[], Awaitable[str]],
    out: TextIO,
) -> None:
    out.write(HELP + "\n")
    out.flush()
    await app.dispatcher.emit_startup(bot=app.bot, **app.dispatcher.workflow_data)
    updates = 0
    try:
        while True:
            line = await lines()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text in {":quit", ":exit", "/quit"}:
                break
            if text.startswith(":"):
                out.write(sandbox_event(sandbox, text) + "\n")
                out.flush()
                continue
            updates += 1
            update = _update(updates, text, terminal)
            await app.dispatcher.feed_update(
                app.bot, Update.model_validate(update, context={"bot": app.bot})
            )
    finally:
        await app.dispatcher.emit_shutdown(bot=app.bot, **app.dispatcher.workflow_data)
        await sandbox.stop()


def _update(update_id: int, text: str, terminal: TerminalSession) -> dict[str, Any]:
    user = {
        "id": DEMO_CHAT_ID,
        "is_bot": False,
        "first_name": "You",
        "language_code": os.environ.get("DEMO_LANGUAGE", "en"),
    }
    if text.isdigit() and terminal.buttons and 1 <= int(text) <= len(terminal.buttons):
        _label, data = terminal.buttons[int(text) - 1]
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": user,
                "chat_instance": "demo",
                "message": terminal.buttons_message,
                "data": data,
            },
        }
    message: dict[str, Any] = {
        "message_id": 10_000 + update_id,
        "date": int(time.time()),
        "text": text,
        "from": user,
        "chat": {"id": DEMO_CHAT_ID, "type": "private", "first_name": "You"},
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def sandbox_event(sandbox: SandboxServer, command: str) -> str:
    words = command[1:].split()
    try:
        if words[0] == "finish":
            sandbox.state.set_task_status(DEFAULT_LOGIN, int(words[1]), 2, size=20_000)
            return f"🧪 sandbox: export {words[1]} is now done"
        if words[0] == "approve":
            sandbox.state.set_operator_status(DEFAULT_LOGIN, int(words[1]), words[2], 2)
            return f"🧪 sandbox: {words[2]} approved sender {words[1]}"
    except (IndexError, KeyError, ValueError):
        pass
    return "🧪 sandbox events: :finish <task-id>, :approve <sender-id> <operator>, :quit"


async def _stdin_line() -> str:
    if sys.stdin.isatty():
        sys.stdout.write("› ")
        sys.stdout.flush()
    return await asyncio.to_thread(sys.stdin.readline)


async def demo(out: TextIO = sys.stdout) -> None:
    with tempfile.TemporaryDirectory(prefix="smsc-bot-demo-") as workdir:
        app, sandbox, terminal = await build_demo(out, Path(workdir))
        if terminal is None:
            out.write(
                f"Demo bot on Telegram, SMSC sandbox at {sandbox.base_url}. Ctrl+C stops it.\n"
            )
            out.flush()
            try:
                await app.run_polling()
            finally:
                await sandbox.stop()
            return
        await run_terminal(app, sandbox, terminal, _stdin_line, out)


def main() -> None:
    try:
        asyncio.run(demo())
    except ConfigError as error:
        print(f"smsc-bot demo: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass
    with contextlib.suppress(Exception):
        sys.stdout.flush()
