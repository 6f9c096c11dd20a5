"""Changing a contact, from /editcontact and from a card's edit alike.

In a group, a contact's new number is the team's: asked for by someone who is not an
administrator, it waits for an administrator's Yes.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot import display
from bot.account_copies import AccountCopies, ContactEdit
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.shared.tokens import SHARED_STATE_FAILURES
from bot.smsc import SmscClient, SmscError, SmscTransportError
from handlers import confirmation
from handlers.blocks import book_for
from handlers.contacts_args import ContactChanges, EditContactArgs
from handlers.group_names import group_list, groups_of, named
from handlers.memo import Memo
from handlers.readers import Address

# What a read after the change may meet: SMSC's own failures, Redis away.
AFTER_THE_WRITE: tuple[type[Exception], ...] = (SmscError, *SHARED_STATE_FAILURES)


async def apply_changes(
    smsc: SmscClient, copies: AccountCopies, contact: Address, changes: ContactChanges
) -> str:
    """Change a contact as ``changes`` says (its groups by id by now); the sentence that
    reports it."""
    book = book_for(smsc, contact.is_email)
    groups = changes.get("groups")
    made: list[str] = []
    try:
        await book.change(
            contact.value,
            new_address=changes.get("new_address"),
            name=changes.get("name"),
            groups=None if groups is None else [int(group) for group in groups],
            comment=changes.get("comment"),
            tags=changes.get("tags"),
            first_name=changes.get("first_name"),
            last_name=changes.get("last_name"),
            middle_name=changes.get("middle_name"),
            birthday=changes.get("birthday"),
            other=changes.get("other"),
            made=made,
        )
    except SmscError as error:
        # A call SMSC refused, or one never sent, changed nothing; the change is made a call
        # at a time (the fields, then each group), and part of it may be made when an earlier
        # call was, or when this one went unanswered. What SMSC keeps of the contact then
        # cannot be told: its kept book is read again when used, and the counts of groups,
        # were any named.
        if made or isinstance(error, SmscTransportError):
            await copies.forget(smsc, "contacts", mail=contact.is_email)
            if groups is not None:
                await copies.counts_changed(smsc, None, mail=contact.is_email)
        raise
    # The change is made: what follows only words the reply, and must not make it a failure
    # (whose Yes would be offered again, and make the change twice). Copies that cannot be
    # updated are dropped by the copies themselves.
    await copies.contact_changed(
        smsc,
        (contact.value, changes.get("new_address") or ""),
        _as_sent(changes),
        mail=contact.is_email,
        groups_touched=None if groups is not None else (),
    )
    said = []
    for key, value in changes.items():
        if key == "groups":
            ids = [int(group) for group in groups or ()]
            try:
                known = await groups_of(copies, smsc, book, stale_ok=True)
            except AFTER_THE_WRITE:
                known = {}  # the groups by id, then
            value = group_list(ids, known) or "—"
        elif key == "new_address":
            continue
        said.append(f"{field_name(key)}: {display.escaped(str(value)) or '—'}")
    now = changes.get("new_address") or contact.value
    text = _("✏️ Contact {address} changed.").format(address=f"<code>{display.escaped(now)}</code>")
    return "\n".join([text, *said])


# Each change's field in a contact as SMSC lists it.
_LISTED = {"new_address": "address", "comment": "comments"}


def _as_sent(changes: ContactChanges) -> ContactEdit:
    """The contact as SMSC keeps it after the change: each field as it was sent (a birthday
    SMSC might list in another form is shown nowhere from the kept book), its groups those
    named, in that order (the first a move, the others additions)."""
    fields: dict[str, Any] = {_LISTED.get(key, key): value for key, value in changes.items()}
    if "groups" in fields:
        fields["groups"] = tuple(dict.fromkeys(int(group) for group in fields["groups"]))
    return lambda listed: listed.model_copy(update=fields)


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


async def change_or_ask(
    message: Message,
    bot: Bot,
    chat_admins: ChatAdmins,
    memo: Memo,
    copies: AccountCopies,
    smsc: SmscClient,
    audit: AuditNote,
    contact: Address,
    changes: ContactChanges,
) -> None:
    """Change the contact; a new number asked by a group's member waits for an
    administrator's Yes. Groups are named as people name them, and asked about when a name
    is two groups'."""
    audit.target = contact.value
    if changes.get("groups"):
        book = book_for(smsc, contact.is_email)
        groups = await named(
            message,
            memo,
            copies,
            smsc,
            book,
            "editcontact",
            changes["groups"],
            lambda r: EditContactArgs(contact, {**changes, "groups": r}),
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
            address=f"<code>{display.escaped(contact.value)}</code>",
            new=f"<code>{display.escaped(str(new))}</code>",
        ),
        target=contact.value,
        args=EditContactArgs(contact, changes),
    ):
        return
    await message.answer(await apply_changes(smsc, copies, contact, changes))
