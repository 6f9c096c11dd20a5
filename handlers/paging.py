"""Lists shown ten at a time, with buttons, saying where the page is ("Contacts 1–10 of 57").

A list is fetched once, up to SMSC's page size of 1000, and kept for a while: the buttons page
through what was fetched, without another request (each would count against SMSC's limit of
three identical requests a minute). A list longer than that says so and asks to narrow it.

A page also ends early where ten entries would not fit in one message: Telegram refuses a text
over 4,096 characters, and the person would get nothing. Each entry's fields are clipped by
its own line function (:mod:`bot.display`), so that one entry always fits.

A kept list belongs to the chat it was shown in and to the account it was read with (its
credentials, secret included): a press from another chat, or after the chat logged out or
logged in to another account, finds it expired. Both are the ones the running handler's client
was made for (:func:`bot.middlewares.serving`), so page handlers are flagged ``smsc``.

With replicas the list is shared as JSON too (its records as their models dump them, and what
it was fetched for), so that a page pressed on another replica is shown from it, not fetched
again (:meth:`handlers.memo.Memo.share`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from bot import display
from bot.account_copies import KeptGroup
from bot.middlewares import serving
from bot.smsc import BlacklistEntry, Contact, DownloadTask, Sender
from handlers.callbacks import Page, PageKind
from handlers.memo import Memo, type_adapter

PAGE_SIZE = 10
# Kept free under a page for what a handler adds (a hint of a line or two), and for the
# heading's place ("1–10 of more than 1000").
RESERVED = 400
# The most SMSC returns in one answer; a list that fills it may have more.
FETCHED = 1000

# What a list was fetched for (a search, a sub-client), where the next batch or a refresh
# needs it again.
About = TypeVar("About")


@dataclass(slots=True)
class Listed(Generic[About]):
    """What one command fetched, kept behind its page buttons. Not frozen: where its pages
    begin is laid out as they are shown (``layouts``); nothing else changes."""

    kind: PageKind
    records: Sequence[Any]
    title: str  # rendered once, in the chat's language at the time
    complete: bool  # False: SMSC had more than it sent
    about: About
    # Where SMSC's next batch begins (its internal id), for a list that has one to ask for.
    beyond: int | None = None
    offset: int = 0  # entries in the batches before this one
    # Where each page begins, by language (the lines' lengths depend on it): laid out once, so
    # that Back always finds the page that was before, and a press renders one page only.
    layouts: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class _Shown:
    listed: Listed[Any]
    # (chat id, account key); None where no client was handed over: no press ever matches.
    owner: tuple[int, str] | None


# What each kind of list holds, for reading one back that another replica showed.
RECORDS: dict[PageKind, Any] = {
    PageKind.CONTACTS: list[Contact],
    # The group (a count the bot's writes changed may be unknown), an e-mail group, its id shown.
    PageKind.GROUPS: list[tuple[KeptGroup, bool, bool]],
    PageKind.BLACKLIST: list[BlacklistEntry],
    PageKind.SENDERS: list[Sender],
    PageKind.DOWNLOADS: list[DownloadTask],
}


def _as_json(shown: _Shown) -> dict[str, Any]:
    listed = shown.listed
    return {
        "owner": shown.owner,
        "kind": listed.kind.value,
        "title": listed.title,
        "complete": listed.complete,
        "beyond": listed.beyond,
        "offset": listed.offset,
        "about": to_jsonable_python(listed.about),
        "records": to_jsonable_python(list(listed.records)),
    }


def _read(value: Any, kind: PageKind, about: Any) -> _Shown | None:
    """The list another replica shared, if it is a ``kind`` list that reads as one."""
    try:
        if value["kind"] != kind.value:
            return None
        owner = value["owner"]
        listed = Listed(
            kind,
            type_adapter(RECORDS[kind]).validate_python(value["records"]),
            str(value["title"]),
            bool(value["complete"]),
            type_adapter(about).validate_python(value["about"]),
            None if value["beyond"] is None else int(value["beyond"]),
            int(value["offset"]),
        )
        return _Shown(listed, None if owner is None else (int(owner[0]), str(owner[1])))
    except (KeyError, TypeError, ValueError, ValidationError):
        return None


async def remember(memo: Memo, listed: Listed[Any]) -> str:
    shown = _Shown(listed, serving())
    return await memo.share(shown, lambda: _as_json(shown))


async def recall(memo: Memo, pressed: Page, about: Any = None) -> Listed[Any] | None:
    """The list behind a page button, or None when it has expired or the button is forged:
    a list of another kind, a start that is no place in it (past its end only where SMSC
    has a next batch), a list shown in another chat or read with other credentials.
    ``about`` is the type of what the list was fetched for (None: nothing)."""
    listed = await recall_list(memo, pressed.token, pressed.kind, about)
    if listed is None:
        return None
    beyond = listed.beyond is not None
    if not 0 <= pressed.start < len(listed.records) + beyond:
        return None
    return listed


async def recall_list(
    memo: Memo, token: str, kind: PageKind, about: Any = None
) -> Listed[Any] | None:
    """The list ``token`` names, if it is a ``kind`` list shown in this chat with these
    credentials (see :func:`recall`)."""
    shown = memo.get(token, _Shown)
    if shown is None:
        shown = _read(await memo.shared_json(token), kind, about)
    if shown is None or shown.owner is None or shown.owner != serving():
        return None
    return shown.listed if shown.listed.kind == kind else None


Line = Callable[[Any], str]
# Rows of buttons under a page, made from the records it shows (a button for each, say).
Buttons = Callable[[Sequence[Any]], list[list[InlineKeyboardButton]]]


def _fill(records: Sequence[Any], start: int, line: Line, room: int) -> list[str]:
    """The lines of the page that begins at ``start``: up to ten, as many as fit in ``room``
    (always one)."""
    lines: list[str] = []
    used = 0
    for record in records[start : start + PAGE_SIZE]:
        text = line(record)
        cost = display.length(text) + 1
        if lines and used + cost > room:
            break
        lines.append(text)
        used += cost
    return lines


def _layout(listed: Listed[Any], line: Line, room: int) -> list[int]:
    """Where each page of ``listed`` begins, laid out from the first."""
    try:
        language = get_i18n().current_locale
    except LookupError:
        language = ""
    starts = listed.layouts.get(language)
    if starts is None:
        starts, at = [0], 0
        while (at := at + len(_fill(listed.records, at, line, room))) < len(listed.records):
            starts.append(at)
        listed.layouts[language] = starts
    return starts


def page(
    listed: Listed[Any], token: str, start: int, line: Line, buttons: Buttons | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The page that begins at ``start``: a heading with its place, its lines, its buttons."""
    records = listed.records
    room = display.TEXT_LIMIT - RESERVED - display.length(listed.title)
    starts = _layout(listed, line, room)
    # A start between two pages' (from a button of another language) shows the page it is on.
    index = max(0, bisect.bisect_right(starts, start) - 1)
    start = starts[index]
    shown = _fill(records, start, line, room)
    end = start + len(shown)
    if listed.complete:
        place = _("{first}–{last} of {total}").format(first=start + 1, last=end, total=len(records))
    else:
        place = _("{first}–{last} of more than {total}").format(
            first=start + 1, last=end, total=len(records)
        )
    offset = listed.offset
    if offset:
        place = _("{first}–{last}").format(first=offset + start + 1, last=offset + end)
    lines = [f"{listed.title} {place}:", *shown]
    beyond = listed.beyond
    if end >= len(records) and not listed.complete and beyond is None:
        lines += ["", _("SMSC has more than I can page through here: narrow the list.")]
    builder = InlineKeyboardBuilder()

    def to(at: int) -> Page:
        return Page(kind=listed.kind, token=token, start=at)

    if start > 0:
        builder.button(text=_("⏮ First"), callback_data=to(0))
        builder.button(text=_("◀ Back"), callback_data=to(starts[index - 1]))
    if end < len(records) or (not listed.complete and beyond is not None):
        builder.button(text=_("Next ▶"), callback_data=to(end))
    rows = builder.export() + (buttons(records[start:end]) if buttons else [])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
