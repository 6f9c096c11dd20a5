"""Contacts and groups: /addcontact, /contacts, /delcontact, /groups, /addgroup, /movecontact,
/delgroup. Addresses with ``@`` go to mails.php, phone numbers to phones.php.

In a group, a contact's new number and a group's new name are the team's: asked for by
someone who is not an administrator, they wait for an administrator's Yes.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import display
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.memo import Memo
from bot.replies import edit_or_send
from bot.smsc import Contact, Group, NotFoundError, SmscClient, SmscError
from bot.smsc.contacts import ContactBook
from handlers import args as parse
from handlers import choices, confirmation, paging
from handlers.blocks import book_for, in_another_case
from handlers.callbacks import GroupChoice, Page, PageKind, expired
from handlers.choices import Chosen
from handlers.confirmation import Confirmed
from handlers.group_names import named_groups, quoted
from handlers.paging import FETCHED
from handlers.routing import command, own_commands_only

# How long an account's group names are remembered between lists.
GROUPS_TTL = 60.0


async def groups_of(smsc: SmscClient, book: ContactBook, memo: Memo) -> dict[int, Group]:
    """The account's groups, remembered for a minute: every list names its contacts' groups,
    and paging must not spend SMSC's three identical requests a minute on them."""
    key = f"groups|{smsc.account.key}|{book.script}"
    known = memo.get(key, dict)
    if known is None:
        known = {group.id: group for group in await book.groups()}
        memo.keep(key, known, GROUPS_TTL)
    return known


def groups_changed(smsc: SmscClient, memo: Memo) -> None:
    for script in ("phones", "mails"):
        memo.forget(f"groups|{smsc.account.key}|{script}")


def _with_group(args: Any, refs: tuple[parse.GroupRef, ...]) -> Any:
    """``args`` with the group the person chose in place of the one typed."""
    return replace(args, group=refs[0])


async def _named(
    message: Message,
    memo: Memo,
    smsc: SmscClient,
    book: ContactBook,
    action: str,
    refs: tuple[parse.GroupRef, ...],
    again: Callable[[tuple[parse.GroupRef, ...]], Any],
) -> list[Group] | None:
    """The groups ``refs`` name among the book's (see :func:`named_groups`)."""

    async def source() -> Iterable[Group]:
        return (await groups_of(smsc, book, memo)).values()

    return await named_groups(
        message, memo, smsc, action=action, refs=refs, source=source, again=again
    )


# A contact's groups in a list: at most this many named, so that one contact always fits.
SHOWN_GROUPS = 5


def no_groups() -> str:
    # Escaped whole: "<name>" there is no tag.
    return html.escape(_("There are no groups yet. Create one with /addgroup <name>."))


def group_list(ids: Iterable[int], groups: dict[int, Group], most: int | None = None) -> str:
    """The groups' names (ids where a name is unknown); past ``most`` of them, how many more."""
    ids = list(ids)
    shown = ids if most is None else ids[:most]
    names = [display.shown(groups[g].name, display.NAME) if g in groups else str(g) for g in shown]
    if len(ids) > len(shown):
        names.append(display.more(len(ids) - len(shown)))
    return ", ".join(names)


async def add_contact(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    readings = parse.addcontact(command.args, smsc.endpoint.region)
    args = await choices.one_of(
        message, memo, smsc, "addcontact", readings, choices.addcontact_reading
    )
    if args is not None:
        await _add_contact(message, smsc, memo, audit, args)


async def _add_contact(
    message: Message, smsc: SmscClient, memo: Memo, audit: AuditNote, args: parse.AddContactArgs
) -> None:
    audit.target = ",".join(args.addresses)
    book = book_for(smsc, args.is_email)
    groups = await _named(
        message, memo, smsc, book, "addcontact", args.groups, lambda r: replace(args, groups=r)
    )
    if groups is None:
        return
    await book.add(args.addresses, name=args.name, groups=[g.id for g in groups])
    text = _("✅ Contact {addresses} added.").format(
        addresses=html.escape(", ".join(args.addresses))
    )
    if groups:
        names = group_list([g.id for g in groups], {g.id: g for g in groups})
        text += " " + _("Groups: {groups}.").format(groups=names)
    await message.answer(text)


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
    smsc: SmscClient, memo: Memo, query: parse.ContactsQuery, after: int | None = None
) -> paging.Listed:
    book = book_for(smsc, query.is_email)
    groups = await groups_of(smsc, book, memo)
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
        title = _("<b>Contacts</b> matching “{query}”").format(query=html.escape(query.text))
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
        PageKind.CONTACTS,
        found,
        title,
        complete,
        {"groups": groups, "query": query, "beyond": beyond, "offset": 0},
    )


