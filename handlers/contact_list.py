"""/contacts: an address book's contacts, found by name, number or group, in pages; past what
was fetched, the next batch from SMSC."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import display
from bot.account_copies import AccountCopies
from bot.replies import edit_or_send
from bot.smsc import Contact, Group, SmscClient
from handlers import contacts_args as parse
from handlers import paging
from handlers.blocks import book_for
from handlers.callbacks import Page, PageKind
from handlers.group_names import SHOWN_GROUPS, group_list, groups_of, named
from handlers.memo import Memo
from handlers.paging import FETCHED


@dataclass(frozen=True, slots=True)
class Found:
    """What a list of contacts was fetched for: the search, and the groups to name."""

    query: parse.ContactsQuery
    groups: dict[int, Group]


def _contact_line(contact: Contact, groups: dict[int, Group]) -> str:
    name = display.shown(
        contact.name or " ".join(filter(None, (contact.first_name, contact.last_name))) or "—",
        display.NAME,
    )
    line = f"• {name} — <code>{display.shown(contact.address, display.ADDRESS)}</code>"
    if contact.groups:
        line += " · " + group_list(contact.groups, groups, SHOWN_GROUPS)
    return line


async def _fetch_contacts(
    smsc: SmscClient,
    copies: AccountCopies,
    query: parse.ContactsQuery,
    after: int | None = None,
    offset: int = 0,
) -> paging.Listed[Found]:
    book = book_for(smsc, query.is_email)
    groups = await groups_of(copies, smsc, book)
    # By now a group is its id: a name was looked up before the list was asked for.
    group_id = query.group if isinstance(query.group, int) else None
    found: list[Contact] = []
    if query.text and query.by_name:
        # Names are searched first among first, last and middle names (fio), then, if that
        # finds nothing, among the contacts' own names and numbers (search).
        found = await book.list(fio=query.text, group=group_id, after_id=after, count=FETCHED)
    if not found:
        found = await book.list(search=query.text, group=group_id, after_id=after, count=FETCHED)
    complete = len(found) < FETCHED
    if query.text:
        title = _("<b>Contacts</b> matching “{query}”").format(query=display.escaped(query.text))
    elif group_id is not None:
        group = groups.get(group_id)
        title = _("<b>Contacts</b> in {group}").format(
            group=display.shown(group.name, display.NAME) if group else group_id
        )
    else:
        title = _("<b>Contacts</b>")
    # SMSC pages by the internal id, which the documented answer does not promise: without it
    # there is no next batch to ask for, only a narrower search.
    beyond = found[-1].int_id if found and not complete else None
    return paging.Listed(
        PageKind.CONTACTS, found, title, complete, Found(query, groups), beyond, offset
    )


def _contacts_text(listed: paging.Listed[Found], token: str, start: int) -> tuple[str, Any]:
    groups = listed.about.groups
    return paging.page(listed, token, start, lambda c: _contact_line(c, groups))


async def list_contacts(
    message: Message, command: CommandObject, smsc: SmscClient, copies: AccountCopies, memo: Memo
) -> None:
    query = parse.contacts(command.args, smsc.endpoint.region)
    await list_contacts_for(message, smsc, copies, memo, query)


async def list_contacts_for(
    message: Message,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    query: parse.ContactsQuery,
) -> None:
    if query.group is not None:
        book = book_for(smsc, query.is_email)
        found = await named(
            message,
            memo,
            copies,
            smsc,
            book,
            "contacts",
            (query.group,),
            lambda r: replace(query, group=r[0]),
        )
        if found is None:
            return
        query = replace(query, group=found[0].id)
    listed = await _fetch_contacts(smsc, copies, query)
    if not listed.records:
        await message.answer(_("No contacts found."))
        return
    text, markup = _contacts_text(listed, await paging.remember(memo, listed), 0)
    await message.answer(text, reply_markup=markup)


async def contacts_page(
    callback: CallbackQuery,
    callback_data: Page,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
) -> None:
    listed: paging.Listed[Found] | None = await paging.recall(memo, callback_data, Found)
    if listed is None:
        await callback.answer(_("This list has expired. Run /contacts again."), show_alert=True)
        return
    await callback.answer()
    token, start = callback_data.token, callback_data.start
    beyond = listed.beyond
    if start >= len(listed.records) and beyond is not None:
        # Past what was fetched: the next batch, from SMSC, after the last internal id.
        offset = listed.offset + len(listed.records)
        listed = await _fetch_contacts(
            smsc, copies, listed.about.query, after=beyond, offset=offset
        )
        if not listed.records:
            await edit_or_send(callback, _("No more contacts."))
            return
        token, start = await paging.remember(memo, listed), 0
    text, markup = _contacts_text(listed, token, start)
    await edit_or_send(callback, text, markup)
