"""Callback-data factories. Prefixes are short: Telegram allows 64 bytes of callback data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class Confirm(CallbackData, prefix="cf"):
    action: str
    token: str
    yes: bool


class Page(CallbackData, prefix="pg"):
    kind: str  # "c" contacts, "b" blacklist, "s" senders
    cursor: int
    query: str = ""  # a memo token for a search text, which may not fit in 64 bytes


class GroupChoice(CallbackData, prefix="mv"):
    mode: str
    group_id: int
    address: str


class RegionChoice(CallbackData, prefix="rg"):
    region: str


class LangChoice(CallbackData, prefix="lg"):
    code: str


class OperatorToggle(CallbackData, prefix="op"):
    flag: str


class SenderStep(CallbackData, prefix="as"):
    step: str  # "next", "submit", "cancel"


class WatchToggle(CallbackData, prefix="wt"):
    kind: str
    enabled: bool