def _contacts_text(listed: paging.Listed, token: str, start: int) -> tuple[str, Any]:
    groups: dict[int, Group] = listed.extra["groups"]
    return paging.page(listed, token, start, lambda c: _contact_line(c, groups))


async def list_contacts(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo
) -> None:
    await _list_contacts(message, smsc, memo, parse.contacts(command.args, smsc.endpoint.region))


async def _list_contacts(
    message: Message, smsc: SmscClient, memo: Memo, query: parse.ContactsQuery
) -> None:
    if query.group is not None:
        book = book_for(smsc, query.is_email)
        found = await _named(
            message,
            memo,
            smsc,
            book,
            "contacts",
            (query.group,),
            lambda r: replace(query, group=r[0]),
        )
        if found is None:
            return
        query = replace(query, group=found[0].id)
    listed = await _fetch_contacts(smsc, memo, query)
    if not listed.records:
        await message.answer(_("No contacts found."))
        return
    text, markup = _contacts_text(listed, paging.remember(memo, listed), 0)
    await message.answer(text, reply_markup=markup)


async def contacts_page(
    callback: CallbackQuery, callback_data: Page, smsc: SmscClient, memo: Memo
) -> None:
    listed = paging.recall(memo, callback_data)
    if listed is None:
        await callback.answer(_("This list has expired. Run /contacts again."), show_alert=True)
        return
    await callback.answer()
    token, start = callback_data.token, callback_data.start
    beyond = listed.extra.get("beyond")
    if start >= len(listed.records) and beyond is not None:
        # Past what was fetched: the next batch, from SMSC, after the last internal id.
        offset = int(listed.extra.get("offset") or 0) + len(listed.records)
        listed = await _fetch_contacts(smsc, memo, listed.extra["query"], after=beyond)
        listed.extra["offset"] = offset
        if not listed.records:
            await edit_or_send(callback, _("No more contacts."))
            return
        token, start = paging.remember(memo, listed), 0
    text, markup = _contacts_text(listed, token, start)
    await edit_or_send(callback, text, markup)


async def apply_changes(
    smsc: SmscClient, memo: Memo, contact: parse.Address, changes: dict[str, Any]
) -> str:
    """Change a contact as ``changes`` says; the sentence that reports it."""
    await book_for(smsc, contact.is_email).change(contact.value, **changes)
    now = changes.get("new_address") or contact.value
    said = []
    for key, value in changes.items():
        if key == "groups":
            groups = await groups_of(smsc, book_for(smsc, contact.is_email), memo)
            value = group_list(value, groups) or "—"
        elif key == "new_address":
            continue
        said.append(f"{field_name(key)}: {html.escape(str(value)) or '—'}")
    text = _("✏️ Contact {address} changed.").format(address=f"<code>{html.escape(now)}</code>")
    return "\n".join([text, *said])


def field_name(key: str) -> str:
    names = {
        "name": _("name"),
        "first_name": _("first name"),
        "last_name": _("last name"),
        "middle_name": _("middle name"),
        "birthday": _("birthday"),
        "comment": _("comment"),
        "tags": _("tags"),
        "other": _("other numbers"),
        "groups": _("groups"),
    }
    return names.get(key, key)


async def edit_contact(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    memo: Memo,
    audit: AuditNote,
    bot: Bot,
    chat_admins: ChatAdmins,
) -> None:
    args = parse.editcontact(command.args, smsc.endpoint.region)
    await change_or_ask(message, bot, chat_admins, memo, smsc, audit, args.contact, args.changes)


async def edit_contact_chosen(chosen: Chosen) -> None:
    args: parse.EditContactArgs = chosen.args
    bot, chat_admins = chosen.data["bot"], chosen.data["chat_admins"]
    await change_or_ask(
        chosen.message,
        bot,
        chat_admins,
        chosen.memo,
        chosen.smsc,
        chosen.audit,
        args.contact,
        args.changes,
    )


