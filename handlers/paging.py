"""Cursor paging with buttons: SMSC pages by record id, so each page is a different request."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.memo import Memo
from handlers.callbacks import Page, PageKind

PAGE_SIZE = 10


class ExpiredQuery(Exception):
    """The search text behind a page button is gone (expired, or the bot restarted)."""


def remember(memo: Memo, query: str | None) -> str:
    return memo.put(query) if query else ""


def recall(memo: Memo, token: str) -> str | None:
    if not token:
        return None
    query = memo.get(token, str)
    if query is None:
        raise ExpiredQuery
    return query


def keyboard(
    kind: PageKind, *, next_cursor: int | None, query_token: str, first_page: bool
) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    if not first_page:
        builder.button(
            text=_("⏮ First"), callback_data=Page(kind=kind, cursor=0, query=query_token)
        )
    if next_cursor is not None:
        builder.button(
            text=_("Next ▶"), callback_data=Page(kind=kind, cursor=next_cursor, query=query_token)
        )
    return builder.as_markup() if builder.buttons else None
