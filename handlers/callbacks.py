"""Callback-data factories. Prefixes are short: Telegram allows 64 bytes of callback data.

Anyone can send any callback data. Each field is typed as narrowly as the bot's own buttons
fill it, so that data that does not parse, or parses to a value out of range, matches no
handler and reaches the fallback, which says the button has expired; a handler never sees it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from bot.smsc import OperatorRegistration, Region
from handlers.contacts_args import GroupMove
from handlers.readers import MAX_ID
from storage import NotificationKind

Id = Annotated[int, Field(gt=0, lt=MAX_ID)]
Start = Annotated[int, Field(ge=0, lt=MAX_ID)]


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
    start: Start


class GroupChoice(CallbackData, prefix="mv"):
    mode: GroupMove
    group_id: Id
    token: str  # the memo token of the contact (an address may not fit in 64 bytes)


class RegionChoice(CallbackData, prefix="rg"):
    region: Region


class LangChoice(CallbackData, prefix="lg"):
    code: str


class OperatorToggle(CallbackData, prefix="op"):
    flag: OperatorRegistration


class SenderStep(CallbackData, prefix="as"):
    step: SenderStepKind


class WatchToggle(CallbackData, prefix="wt"):
    kind: NotificationKind
    enabled: bool


class Refresh(CallbackData, prefix="rf"):
    kind: PageKind
    token: str  # the memo token of the list shown (what it was asked for)


class ExportFile(CallbackData, prefix="dl"):
    task_id: Id


class ExportReady(CallbackData, prefix="dr"):
    task_id: Id


class HelpTopic(CallbackData, prefix="hp"):
    full: bool


class RefreshKind(StrEnum):
    BLACKLIST = "b"
    BLACKLIST_MAIL = "m"
    GROUPS = "g"


class Reread(CallbackData, prefix="rr"):
    """Read a kept list again now, not when its copy is a window old."""

    what: RefreshKind


def with_refresh(markup: InlineKeyboardMarkup | None, refresh: Reread) -> InlineKeyboardMarkup:
    """A list's buttons with a Refresh button under them."""
    keyboard = InlineKeyboardBuilder.from_markup(markup) if markup else InlineKeyboardBuilder()
    keyboard.row(InlineKeyboardButton(text=_("🔄 Refresh"), callback_data=refresh.pack()))
    return keyboard.as_markup()


async def expired(callback: CallbackQuery) -> None:
    """The answer to a button the bot cannot honour: stale, forged, or someone else's."""
    await callback.answer(
        _("This button has expired or belongs to someone else's dialog."), show_alert=True
    )
