"""A Bot API "session" that is a terminal: what the bot sends is printed, documents are saved.

The demo feeds each typed line to the same dispatcher as a message from a private chat;
inline buttons are printed numbered, and typing a number presses one. Keys under the message
field (a reply keyboard, as /start shows) are printed as a line of keys: typing one's text
presses it.
"""

from __future__ import annotations

import html
import itertools
import re
import time
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any, TextIO, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetChatMember,
    GetMe,
    SendDocument,
    SendMessage,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardMarkup, InputFile, ReplyKeyboardMarkup
from pydantic import ValidationError

DEMO_CHAT_ID = 1001
BOT_USER = {"id": 1, "is_bot": True, "first_name": "SMSC demo bot", "username": "smsc_demo_bot"}
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


class TerminalSession(BaseSession):
    def __init__(self, out: TextIO, downloads: Path) -> None:
        super().__init__()
        self.out = out
        self.downloads = downloads
        self.buttons: list[tuple[str, str]] = []
        self.buttons_message: dict[str, Any] | None = None
        self._ids = itertools.count(1)
        self._ours: set[int] = set()  # ids of the messages the bot sent

    async def close(self) -> None:
        return None

    async def stream_content(  # pragma: no cover - the terminal has no files to fetch
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("the terminal demo cannot receive files")
        yield b""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        result = await self._answer(bot, method)
        validate = getattr(method.__returning__, "model_validate", None)
        if validate is None:
            return cast(TelegramType, result)
        try:
            return cast(TelegramType, validate(result, context={"bot": bot}))
        except ValidationError:
            if isinstance(result, dict):
                raise
            return cast(TelegramType, result)

    async def _answer(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        """What Telegram would answer ``method`` with, after showing it in the terminal."""
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, SendMessage):
            return self._show(method.text, method.reply_markup)
        if isinstance(method, EditMessageText):
            return self._show(method.text or "", method.reply_markup, edited=True)
        if isinstance(method, EditMessageReplyMarkup):
            return self._show("", method.reply_markup, edited=True)
        if isinstance(method, SendDocument):
            return await self._save(bot, method.document, method.caption)
        if isinstance(method, DeleteMessage):
            # The bot's own messages (a "⏳ fetching…" line) go quietly; one of yours held a
            # secret.
            if method.message_id not in self._ours:
                self._print("🔒 (message deleted from the chat)")
        elif isinstance(method, AnswerCallbackQuery):
            if method.text:
                self._print(f"ℹ️  {method.text}")
        elif isinstance(method, GetChatMember):
            return {
                "status": "creator",
                "user": {"id": DEMO_CHAT_ID, "is_bot": False, "first_name": "You"},
                "is_anonymous": False,
            }
        return True

    def _message(self, **content: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        self._ours.add(message_id)
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": DEMO_CHAT_ID, "type": "private", "first_name": "You"},
            "from": BOT_USER,
            **content,
        }

    def _show(self, text: str, markup: Any, *, edited: bool = False) -> dict[str, Any]:
        if text:
            self._print(("✎ " if edited else "🤖 ") + plain(text).replace("\n", "\n   "))
        message = self._message(text=text or "…")
        if isinstance(markup, InlineKeyboardMarkup):
            self.buttons = []
            labels = []
            for row in markup.inline_keyboard:
                for button in row:
                    if button.callback_data:
                        self.buttons.append((button.text, button.callback_data))
                        labels.append(f"[{len(self.buttons)}] {button.text}")
                    elif button.url:
                        labels.append(f"{button.text}: {button.url}")
            self.buttons_message = message
            if labels:
                self._print("   " + "   ".join(labels))
        elif isinstance(markup, ReplyKeyboardMarkup):
            # Keys under the message field: typing one's text is pressing it.
            rows = ["  ".join(f"[{key.text}]" for key in row) for row in markup.keyboard]
            self._print("   ⌨ " + "   ".join(rows))
        return message

    async def _save(
        self, bot: Bot, document: InputFile | str, caption: str | None
    ) -> dict[str, Any]:
        self.downloads.mkdir(parents=True, exist_ok=True)
        if isinstance(document, str):
            self._print(f"📎 {plain(caption or '')} (file {document})")
            return self._message(caption=caption)
        name = Path(document.filename or "document").name
        path = self.downloads / name
        with path.open("wb") as sink:
            async for chunk in document.read(bot):
                sink.write(chunk)
        self._print(
            f"📎 {plain(caption or name)}\n   saved to {path} ({path.stat().st_size} bytes)"
        )
        return self._message(
            caption=caption,
            document={"file_id": f"local-{name}", "file_unique_id": name, "file_name": name},
        )

    def _print(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()
