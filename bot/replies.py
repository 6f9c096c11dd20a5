"""Answering an update whether it came as a message or as a button press."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject


async def respond(
    event: TelegramObject,
    text: str,
    *,
    alert: bool = False,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Reply to a message, or to a button press (as a toast when ``alert``, else in the chat)."""
    if isinstance(event, Message):
        await event.answer(text, reply_markup=reply_markup)
    elif isinstance(event, CallbackQuery):
        if alert or not isinstance(event.message, Message):
            await event.answer(text[:200], show_alert=True)
            return
        with contextlib.suppress(TelegramBadRequest):
            await event.answer()
        await event.message.answer(text, reply_markup=reply_markup)


async def edit_or_send(
    callback: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the pressed message's text; fall back to a new message if it cannot be edited."""
    message = callback.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=reply_markup)
            return
        except TelegramBadRequest:
            pass
        await message.answer(text, reply_markup=reply_markup)