async def change_or_ask(
    message: Message,
    bot: Bot,
    chat_admins: ChatAdmins,
    memo: Memo,
    smsc: SmscClient,
    audit: AuditNote,
    contact: parse.Address,
    changes: dict[str, Any],
) -> None:
    """Change the contact; a new number asked by a group's member waits for an
    administrator's Yes (from /editcontact and from a card's edit alike). Groups are named
    as people name them, and asked about when a name is two groups'."""
    audit.target = contact.value
    if changes.get("groups"):
        book = book_for(smsc, contact.is_email)
        groups = await _named(
            message,
            memo,
            smsc,
            book,
            "editcontact",
            changes["groups"],
            lambda r: parse.EditContactArgs(contact, {**changes, "groups": r}),
        )
        if groups is None:
            return
        changes = {**changes, "groups": tuple(g.id for g in groups)}
    new = changes.get("new_address")
    if new and await confirmation.asked_an_administrator(
        message,
        bot,
        chat_admins,
        memo,
        smsc,
        audit,
        action="editcontact",
        question=_("Change the number of the contact {address} to {new}?").format(
            address=f"<code>{html.escape(contact.value)}</code>",
            new=f"<code>{html.escape(str(new))}</code>",
        ),
        target=contact.value,
        args={"address": contact.value, "is_email": contact.is_email, "changes": changes},
    ):
        return
    await message.answer(await apply_changes(smsc, memo, contact, changes))


async def edit_contact_confirmed(done: Confirmed) -> str:
    contact = parse.Address(done.pending.args["address"], done.pending.args["is_email"])
    done.audit.target = contact.value
    return await apply_changes(done.client, done.memo, contact, done.pending.args["changes"])


async def rename_group(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    memo: Memo,
    audit: AuditNote,
    bot: Bot,
    chat_admins: ChatAdmins,
) -> None:
    ref, name = parse.renamegroup(command.args)
    await _rename_or_ask(message, bot, chat_admins, memo, smsc, audit, ref, name)


async def _rename_or_ask(
    message: Message,
    bot: Bot,
    chat_admins: ChatAdmins,
    memo: Memo,
    smsc: SmscClient,
    audit: AuditNote,
    ref: parse.GroupRef,
    name: str,
) -> None:
    found = await _named(
        message, memo, smsc, smsc.phones, "renamegroup", (ref,), lambda r: (r[0], name)
    )
    if found is None:
        return
    group = found[0]
    audit.target = str(group.id)
    if await confirmation.asked_an_administrator(
        message,
        bot,
        chat_admins,
        memo,
        smsc,
        audit,
        action="renamegroup",
        question=_("Rename the group {group} to “{name}”?").format(
            group=quoted(group.name, group.id), name=html.escape(name)
        ),
        target=str(group.id),
        args={"group_id": group.id, "old": group.name, "name": name},
    ):
        return
    await message.answer(await _rename(smsc, memo, group.id, group.name, name))


async def rename_group_chosen(chosen: Chosen) -> None:
    ref, name = chosen.args
    bot, chat_admins = chosen.data["bot"], chosen.data["chat_admins"]
    await _rename_or_ask(
        chosen.message, bot, chat_admins, chosen.memo, chosen.smsc, chosen.audit, ref, name
    )


async def rename_group_confirmed(done: Confirmed) -> str:
    group_id, name = int(done.pending.args["group_id"]), str(done.pending.args["name"])
    done.audit.target = str(group_id)
    old = str(done.pending.args.get("old", ""))
    return await _rename(done.client, done.memo, group_id, old, name)


async def _rename(smsc: SmscClient, memo: Memo, group_id: int, old: str, name: str) -> str:
    await smsc.phones.rename_group(group_id, name)
    groups_changed(smsc, memo)
    return _("✅ The group {group} is now “{name}”.").format(
        group=quoted(old, group_id), name=html.escape(name)
    )


