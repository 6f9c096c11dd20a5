"""Lists shown ten at a time, with buttons, saying where the page is ("Contacts 1–10 of 57").

A list is fetched once, up to SMSC's page size of 1000, and kept for a while: the buttons page
through what was fetched, without another request (each would count against SMSC's limit of
three identical requests a minute). A list longer than that says so and asks to narrow it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.memo import Memo
from handlers.callbacks import Page, PageKind

PAGE_SIZE = 10
# The most SMSC returns in one answer; a list that fills it may have more.
FETCHED = 1000


@dataclass(frozen=True, slots=True)
class Listed:
    """What one command fetched, kept behind its page buttons."""

    kind: PageKind
    records: Sequence[Any]
    title: str  # rendered once, in the chat's language at the time
    complete: bool  # False: SMSC had more than it sent
    extra: dict[str, Any] = field(default_factory=dict)


def remember(memo: Memo, listed: Listed) -> str:
    return memo.put(listed)


def recall(memo: Memo, token: str) -> Listed | None:
    return memo.get(token, Listed)


def page(
    listed: Listed, token: str, start: int, line: Callable[[Any], str]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The page that begins at ``start``: a heading with its place, its lines, its buttons."""
    records = listed.records
    start = max(0, min(start, max(0, len(records) - 1)))
    shown = records[start : start + PAGE_SIZE]
    end = start + len(shown)
    if listed.complete:
        place = _("{first}–{last} of {total}").format(first=start + 1, last=end, total=len(records))
    else:
        place = _("{first}–{last} of more than {total}").format(
            first=start + 1, last=end, total=len(records)
        )
    offset = int(listed.extra.get("offset", 0))
    if offset:
        place = _("{first}–{last}").format(first=offset + start + 1, last=offset + end)
    lines = [f"{listed.title} {place}:", *(line(record) for record in shown)]
    beyond = listed.extra.get("beyond")
    if end >= len(records) and not listed.complete and beyond is None:
        lines += ["", _("SMSC has more than I can page through here: narrow the list.")]
    builder = InlineKeyboardBuilder()

    def to(at: int) -> Page:
        return Page(kind=listed.kind, token=token, start=at)

    if start > 0:
        builder.button(text=_("⏮ First"), callback_data=to(0))
        builder.button(text=_("◀ Back"), callback_data=to(max(0, start - PAGE_SIZE)))
    if end < len(records) or (not listed.complete and beyond is not None):
        builder.button(text=_("Next ▶"), callback_data=to(end))
    return "\n".join(lines), builder.as_markup() if builder.buttons else None
