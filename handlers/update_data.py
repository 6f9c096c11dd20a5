"""What the dispatcher hands every handler by name (its workflow data: the bot, the kept account
copies, the chats' accounts, the administrators' cache), typed, for code that receives an
update's data whole: a confirmed action, a pressed reading."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from aiogram import Bot

from bot.account_copies import AccountCopies
from bot.accounts import ChatAccounts
from bot.admins import ChatAdmins

T = TypeVar("T")


def named(data: Mapping[str, Any], name: str, kind: type[T]) -> T:
    value = data[name]
    if not isinstance(value, kind):
        raise TypeError(f"the update's {name!r} is not a {kind.__name__}")
    return value


class UpdateServices:
    """Typed properties over ``data``, the update's data as aiogram gave it."""

    __slots__ = ()
    data: dict[str, Any]

    @property
    def bot(self) -> Bot:
        return named(self.data, "bot", Bot)

    @property
    def copies(self) -> AccountCopies:
        return named(self.data, "copies", AccountCopies)

    @property
    def accounts(self) -> ChatAccounts:
        return named(self.data, "accounts", ChatAccounts)

    @property
    def chat_admins(self) -> ChatAdmins:
        return named(self.data, "chat_admins", ChatAdmins)
