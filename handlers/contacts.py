"""Contacts: /addcontact, /contacts (listed by :mod:`handlers.contact_list`), /editcontact,
/delcontact, /movecontact. Addresses with ``@`` go to mails.php, phone numbers to phones.php;
groups are named as people name them (:mod:`handlers.group_names`). The bot's own writes go into
the account's kept copies.
"""

from __future__ import annotations

from dataclasses import replace

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import display
from bot.account_copies import AccountCopies, joining, leaving, only_in
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.replies import edit_or_send
from bot.smsc import Contact, Group, NotFoundError, SmscClient, SmscError
from bot.smsc.contacts import ContactBook
from handlers import asking, choices, confirmation
from handlers import contacts_args as parse
from handlers.blocks import book_for, in_another_case
from handlers.callbacks import GroupChoice, Page, PageKind, expired
from handlers.choices import Chosen
from handlers.confirmation import Confirmed
from handlers.contact_edits import apply_changes, change_or_ask
from handlers.contact_list import contacts_page, list_contacts, list_contacts_for
from handlers.group_names import (
    group_list,
    groups_of,
    named,
    no_groups,
    quoted,
)
from handlers.memo import Memo, typed_json
from handlers.paging import FETCHED
from handlers.readers import Address, words_of
from handlers.routing import command, own_commands_only


async def add_contact(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
) -> None:
    if not words_of(command.args):
        await asking.start(message, state, ADD_CONTACT, [], {})
        return
    await add_contact_text(message, command.args, smsc, copies, memo, audit)


async def add_contact_text(
    message: Message,
    text: str | None,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
) -> None:
    readings = parse.addcontact(text, smsc.endpoint.region)
    args = await choices.one_of(
        message, memo, smsc, "addcontact", readings, choices.addcontact_reading
    )
    if args is not None:
        await _add_contact(message, smsc, copies, memo, audit, args)


async def _add_contact(
    message: Message,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
    args: parse.AddContactArgs,
) -> None:
    audit.target = ",".join(args.addresses)
    book = book_for(smsc, args.is_email)
    groups = await named(
        message,
        memo,
        copies,
        smsc,
        book,
        "addcontact",
        args.groups,
        lambda r: replace(args, groups=r),
    )
    if groups is None:
        return
    group_ids = tuple(g.id for g in groups)
    await book.add(args.addresses, name=args.name, groups=group_ids)
    # One contact, its addresses in one, as SMSC lists it.
    contact = Contact(address=",".join(args.addresses), name=args.name or "", groups=group_ids)
    await copies.contact_saved(smsc, contact, mail=args.is_email)
    text = _("✅ Contact {addresses} added.").format(
        addresses=display.escaped(", ".join(args.addresses))
    )
    if groups:
        names = group_list([g.id for g in groups], {g.id: g for g in groups})
        text += " " + _("Groups: {groups}.").format(groups=names)
    await message.answer(text)


ADD_CONTACT = asking.Dialog(
    asking.Asking.addcontact,
    (
        asking.Step(
            lambda: _(
                "Send the new contact's number or e-mail address, and its name after it if "
                "you like."
            )
        ),
    ),
    lambda message, text, data: add_contact_text(
        message, text, data["smsc"], data["copies"], data["memo"], data["audit"]
    ),
)


async def edit_contact(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
    bot: Bot,
    chat_admins: ChatAdmins,
) -> None:
    args = parse.editcontact(command.args, smsc.endpoint.region)
    await change_or_ask(
        message, bot, chat_admins, memo, copies, smsc, audit, args.contact, args.changes
    )


async def edit_contact_chosen(chosen: Chosen) -> None:
    args: parse.EditContactArgs = chosen.args
    await change_or_ask(
        chosen.message,
        chosen.bot,
        chosen.chat_admins,
        chosen.memo,
        chosen.copies,
        chosen.smsc,
        chosen.audit,
        args.contact,
        args.changes,
    )


async def edit_contact_confirmed(done: Confirmed[parse.EditContactArgs]) -> str:
    edit = done.pending.args
    done.audit.target = edit.contact.value
    return await apply_changes(done.client, done.copies, edit.contact, edit.changes)


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
            address=f"<code>{display.escaped(target.value)}</code>"
        ),
        target=target.value,
        args=target,
    )


async def delete_contact_confirmed(done: Confirmed[Address]) -> str:
    target, audit, smsc = done.pending.args, done.audit, done.client
    address = target.value
    audit.target = address
    book = book_for(smsc, target.is_email)
    try:
        await book.delete(address)
    except NotFoundError:
        # As with the blacklist: an e-mail contact kept in another case is tried once.
        listed = await _contact_as(book, address) if target.is_email else None
        if listed is None:
            raise
        await book.delete(listed)
        address = audit.target = listed
    copies: AccountCopies = done.copies
    await copies.contact_deleted(smsc, address, mail=target.is_email)
    return _("🗑 Contact {address} deleted.").format(address=display.escaped(address))


async def _contact_as(book: ContactBook, address: str) -> str | None:
    """The one contact whose address is ``address`` in another case, among the first thousand
    (a search would match the address as typed); None when there is none or the list cannot be
    had now."""
    try:
        found = await book.list(count=FETCHED)
    except SmscError:
        return None
    return in_another_case((c.address for c in found), address)


