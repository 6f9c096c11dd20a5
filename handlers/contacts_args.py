"""The grammar of contacts: /addcontact, /contacts, /delcontact, /editcontact, /movecontact.

A command that begins with a phone number may read several ways when the number is typed in
groups of digits and free words follow it (a name, a comment, a group): those parsers return
every reading the command's grammar accepts (see :mod:`handlers.number_readings`), and the
handler asks which one was meant when there are several. Where a set number of words follows,
one reading is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from pydantic import TypeAdapter
from typing_extensions import TypedDict

from handlers.phones import ascii_digits, phone_number
from handlers.readers import (
    MAX_COMMENT,
    MAX_NAME,
    MAX_SEARCH,
    QUOTES,
    Address,
    ArgumentError,
    GroupRef,
    address,
    address_readings,
    clip,
    email,
    free_text,
    group_ref,
    group_refs,
    only,
    phone,
    require,
    unquoted,
    words_of,
)


@dataclass(frozen=True, slots=True)
class AddContactArgs:
    addresses: tuple[str, ...]
    is_email: bool
    name: str | None
    groups: tuple[GroupRef, ...]


def usage_addcontact() -> str:
    return _("/addcontact <phone-or-email>[,more] [name…] [grp=<group>[,<group>]]")


def _take_groups(words: list[str], usage: str) -> tuple[tuple[GroupRef, ...], list[str]]:
    """``grp=VIP,Friends`` or ``grp="VIP clients"`` taken out of the words: the groups named,
    and the other words."""
    refs: tuple[GroupRef, ...] = ()
    rest: list[str] = []
    words = list(words)
    while words:
        word = words.pop(0)
        if not word.lower().startswith("grp="):
            rest.append(word)
            continue
        value = word[4:]
        closing = QUOTES.get(value[:1])
        while closing and words and not (len(value) > 1 and value.endswith(closing)):
            value += " " + words.pop(0)
        refs += group_refs(value, usage)
    return tuple(dict.fromkeys(refs)), rest


def addcontact(text: str | None, region: str | None = None) -> tuple[AddContactArgs, ...]:
    usage = usage_addcontact()
    words = words_of(text)
    require(words, 1, usage)
    groups, rest = _take_groups(words[1:], usage)
    if "," in words[0]:
        return (_address_list(words[0], rest, groups, region, usage),)

    def then(address: Address, rest: list[str]) -> AddContactArgs:
        name = free_text(rest, MAX_NAME, _("The name"), usage)
        return AddContactArgs((address.value,), address.is_email, name, groups)

    return address_readings([words[0], *rest], usage, region, then)


def _address_list(
    first: str, rest: list[str], groups: tuple[GroupRef, ...], region: str | None, usage: str
) -> AddContactArgs:
    """``79161234567,a…``: several addresses in one word, each written whole."""
    raw_addresses = [part for part in first.split(",") if part]
    if not raw_addresses:
        raise ArgumentError(_("Give at least one phone number or e-mail address."), usage)
    is_email = "@" in raw_addresses[0]
    if any(("@" in a) != is_email for a in raw_addresses):
        raise ArgumentError(_("Phone numbers and e-mail addresses go in separate commands."), usage)
    addresses = tuple(
        email(a, usage) if is_email else phone(a, usage, region) for a in raw_addresses
    )
    if len(addresses) > 50:
        raise ArgumentError(_("At most 50 addresses in one command."), usage)
    name = free_text(rest, MAX_NAME, _("The name"), usage)
    return AddContactArgs(addresses, is_email, name, groups)


def usage_contacts() -> str:
    return _("/contacts [grp=<group>] [search text]  ·  /contacts @text for e-mail contacts")


@dataclass(frozen=True, slots=True)
class ContactsQuery:
    text: str | None
    group: GroupRef | None
    is_email: bool

    @property
    def by_name(self) -> bool:
        """Letters and no digits: a person's name, looked for among first and last names."""
        return bool(self.text) and not any(ch.isdigit() for ch in self.text or "")


# A search that is a number or a part of one, as people write numbers.
_NUMBER_SEARCH = re.compile(r"^\+?[\d\s()\-.]+$")


def _number_search(text: str, region: str | None) -> str:
    """A number as SMSC keeps it: a whole one in international digits (8 999 000-77-66 is
    79990007766), a part of one without its spaces and dashes (+7 999 100 is 7999100)."""
    whole = phone_number(text, region)
    return whole if whole is not None else re.sub(r"\D", "", text)


def contacts(text: str | None, region: str | None = None) -> ContactsQuery:
    usage = usage_contacts()
    groups, rest = _take_groups(words_of(text), usage)
    if len(groups) > 1:
        raise ArgumentError(_("Give one group."), usage)
    search = free_text(rest, MAX_SEARCH, _("The search text"), usage)
    if search and _NUMBER_SEARCH.match(ascii_digits(search)) and any(map(str.isdigit, search)):
        search = _number_search(ascii_digits(search), region) or None
    is_email = bool(search and search.startswith("@"))
    if is_email:
        search = (search or "").lstrip("@") or None
    return ContactsQuery(search, groups[0] if groups else None, is_email)


def usage_delcontact() -> str:
    return _("/delcontact <phone>")


def delcontact(text: str | None, region: str | None = None) -> Address:
    return address(text, usage_delcontact(), region)


# /editcontact's fields: the word before "=" and the SMSC parameter it sets.
CONTACT_FIELDS = {
    "name": "name",
    "first": "first_name",
    "last": "last_name",
    "middle": "middle_name",
    "birthday": "birthday",
    "comment": "comment",
    "tags": "tags",
    "other": "other",
    "grp": "groups",
    "new": "new_address",
}
_BIRTHDAY = re.compile(r"^(0[1-9]|[12][0-9]|3[01])\.(0[1-9]|1[0-2])\.(19|20)[0-9]{2}$")