async def delete_contact(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    target = parse.delcontact(command.args, smsc.endpoint.region)
    await confirmation.ask(
        message,
        memo,
        smsc,
        audit,
        action="delcontact",
        question=_("Delete the contact {address}?").format(
            address=f"<code>{html.escape(target.value)}</code>"
        ),
        target=target.value,
        args={"address": target.value, "is_email": target.is_email},
    )


async def delete_contact_confirmed(done: Confirmed) -> str:
    pending, audit, smsc = done.pending, done.audit, done.client
    address = pending.args["address"]
    audit.target = address
    book = book_for(smsc, pending.args["is_email"])
    try:
        await book.delete(address)
    except NotFoundError:
        # As with the blacklist: an e-mail contact kept in another case is tried once.
        listed = await _contact_as(book, address) if pending.args["is_email"] else None
        if listed is None:
            raise
        await book.delete(listed)
        address = audit.target = listed
    return _("🗑 Contact {address} deleted.").format(address=html.escape(address))


async def _contact_as(book: ContactBook, address: str) -> str | None:
    """The one contact whose address is ``address`` in another case, among the first thousand
    (a search would match the address as typed); None when there is none or the list cannot be
    had now."""
    try:
        found = await book.list(count=FETCHED)
    except SmscError:
        return None
    return in_another_case((c.address for c in found), address)


def _group_line(entry: tuple[Group, bool, bool]) -> str:
    group, is_email, with_id = entry
    mark = "✉️ " if is_email else ""
    name = display.shown(group.name, display.NAME) or "—"
    count = ngettext("{count} contact", "{count} contacts", group.count).format(count=group.count)
    # Named groups go by their names; the id only where it is what tells a group apart.
    tag = f" · id {group.id}" if with_id else ""
    return f"• {mark}<b>{name}</b> — {count}{tag}"


def _group_entries(groups: list[Group], is_email: bool) -> list[tuple[Group, bool, bool]]:
    names = Counter(" ".join(g.name.split()).casefold() for g in groups)
    return [
        (g, is_email, not g.name.strip() or names[" ".join(g.name.split()).casefold()] > 1)
        for g in groups
    ]


async def list_groups(message: Message, smsc: SmscClient, memo: Memo) -> None:
    groups = await smsc.phones.groups()
    mail_groups = await smsc.mails.groups()
    if not groups and not mail_groups:
        await message.answer(no_groups())
        return
    entries = _group_entries(groups, False) + _group_entries(mail_groups, True)
    title = _("<b>Groups</b>")
    if mail_groups:
        title = _("<b>Groups</b> (✉️ e-mail groups)")
    listed = paging.Listed(PageKind.GROUPS, entries, title, complete=True)
    text, markup = paging.page(listed, paging.remember(memo, listed), 0, _group_line)
    await message.answer(text, reply_markup=markup)


async def groups_page(callback: CallbackQuery, callback_data: Page, memo: Memo) -> None:
    listed = paging.recall(memo, callback_data)
    if listed is None:
        await callback.answer(_("This list has expired. Run /groups again."), show_alert=True)
        return
    await callback.answer()
    text, markup = paging.page(listed, callback_data.token, callback_data.start, _group_line)
    await edit_or_send(callback, text, markup)


async def add_group(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    name = parse.addgroup(command.args)
    audit.target = name
    await smsc.phones.add_group(name)
    groups_changed(smsc, memo)
    await message.answer(_("✅ Group “{name}” created.").format(name=html.escape(name)))


async def _apply_group_change(
    smsc: SmscClient, contact: parse.Address, group: Group, mode: str
) -> str:
    book = book_for(smsc, contact.is_email)
    shown = f"<code>{html.escape(contact.value)}</code>"
    named = quoted(group.name, group.id)
    if mode == parse.GroupMove.ADD:
        await book.add_to_group(contact.value, group.id)
        return _("✅ {contact} added to the group {group}.").format(contact=shown, group=named)
    if mode == parse.GroupMove.REMOVE:
        await book.remove_from_group(contact.value, group.id)
        return _("✅ {contact} removed from the group {group}.").format(contact=shown, group=named)
    await book.move_to_group(contact.value, group.id)
    return _("✅ {contact} moved to the group {group}.").format(contact=shown, group=named)


async def move_contact(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    readings = parse.movecontact(command.args, smsc.endpoint.region)
    args = await choices.one_of(
        message, memo, smsc, "movecontact", readings, choices.movecontact_reading
    )
    if args is not None:
        await _move_contact(message, smsc, memo, audit, args)


async def _move_contact(
    message: Message, smsc: SmscClient, memo: Memo, audit: AuditNote, args: parse.MoveContactArgs
) -> None:
    audit.target = args.contact.value
    book = book_for(smsc, args.contact.is_email)
    if args.group is not None:
        found = await _named(
            message,
            memo,
            smsc,
            book,
            "movecontact",
            (args.group,),
            lambda r: replace(args, group=r[0]),
        )
        if found is not None:
            await message.answer(await _apply_group_change(smsc, args.contact, found[0], args.mode))
        return
    groups = list((await groups_of(smsc, book, memo)).values())
    if not groups:
        await message.answer(no_groups())
        return
    keyboard = InlineKeyboardBuilder()
    token = memo.put(args.contact)
    for group in groups[:30]:
        for mode, label in (
            (parse.GroupMove.MOVE, "➡"),
            (parse.GroupMove.ADD, "➕"),
            (parse.GroupMove.REMOVE, "➖"),
        ):
            keyboard.button(
                text=f"{label} {group.name[:20]}" if mode == parse.GroupMove.MOVE else label,
                callback_data=GroupChoice(mode=mode, group_id=group.id, token=token),
            )
    keyboard.adjust(3)
    await message.answer(
        _(
            "Where should {contact} go? ➡ makes it the only group, ➕ adds a group, ➖ removes one."
        ).format(contact=f"<code>{html.escape(args.contact.value)}</code>"),
        reply_markup=keyboard.as_markup(),
    )


async def group_chosen(
    callback: CallbackQuery,
    callback_data: GroupChoice,
    smsc: SmscClient,
    memo: Memo,
    audit: AuditNote,
) -> None:
    contact = memo.get(callback_data.token, parse.Address)
    if contact is None:
        await expired(callback)
        return
    book = book_for(smsc, contact.is_email)
    group = (await groups_of(smsc, book, memo)).get(callback_data.group_id)
    if group is None:
        # A forged press, or a group deleted since: nothing goes to SMSC.
        await expired(callback)
        return
    audit.target = contact.value
    await callback.answer()
    text = await _apply_group_change(smsc, contact, group, callback_data.mode)
    await edit_or_send(callback, text)


async def delete_group(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    await _ask_delete_group(message, memo, smsc, audit, parse.delgroup(command.args))


async def _ask_delete_group(
    message: Message, memo: Memo, smsc: SmscClient, audit: AuditNote, ref: parse.GroupRef
) -> None:
    audit.target = str(ref)
    found = await _named(message, memo, smsc, smsc.phones, "delgroup", (ref,), lambda r: r[0])
    if found is None:
        audit.result = "no such group or several"
        return
    group = found[0]
    await confirmation.ask(
        message,
        memo,
        smsc,
        audit,
        action="delgroup",
        question=ngettext(
            "Delete the group {group} ({count} contact)? The contact stays, without this group.",
            "Delete the group {group} ({count} contacts)? The contacts stay, without this group.",
            group.count,
        ).format(group=quoted(group.name, group.id), count=group.count),
        target=str(group.id),
        args={"group_id": group.id, "name": group.name},
    )


async def delete_group_confirmed(done: Confirmed) -> str:
    pending, audit, smsc = done.pending, done.audit, done.client
    group_id = int(pending.args["group_id"])
    audit.target = str(group_id)
    await smsc.phones.delete_group(group_id)
    groups_changed(smsc, done.memo)
    named = quoted(str(pending.args.get("name", "")), group_id)
    return _("🗑 The group {group} is deleted.").format(group=named)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(add_contact, command("addcontact"), flags={"smsc": True})
    router.message.register(list_contacts, command("contacts"), flags={"smsc": True})
    router.callback_query.register(
        contacts_page, Page.filter(F.kind == PageKind.CONTACTS), flags={"smsc": True}
    )
    router.message.register(delete_contact, command("delcontact"), flags={"smsc": True})
    confirmation.on_confirmed(router, "delcontact")(delete_contact_confirmed)
    router.message.register(list_groups, command("groups"), flags={"smsc": True})
    router.callback_query.register(
        groups_page, Page.filter(F.kind == PageKind.GROUPS), flags={"smsc": "if-any"}
    )
    router.message.register(add_group, command("addgroup"), flags={"smsc": True})
    router.message.register(move_contact, command("movecontact"), flags={"smsc": True})
    router.callback_query.register(group_chosen, GroupChoice.filter(), flags={"smsc": True})
    router.message.register(delete_group, command("delgroup"), flags={"smsc": True})
    router.message.register(edit_contact, command("editcontact"), flags={"smsc": True})
    confirmation.on_confirmed(router, "editcontact")(edit_contact_confirmed)
    router.message.register(rename_group, command("renamegroup"), flags={"smsc": True})
    confirmation.on_confirmed(router, "renamegroup")(rename_group_confirmed)
    confirmation.on_confirmed(router, "delgroup")(delete_group_confirmed)
    _on_chosen_readings(router)
    return own_commands_only(router)


def _on_chosen_readings(router: Router) -> None:
    """What a pressed reading of each command does: what the command does with it."""
    on = choices.on_chosen
    on(router, "addcontact")(lambda c: _add_contact(c.message, c.smsc, c.memo, c.audit, c.args))
    on(router, "contacts")(lambda c: _list_contacts(c.message, c.smsc, c.memo, c.args))
    on(router, "movecontact")(lambda c: _move_contact(c.message, c.smsc, c.memo, c.audit, c.args))
    on(router, "delgroup")(lambda c: _ask_delete_group(c.message, c.memo, c.smsc, c.audit, c.args))
    on(router, "editcontact")(edit_contact_chosen)
    on(router, "renamegroup")(rename_group_chosen)
