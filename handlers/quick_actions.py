"""The actions people use most, as keys under the message field: a tap sends the command.

/start shows them, and so does a /menu, the name people try for them."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

QUICK_ACTIONS = (("contacts", "blacklist"), ("senders", "downloads"), ("account", "help"))


def quick_keys() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=f"/{name}") for name in row] for row in QUICK_ACTIONS],
        resize_keyboard=True,
        input_field_placeholder=_("A command, or a phone number"),
    )