class ContactChanges(TypedDict, total=False):
    """What /editcontact changes, each field as it goes to SMSC (an empty text clears it)."""

    new_address: str
    name: str
    first_name: str
    last_name: str
    middle_name: str
    birthday: str
    comment: str
    tags: str
    other: str
    groups: tuple[GroupRef, ...]  # as named until looked up, then ids; none: out of every group


_CHANGES: TypeAdapter[ContactChanges] = TypeAdapter(ContactChanges)


@dataclass(frozen=True, slots=True)
class EditContactArgs:
    contact: Address
    changes: ContactChanges


def usage_editcontact() -> str:
    return _(
        "/editcontact <phone-or-email> name=… first=… last=… middle=… birthday=dd.mm.yyyy "
        "comment=… tags=… other=… grp=<group>,<group> new=<phone>"
    )


def _fields(text: str | None, usage: str) -> dict[str, str]:
    """``name=Kate Ray comment=met at expo``: a value runs to the next ``field=``."""
    changes: dict[str, str] = {}
    current: str | None = None
    for word in words_of(text):
        key, equals, value = word.partition("=")
        if equals and key.lower() in CONTACT_FIELDS:
            current = CONTACT_FIELDS[key.lower()]
            if current in changes:
                raise ArgumentError(_("{name}= is given twice.").format(name=key.lower()), usage)
            changes[current] = value
        elif current is None:
            raise ArgumentError(
                _("Say what to change, as field=value: “{value}” is not one.").format(
                    value=clip(word)
                ),
                usage,
            )
        else:
            changes[current] = f"{changes[current]} {word}".strip()
    if not changes:
        raise ArgumentError(_("Say what to change, as field=value."), usage)
    return changes


def _birthday(value: str, usage: str) -> str:
    """dd.mm.yyyy, a day that exists (not 31.02.1990) and has come; empty clears the
    birthday."""
    typed = ascii_digits(value)
    if not typed:
        return typed
    if not _BIRTHDAY.match(typed):
        raise ArgumentError(
            _("“{value}” is not a birthday: use dd.mm.yyyy.").format(value=clip(value)), usage
        )
    try:
        day = datetime.strptime(typed, "%d.%m.%Y").date()
    except ValueError:
        raise ArgumentError(
            _(
                "There is no day “{value}” in the calendar: write the birthday as dd.mm.yyyy, "
                "like 28.02.1990."
            ).format(value=clip(value)),
            usage,
        ) from None
    # Tomorrow still counts: somewhere east of this server it may be that day already.
    if day > datetime.now(UTC).date() + timedelta(days=1):
        raise ArgumentError(
            _(
                "“{value}” has not come yet: a birthday is a day that has been, written "
                "dd.mm.yyyy, like 28.02.1990."
            ).format(value=clip(value)),
            usage,
        )
    return typed


def contact_changes(
    text: str | None, is_email: bool, usage: str, region: str | None
) -> ContactChanges:
    """The fields to change, each read: ``grp=`` as the groups named (none: out of every
    group), ``new=`` as an address, ``birthday=`` as a date."""
    changes: dict[str, Any] = _fields(text, usage)
    for key, value in list(changes.items()):
        if key == "groups":
            changes[key] = group_refs(value, usage) if value.strip() else ()
        elif key == "new_address":
            changes[key] = email(value, usage) if is_email else phone(value, usage, region)
        elif key == "birthday":
            changes[key] = _birthday(value, usage)
        elif len(value := unquoted(value)) > MAX_COMMENT:
            raise ArgumentError(
                ngettext(
                    "{what} is too long: at most {limit} character.",
                    "{what} is too long: at most {limit} characters.",
                    MAX_COMMENT,
                ).format(what=key, limit=MAX_COMMENT),
                usage,
            )
        else:
            changes[key] = value
    return _CHANGES.validate_python(changes)


def editcontact(text: str | None, region: str | None = None) -> EditContactArgs:
    usage = usage_editcontact()
    words = words_of(text)
    require(words, 1, usage)

    def then(contact: Address, rest: list[str]) -> EditContactArgs:
        changes = contact_changes(" ".join(rest), contact.is_email, usage, region)
        return EditContactArgs(contact, changes)

    # The words after the number begin with a field=, which no part of a number is.
    return only(address_readings(words, usage, region, then))


class GroupMove(StrEnum):
    MOVE = "move"
    ADD = "add"
    REMOVE = "remove"


# What may stand before a group for /movecontact: add to it, remove from it.
_MOVE_MARKS = {"+": GroupMove.ADD, "-": GroupMove.REMOVE, "−": GroupMove.REMOVE}


@dataclass(frozen=True, slots=True)
class MoveContactArgs:
    contact: Address
    group: GroupRef | None
    mode: GroupMove


def usage_movecontact() -> str:
    return _("/movecontact <phone> [<group> | +<group> to add | -<group> to remove]")


def movecontact(text: str | None, region: str | None = None) -> tuple[MoveContactArgs, ...]:
    usage = usage_movecontact()
    words = words_of(text)
    require(words, 1, usage)

    def then(contact: Address, rest: list[str]) -> MoveContactArgs:
        if not rest:
            return MoveContactArgs(contact, None, GroupMove.MOVE)
        typed = " ".join(rest)
        mode = _MOVE_MARKS.get(ascii_digits(typed[:1]), GroupMove.MOVE)
        if mode != GroupMove.MOVE:
            typed = typed[1:]
        return MoveContactArgs(contact, group_ref(typed, usage), mode)

    return address_readings(words, usage, region, then)
