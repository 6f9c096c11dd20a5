"""Callback-data factories. Prefixes are short: Telegram allows 64 bytes of callback data."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from handlers.args import GroupMove
from storage import NotificationKind


class PageKind(StrEnum):
    CONTACTS = "c"
    BLACKLIST = "b"
    SENDERS = "s"
    DOWNLOADS = "d"
    GROUPS = "g"


class SenderStepKind(StrEnum):
    NEXT = "next"
    SUBMIT = "submit"
    CANCEL = "cancel"


class Confirm(CallbackData, prefix="cf"):
    action: str
    token: str
    yes: bool


class Page(CallbackData, prefix="pg"):
    kind: PageKind
    token: str  # the memo token of the fetched list (see handlers.paging)
    start: int


class GroupChoice(CallbackData, prefix="mv"):
    mode: GroupMove
    group_id: int
    address: str


class RegionChoice(CallbackData, prefix="rg"):
    region: str


class LangChoice(CallbackData, prefix="lg"):
    code: str


class OperatorToggle(CallbackData, prefix="op"):
    flag: str


class SenderStep(CallbackData, prefix="as"):
    step: SenderStepKind


class WatchToggle(CallbackData, prefix="wt"):
    kind: NotificationKind
    enabled: bool