async def _apply_group_change(
    smsc: SmscClient, copies: AccountCopies, contact: Address, group: Group, mode: str
) -> str:
    book = book_for(smsc, contact.is_email)
    shown = f"<code>{display.escaped(contact.value)}</code>"
    group_name = quoted(group.name, group.id)
    # The groups whose counts change: a move takes the contact out of those it was in.
    touched: tuple[int, ...] | None = (group.id,)
    if mode == parse.GroupMove.ADD:
        await book.add_to_group(contact.value, group.id)
        said, edit = _("✅ {contact} added to the group {group}."), joining(group.id)
    elif mode == parse.GroupMove.REMOVE:
        await book.remove_from_group(contact.value, group.id)
        said, edit = _("✅ {contact} removed from the group {group}."), leaving(group.id)
    else:
        await book.move_to_group(contact.value, group.id)
        said, edit = _("✅ {contact} moved to the group {group}."), only_in((group.id,))
        touched = None
    await copies.contact_changed(
        smsc, (contact.value,), edit, mail=contact.is_email, groups_touched=touched
    )
    return said.format(contact=shown, group=group_name)


async def move_contact(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
) -> None:
    readings = parse.movecontact(command.args, smsc.endpoint.region)
    args = await choices.one_of(
        message, memo, smsc, "movecontact", readings, choices.movecontact_reading
    )
    if args is not None:
        await _move_contact(message, smsc, copies, memo, audit, args)


async def _move_contact(
    message: Message,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
    args: parse.MoveContactArgs,
) -> None:
    audit.target = args.contact.value
    book = book_for(smsc, args.contact.is_email)
    if args.group is not None:
        found = await named(
            message,
            memo,
            copies,
            smsc,
            book,
            "movecontact",
            (args.group,),
            lambda r: replace(args, group=r[0]),
        )
        if found is not None:
            said = await _apply_group_change(smsc, copies, args.contact, found[0], args.mode)
            await message.answer(said)
        return
    groups = list((await groups_of(copies, smsc, book)).values())
    if not groups:
        await message.answer(no_groups())
        return
    keyboard = InlineKeyboardBuilder()
    contact = args.contact
    token = await memo.share(contact, lambda: typed_json(contact))
    for group in groups[:30]:
        for mode, label in (
            (parse.GroupMove.MOVE, "➡"),
            (parse.GroupMove.ADD, "➕"),
            (parse.GroupMove.REMOVE, "➖"),
        ):
            keyboard.button(
                text=f"{label} {display.clip(group.name, 20)}"
                if mode == parse.GroupMove.MOVE
                else label,
                callback_data=GroupChoice(mode=mode, group_id=group.id, token=token),
            )
    keyboard.adjust(3)
    await message.answer(
        _(
            "Where should {contact} go? ➡ makes it the only group, ➕ adds a group, ➖ removes one."
        ).format(contact=f"<code>{display.escaped(args.contact.value)}</code>"),
        reply_markup=keyboard.as_markup(),
    )


async def group_chosen(
    callback: CallbackQuery,
    callback_data: GroupChoice,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
) -> None:
    contact = await memo.recall(callback_data.token, Address)
    if contact is None:
        await expired(callback)
        return
    book = book_for(smsc, contact.is_email)
    group = (await groups_of(copies, smsc, book)).get(callback_data.group_id)
    if group is None:
        # A forged press, or a group deleted since: nothing goes to SMSC.
        await expired(callback)
        return
    audit.target = contact.value
    await callback.answer()
    text = await _apply_group_change(smsc, copies, contact, group, callback_data.mode)
    await edit_or_send(callback, text)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(add_contact, command("addcontact"), flags={"smsc": True})
    asking.register(router, ADD_CONTACT)
    router.message.register(list_contacts, command("contacts"), flags={"smsc": True})
    router.callback_query.register(
        contacts_page, Page.filter(F.kind == PageKind.CONTACTS), flags={"smsc": True}
    )
    router.message.register(delete_contact, command("delcontact"), flags={"smsc": True})
    confirmation.on_confirmed(router, "delcontact", Address)(delete_contact_confirmed)
    router.message.register(move_contact, command("movecontact"), flags={"smsc": True})
    router.callback_query.register(group_chosen, GroupChoice.filter(), flags={"smsc": True})
    router.message.register(edit_contact, command("editcontact"), flags={"smsc": True})
    confirmation.on_confirmed(router, "editcontact", parse.EditContactArgs)(edit_contact_confirmed)
    _on_chosen_readings(router)
    return own_commands_only(router)


def _on_chosen_readings(router: Router) -> None:
    """What a pressed reading of each command does: what the command does with it."""
    on = choices.on_chosen
    on(router, "addcontact")(
        lambda c: _add_contact(c.message, c.smsc, c.copies, c.memo, c.audit, c.args)
    )
    on(router, "contacts")(lambda c: list_contacts_for(c.message, c.smsc, c.copies, c.memo, c.args))
    on(router, "movecontact")(
        lambda c: _move_contact(c.message, c.smsc, c.copies, c.memo, c.audit, c.args)
    )
    on(router, "editcontact")(edit_contact_chosen)
