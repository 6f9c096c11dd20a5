"""Contacts and groups: /addcontact, /contacts, /delcontact, /groups, /addgroup, /movecontact,
/delgroup. Addresses with ``@`` go to mails.php, phone numbers to phones.php."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.audit import AuditNote
from bot.memo import Memo
from bot.replies import edit_or_send
from bot.smsc import Contact, Group, SmscClient
from bot.smsc.contacts import ContactBook
from handlers import args as parse
from handlers import confirmation, paging
from handlers.callbacks import GroupChoice, Page, PageKind
from handlers.confirmation import Confirmed
from handlers.routing import command, own_commands_only


def _book(smsc: SmscClient, is_email: bool) -> ContactBook:
    return smsc.mails if is_email else smsc.phones


async def add_contact(
    message: Message, command: CommandObject, smsc: SmscClient, audit: AuditNote
) -> None:
    args = parse.addcontact(command.args)
    audit.target = ",".join(args.addresses)
    book = _book(smsc, args.is_email)
    contact_id = await book.add(args.addresses, name=args.name, groups=args.groups)
    groups = ", ".join(str(g) for g in args.groups)
    text = _("✅ Contact {addresses} added (id {id}).").format(
        addresses=html.escape(", ".join(args.addresses)), id=contact_id
    )
    if groups:
        text += " " + _("Groups: {groups}.").format(groups=groups)
    await message.answer(text)


def _contact_line(contact: Contact) -> str:
    name = html.escape(
        contact.name or " ".join(filter(None, (contact.first_name, contact.last_name))) or "—"
    )
    groups = ", ".join(str(g) for g in contact.groups)
    line = f"• {name} — <code>{html.escape(contact.address)}</code>"
    if groups:
        line += " · " + _("groups {ids}").format(ids=groups)
    return line


async def _contacts_page(
    smsc: SmscClient, query: str | None, cursor: int, query_token: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    book = _book(smsc, bool(query and "@" in query))
    search = query.lstrip("@") if query and query.strip("@") else None
    found = await book.list(search=search, after_id=cursor or None, count=paging.PAGE_SIZE + 1)
    shown = found[: paging.PAGE_SIZE]
    if not shown:
        text = _("No contacts found.") if cursor == 0 else _("No more contacts.")
        return text, None
    title = (
        _("<b>Contacts</b> matching “{query}”:").format(query=html.escape(query))
        if query
        else _("<b>Contacts</b>:")
    )
    lines = [title, *(_contact_line(c) for c in shown)]
    more = None
    if len(found) > paging.PAGE_SIZE:
        # SMSC pages by the internal id, which the documented answer does not promise: without
        # it there is no next page to ask for, only a narrower search.
        more = shown[-1].int_id
        if more is None:
            lines += ["", _("There are more. Narrow the list: <code>/contacts text</code>.")]
    return "\n".join(lines), paging.keyboard(
        PageKind.CONTACTS, next_cursor=more, query_token=query_token, first_page=cursor == 0
    )


async def list_contacts(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo
) -> None:
    query = parse.contacts_search(command.args)
    text, markup = await _contacts_page(smsc, query, 0, paging.remember(memo, query))
    await message.answer(text, reply_markup=markup)


async def contacts_page(
    callback: CallbackQuery, callback_data: Page, smsc: SmscClient, memo: Memo
) -> None:
    try:
        query = paging.recall(memo, callback_data.query)
    except paging.ExpiredQuery:
        await callback.answer(_("This list has expired. Run /contacts again."), show_alert=True)
        return
    await callback.answer()
    text, markup = await _contacts_page(smsc, query, callback_data.cursor, callback_data.query)
    await edit_or_send(callback, text, markup)


async def delete_contact(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    target = parse.delcontact(command.args)
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
    await _book(smsc, pending.args["is_email"]).delete(address)
    return _("🗑 Contact {address} deleted.").format(address=html.escape(address))


def _group_line(group: Group) -> str:
    number = f" · №{html.escape(group.number)}" if group.number else ""
    return _("• <b>{id}</b> {name} — {count} contacts{number}").format(
        id=group.id, name=html.escape(group.name), count=group.count, number=number
    )


async def list_groups(message: Message, smsc: SmscClient) -> None:
    groups = await smsc.phones.groups()
    mail_groups = await smsc.mails.groups()
    if not groups and not mail_groups:
        await message.answer(_("There are no groups yet. Create one with /addgroup <name>."))
        return
    lines = [_("<b>Groups</b> (id, name, contacts):"), *(_group_line(g) for g in groups)]
    if mail_groups:
        lines += ["", _("<b>E-mail groups</b>:"), *(_group_line(g) for g in mail_groups)]
    await message.answer("\n".join(lines))


async def add_group(
    message: Message, command: CommandObject, smsc: SmscClient, audit: AuditNote
) -> None:
    name = parse.addgroup(command.args)
    audit.target = name
    group_id = await smsc.phones.add_group(name)
    await message.answer(
        _("✅ Group “{name}” created with id {id}.").format(name=html.escape(name), id=group_id)
    )


async def _apply_group_change(
    smsc: SmscClient, contact: parse.Address, group_id: int, mode: str
) -> str:
    book = _book(smsc, contact.is_email)
    shown = f"<code>{html.escape(contact.value)}</code>"
    if mode == parse.GroupMove.ADD:
        await book.add_to_group(contact.value, group_id)
        return _("✅ {contact} added to group {group}.").format(contact=shown, group=group_id)
    if mode == parse.GroupMove.REMOVE:
        await book.remove_from_group(contact.value, group_id)
        return _("✅ {contact} removed from group {group}.").format(contact=shown, group=group_id)
    await book.move_to_group(contact.value, group_id)
    return _("✅ {contact} moved to group {group}.").format(contact=shown, group=group_id)


async def move_contact(
    message: Message, command: CommandObject, smsc: SmscClient, audit: AuditNote
) -> None:
    args = parse.movecontact(command.args)
    audit.target = args.contact.value
    if args.group_id is not None:
        await message.answer(
            await _apply_group_change(smsc, args.contact, args.group_id, args.mode)
        )
        return
    groups = await _book(smsc, args.contact.is_email).groups()
    if not groups:
        await message.answer(_("There are no groups yet. Create one with /addgroup <name>."))
        return
    keyboard = InlineKeyboardBuilder()
    for group in groups[:30]:
        for mode, label in (
            (parse.GroupMove.MOVE, "➡"),
            (parse.GroupMove.ADD, "➕"),
            (parse.GroupMove.REMOVE, "➖"),
        ):
            keyboard.button(
                text=f"{label} {group.name[:20]}" if mode == parse.GroupMove.MOVE else label,
                callback_data=GroupChoice(mode=mode, group_id=group.id, address=args.contact.value),
            )
    keyboard.adjust(3)
    await message.answer(
        _(
            "Where should {contact} go? ➡ makes it the only group, ➕ adds a group, ➖ removes one."
        ).format(contact=f"<code>{html.escape(args.contact.value)}</code>"),
        reply_markup=keyboard.as_markup(),
    )


async def group_chosen(
    callback: CallbackQuery, callback_data: GroupChoice, smsc: SmscClient, audit: AuditNote
) -> None:
    contact = parse.address(callback_data.address, parse.usage_movecontact())
    mode = callback_data.mode
    audit.target = contact.value
    await callback.answer()
    text = await _apply_group_change(smsc, contact, callback_data.group_id, mode)
    await edit_or_send(callback, text)


async def delete_group(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    group_id = parse.delgroup(command.args)
    audit.target = str(group_id)
    group = {g.id: g for g in await smsc.phones.groups()}.get(group_id)
    if group is None:
        await message.answer(_("There is no group with id {id}. See /groups.").format(id=group_id))
        audit.result = "no such group"
        return
    await confirmation.ask(
        message,
        memo,
        smsc,
        audit,
        action="delgroup",
        question=_(
            "Delete the group {id} “{name}” ({count} contacts)? The contacts stay, "
            "without this group."
        ).format(id=group.id, name=html.escape(group.name), count=group.count),
        target=str(group_id),
        args={"group_id": group_id},
    )


async def delete_group_confirmed(done: Confirmed) -> str:
    pending, audit, smsc = done.pending, done.audit, done.client
    group_id = int(pending.args["group_id"])
    audit.target = str(group_id)
    await smsc.phones.delete_group(group_id)
    return _("🗑 Group {id} deleted.").format(id=group_id)


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
    router.message.register(add_group, command("addgroup"), flags={"smsc": True})
    router.message.register(move_contact, command("movecontact"), flags={"smsc": True})
    router.callback_query.register(group_chosen, GroupChoice.filter(), flags={"smsc": True})
    router.message.register(delete_group, command("delgroup"), flags={"smsc": True})
    confirmation.on_confirmed(router, "delgroup")(delete_group_confirmed)
    return own_commands_only(router)
