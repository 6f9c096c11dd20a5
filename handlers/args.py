"""The command grammar: turns a command's text into typed arguments, or an ArgumentError.

Every parser here is total: any text gives either a result or an :class:`ArgumentError` that
says what is wrong and shows the right form. Nothing here talks to SMSC or Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from aiogram.utils.i18n import gettext as _

from bot.smsc import BlockType, Region
from handlers.argument_error import ArgumentError as ArgumentError
from handlers.argument_error import clip as _clip
from handlers.phones import ascii_digits, phone_number
from handlers.readings import (
    QUOTES,
    address_readings,
    email,
    group_ref,
    group_refs,
    nearest_miss,
    number_readings,
    phone,
)
from handlers.readings import Address as Address
from handlers.readings import GroupRef as GroupRef
from handlers.readings import unquoted as _unquoted

T = TypeVar("T")

_SUM = re.compile(r"^[0-9]{1,9}(?:[.,][0-9]{1,2})?$")
# "1 000,50": a sum in groups of thousands, or a sum of 1 and a service named "000,50".
_SUM_HEAD = re.compile(r"^[0-9]{1,3}$")
_SUM_GROUP = re.compile(r"^[0-9]{3}(?:[.,][0-9]{1,2})?$")
_ALPHA_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 .\-_!&']{1,11}$")
_DIGITAL_SENDER = re.compile(r"^\+?[0-9]{10,15}$")
_LOGIN = re.compile(r"^[A-Za-z0-9_.@+-]{1,64}$")
_SUB_CLIENT = re.compile(r"^[\w.@+-]{1,64}$")
_CODE = re.compile(r"^[0-9]{3,8}$")
_TASK_NAME = re.compile(r"^[\w.\-]{1,100}$")
_SITE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,62}\.[A-Za-z]{2,63}$")
MAX_ID = 2**53
MAX_NAME = 100
MAX_COMMENT = 300
MAX_SEARCH = 60


def _words(text: str | None) -> list[str]:
    return (text or "").split()


def positive_id(raw: str, what: str, usage: str) -> int:
    raw = ascii_digits(raw)
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < MAX_ID:
        raise ArgumentError(
            _("{what} must be a positive whole number, not “{value}”.").format(
                what=what, value=_clip(raw)
            ),
            usage,
        )
    return int(raw)


def money(raw: str, usage: str) -> Decimal:
    raw = ascii_digits(raw)
    if not _SUM.match(raw):
        raise ArgumentError(
            _(
                "“{value}” is not a sum: use a positive number with at most two decimals, "
                "like 1500 or 99.90."
            ).format(value=_clip(raw)),
            usage,
        )
    try:
        amount = Decimal(raw.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise ArgumentError(_("“{value}” is not a sum.").format(value=_clip(raw)), usage) from None
    if amount <= 0:
        raise ArgumentError(_("The sum must be greater than zero."), usage)
    return amount


def refuse_spaced_sum(words: list[str], usage: str) -> None:
    """Refuse a sum typed in groups of thousands (``1 000,50``): never read as 1 with the rest
    as the service, never joined on a guess (``5 100 SMS`` may be 5 for "100 SMS")."""
    head = [ascii_digits(word) for word in words[:4]]
    if len(head) < 2 or not _SUM_HEAD.match(head[0]) or not _SUM_GROUP.match(head[1]):
        return
    joined = head[0]
    for group in head[1:]:
        if not _SUM_GROUP.match(group):
            break
        joined += group
        if not group.isdigit():
            break  # the decimals end the sum
    raise ArgumentError(
        _(
            "Is the sum {first} or {joined}? Write {joined} without spaces, or {first}.00 if "
            "the sum is {first}."
        ).format(first=head[0], joined=joined),
        usage,
    )


def _require(words: list[str], count: int, usage: str) -> None:
    if len(words) < count:
        raise ArgumentError(_("Some arguments are missing."), usage)


def _exactly(words: list[str], count: int, usage: str, too_many: str) -> None:
    """``count`` words, no fewer (a usage reply) and no more (``too_many`` says which)."""
    _require(words, count, usage)
    if len(words) > count:
        raise ArgumentError(too_many, usage)


def _quoted_head(words: list[str]) -> list[str]:
    """Words with a quoted first argument made one (``"My Shop" comment``: ``My Shop``,
    ``comment``); unchanged when the first word opens no quote that closes."""
    if not words or words[0][:1] not in QUOTES:
        return words
    closing = QUOTES[words[0][0]]
    for end, word in enumerate(words):
        if word.endswith(closing) and (end > 0 or len(word) > 1):
            head = _unquoted(" ".join(words[: end + 1]))
            return [head, *words[end + 1 :]] if head else words[end + 1 :]
    return words


def _free_text(words: list[str], limit: int, what: str, usage: str) -> str | None:
    text = _unquoted(" ".join(words).strip())
    if len(text) > limit:
        raise ArgumentError(
            _("{what} is too long: at most {limit} characters.").format(what=what, limit=limit),
            usage,
        )
    return text or None


# -- account -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginArgs:
    region: Region | None
    login: str | None
    password: str | None = field(default=None, repr=False)
    apikey: str | None = field(default=None, repr=False)

    @property
    def has_secret(self) -> bool:
        return bool(self.password or self.apikey)


def usage_login() -> str:
    return _("/login [ru|ua|kz|com] <api-key>  or  /login [ru|ua|kz|com] <login> <password>")


def _region_word(word: str) -> Region | None:
    lowered = word.casefold()
    return Region(lowered) if lowered in {r.value for r in Region} else None


def _not_a_login() -> ArgumentError:
    # Never quotes the word: a login in the wrong place is often the password.
    return ArgumentError(
        _(
            "That is not a login and a password: a login has only letters, digits and "
            ". _ @ + -. Were they swapped? Send the login first."
        ),
        usage_login(),
    )


def login(text: str | None) -> LoginArgs:
    """``[region] key``, ``[region] login password``; the region may also come last."""
    words = _words(text)
    region: Region | None = None
    if words and (region := _region_word(words[0])) is not None:
        words.pop(0)
    elif len(words) >= 2 and (region := _region_word(words[-1])) is not None:
        words.pop()
    if not words:
        return LoginArgs(region, None)
    if len(words) > 2:
        raise ArgumentError(
            _("Too many words: give an API key, or a login and a password."), usage_login()
        )
    if len(words) == 1:
        return LoginArgs(region, None, apikey=words[0])
    user, secret = words
    if not _LOGIN.match(user):
        raise _not_a_login()
    return LoginArgs(region, user, password=secret)


def secret_reply(text: str | None) -> LoginArgs:
    """The dialog's answer: an API key alone, or a login and a password."""
    words = _words(text)
    if not 1 <= len(words) <= 2:
        raise ArgumentError(
            _("Send the API key alone, or the login and the password separated by a space."),
            usage_login(),
        )
    if len(words) == 1:
        return LoginArgs(None, None, apikey=words[0])
    if not _LOGIN.match(words[0]):
        raise _not_a_login()
    return LoginArgs(None, words[0], password=words[1])


_GROUP_ID = re.compile(r"^-[1-9][0-9]{0,15}$")


def linked_group(payload: str) -> int | None:
    """The group a login link's payload names (``-1001234567890``); None for anything that no
    link of the bot's holds: a group's id is negative, and no chat id reaches 2**53."""
    if not _GROUP_ID.match(payload):
        return None
    group_id = int(payload)
    return group_id if group_id > -MAX_ID else None


# -- contacts ------------------------------------------------------------------------------
# A command that begins with a phone number may read several ways when the number is typed in
# groups of digits and free words follow it (a name, a comment, a group): those parsers return
# every reading the command's grammar accepts (see handlers.readings), and the handler asks which
# one was meant when there are several. Where a set number of words follows, one reading is left.


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
    words = _words(text)
    _require(words, 1, usage)
    groups, rest = _take_groups(words[1:], usage)
    if "," in words[0]:
        return (_address_list(words[0], rest, groups, region, usage),)

    def then(address: Address, rest: list[str]) -> AddContactArgs:
        name = _free_text(rest, MAX_NAME, _("The name"), usage)
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
    name = _free_text(rest, MAX_NAME, _("The name"), usage)
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
    groups, rest = _take_groups(_words(text), usage)
    if len(groups) > 1:
        raise ArgumentError(_("Give one group."), usage)
    search = _free_text(rest, MAX_SEARCH, _("The search text"), usage)
    if search and _NUMBER_SEARCH.match(ascii_digits(search)) and any(map(str.isdigit, search)):
        search = _number_search(ascii_digits(search), region) or None
    is_email = bool(search and search.startswith("@"))
    if is_email:
        search = (search or "").lstrip("@") or None
    return ContactsQuery(search, groups[0] if groups else None, is_email)


def usage_delcontact() -> str:
    return _("/delcontact <phone>")


def _only(readings: tuple[T, ...]) -> T:
    """The reading of a command that takes a set number of words after the number: however
    the number was spaced, only one joining leaves that many."""
    [reading] = readings
    return reading


def address(text: str | None, usage: str, region: str | None = None) -> Address:
    """One phone number (in any spacing) or e-mail address, and nothing after it."""
    words = _words(text)
    _require(words, 1, usage)

    def alone(found: Address, rest: list[str]) -> Address:
        if rest:
            raise ArgumentError(_("Give exactly one phone number or e-mail address."), usage)
        return found

    return _only(address_readings(words, usage, region, alone))


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


@dataclass(frozen=True, slots=True)
class EditContactArgs:
    contact: Address
    changes: dict[str, Any]


def usage_editcontact() -> str:
    return _(
        "/editcontact <phone-or-email> name=… first=… last=… middle=… birthday=dd.mm.yyyy "
        "comment=… tags=… other=… grp=<group>,<group> new=<phone>"
    )


def _fields(text: str | None, usage: str) -> dict[str, str]:
    """``name=Kate Ray comment=met at expo``: a value runs to the next ``field=``."""
    changes: dict[str, str] = {}
    current: str | None = None
    for word in _words(text):
        key, equals, value = word.partition("=")
        if equals and key.lower() in CONTACT_FIELDS:
            current = CONTACT_FIELDS[key.lower()]
            if current in changes:
                raise ArgumentError(_("{name}= is given twice.").format(name=key.lower()), usage)
            changes[current] = value
        elif current is None:
            raise ArgumentError(
                _("Say what to change, as field=value: “{value}” is not one.").format(
                    value=_clip(word)
                ),
                usage,
            )
        else:
            changes[current] = f"{changes[current]} {word}".strip()
    if not changes:
        raise ArgumentError(_("Say what to change, as field=value."), usage)
    return changes


def contact_changes(
    text: str | None, is_email: bool, usage: str, region: str | None
) -> dict[str, Any]:
    """The fields to change, each read: ``grp=`` as the groups named (none: out of every
    group), ``new=`` as an address, ``birthday=`` as a date."""
    changes: dict[str, Any] = _fields(text, usage)
    for key, value in list(changes.items()):
        if key == "groups":
            changes[key] = group_refs(value, usage) if value.strip() else ()
        elif key == "new_address":
            changes[key] = email(value, usage) if is_email else phone(value, usage, region)
        elif key == "birthday" and value and not _BIRTHDAY.match(ascii_digits(value)):
            raise ArgumentError(
                _("“{value}” is not a birthday: use dd.mm.yyyy.").format(value=_clip(value)),
                usage,
            )
        elif key == "birthday":
            changes[key] = ascii_digits(value)
        elif len(value := _unquoted(value)) > MAX_COMMENT:
            raise ArgumentError(
                _("{what} is too long: at most {limit} characters.").format(
                    what=key, limit=MAX_COMMENT
                ),
                usage,
            )
        else:
            changes[key] = value
    return changes


def editcontact(text: str | None, region: str | None = None) -> EditContactArgs:
    usage = usage_editcontact()
    words = _words(text)
    _require(words, 1, usage)

    def then(contact: Address, rest: list[str]) -> EditContactArgs:
        changes = contact_changes(" ".join(rest), contact.is_email, usage, region)
        return EditContactArgs(contact, changes)

    # The words after the number begin with a field=, which no part of a number is.
    return _only(address_readings(words, usage, region, then))


def usage_renamegroup() -> str:
    return _("/renamegroup <group> <new name>")


def renamegroup(text: str | None) -> tuple[GroupRef, str]:
    """``VIP "VIP clients"``, ``"VIP clients" Key``: a group named with spaces is quoted."""
    usage = usage_renamegroup()
    words = _quoted_head(_words(text))
    _require(words, 2, usage)
    name = _free_text(words[1:], MAX_NAME, _("The group name"), usage)
    if name is None:  # only quotes around nothing
        raise ArgumentError(_("Some arguments are missing."), usage)
    return group_ref(words[0], usage), name


def usage_addgroup() -> str:
    return _("/addgroup <name>")


def addgroup(text: str | None) -> str:
    usage = usage_addgroup()
    name = _free_text(_words(text), MAX_NAME, _("The group name"), usage)
    if name is None:
        raise ArgumentError(_("Give the new group a name."), usage)
    return name


def usage_delgroup() -> str:
    return _("/delgroup <group>")


def delgroup(text: str | None) -> GroupRef:
    words = _words(text)
    usage = usage_delgroup()
    _require(words, 1, usage)
    return group_ref(" ".join(words), usage)


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
    words = _words(text)
    _require(words, 1, usage)

    def then(contact: Address, rest: list[str]) -> MoveContactArgs:
        if not rest:
            return MoveContactArgs(contact, None, GroupMove.MOVE)
        typed = " ".join(rest)
        mode = _MOVE_MARKS.get(ascii_digits(typed[:1]), GroupMove.MOVE)
        if mode != GroupMove.MOVE:
            typed = typed[1:]
        return MoveContactArgs(contact, group_ref(typed, usage), mode)

    return address_readings(words, usage, region, then)


# -- blacklist -----------------------------------------------------------------------------

_BLOCK_TYPES = {"all": BlockType.ALL, "mass": BlockType.MASS, "single": BlockType.SINGLE}


@dataclass(frozen=True, slots=True)
class BlockArgs:
    address: Address
    block_type: BlockType
    comment: str | None


def usage_block() -> str:
    return _("/block <phone-or-email> [all|mass|single] [comment…]")


def block(text: str | None, region: str | None = None) -> tuple[BlockArgs, ...]:
    usage = usage_block()
    words = _words(text)
    _require(words, 1, usage)

    def then(target: Address, rest: list[str]) -> BlockArgs:
        block_type = BlockType.ALL
        if rest and rest[0].lower() in _BLOCK_TYPES:
            block_type, rest = _BLOCK_TYPES[rest[0].lower()], rest[1:]
        return BlockArgs(target, block_type, _free_text(rest, MAX_COMMENT, _("The comment"), usage))

    return address_readings(words, usage, region, then)


def usage_unblock() -> str:
    return _("/unblock <phone-or-email>")


def unblock(text: str | None, region: str | None = None) -> Address:
    return address(text, usage_unblock(), region)


def usage_blacklist() -> str:
    return _("/blacklist  ·  /blacklist mail for e-mail addresses")


def blacklist(text: str | None) -> bool:
    """True for the e-mail blacklist."""
    words = [w.lower() for w in _words(text)]
    if not words:
        return False
    if words in (["mail"], ["email"], ["e-mail"], ["mails"]):
        return True
    raise ArgumentError(_("Say mail for the e-mail blacklist, or nothing."), usage_blacklist())


# -- sender names --------------------------------------------------------------------------
# Every sender command takes user=<sub-client> anywhere: resellers manage their sub-clients'
# names with it (senders.php "user").


def _options(words: list[str], names: tuple[str, ...], usage: str) -> dict[str, str]:
    """Take ``name=value`` words out of ``words``; a name given twice is refused."""
    found: dict[str, str] = {}
    for word in list(words):
        key, equals, value = word.partition("=")
        if equals and key.lower() in names:
            if key.lower() in found:
                raise ArgumentError(_("{name}= is given twice.").format(name=key.lower()), usage)
            found[key.lower()] = value
            words.remove(word)
    return found


def _user(options: dict[str, str], usage: str) -> str | None:
    return sub_client(options["user"], usage) if "user" in options else None


def usage_senders() -> str:
    return _("/senders [user=<sub-client>]")


def senders(text: str | None) -> str | None:
    usage = usage_senders()
    words = _words(text)
    user = _user(_options(words, ("user",), usage), usage)
    if words:
        raise ArgumentError(_("Only user=<sub-client> can follow /senders."), usage)
    return user


@dataclass(frozen=True, slots=True)
class AddSenderArgs:
    name: str
    comment: str | None
    user: str | None = None
    is_email: bool = False


def usage_addsender() -> str:
    return _("/addsender <name-or-email> [comment…] [user=<sub-client>]")


def sender_name(raw: str, usage: str) -> str:
    raw = ascii_digits(raw)
    if _DIGITAL_SENDER.match(raw):
        return raw.lstrip("+")
    if not _ALPHA_SENDER.match(raw):
        raise ArgumentError(
            _(
                "“{value}” cannot be a sender name: use up to 11 Latin letters, digits, spaces "
                "or . - _ ! & ' (with at least one letter; a name with spaces in quotes), or a "
                "phone number of 10 to 15 digits."
            ).format(value=_clip(raw)),
            usage,
        )
    return raw


def addsender(text: str | None) -> AddSenderArgs:
    usage = usage_addsender()
    words = _words(text)
    user = _user(_options(words, ("user",), usage), usage)
    words = _quoted_head(words)
    _require(words, 1, usage)
    comment = _free_text(words[1:], MAX_COMMENT, _("The comment"), usage)
    if "@" in words[0]:
        # An e-mail sender address (senders.php mail=1); its comment names the owner.
        return AddSenderArgs(email(words[0], usage), comment, user, is_email=True)
    return AddSenderArgs(sender_name(words[0], usage), comment, user)


@dataclass(frozen=True, slots=True)
class SenderRef:
    name: str | None
    sender_id: int | None
    user: str | None = None

    @property
    def shown(self) -> str:
        return self.name or f"id {self.sender_id}"


def usage_delsender() -> str:
    return _("/delsender <name-or-id> [user=<sub-client>]")


def _sender_ref(raw: str, user: str | None, usage: str) -> SenderRef:
    # A short number is an id; a phone-length number is a digital sender name.
    if "@" not in raw:
        raw = ascii_digits(raw)
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        return SenderRef(None, positive_id(raw, _("A sender id"), usage), user)
    if "@" in raw:
        return SenderRef(email(raw, usage), None, user)
    return SenderRef(sender_name(raw, usage), None, user)


def delsender(text: str | None) -> SenderRef:
    usage = usage_delsender()
    words = _words(text)
    user = _user(_options(words, ("user",), usage), usage)
    words = _quoted_head(words)
    _exactly(words, 1, usage, _("Give exactly one sender name or id."))
    return _sender_ref(words[0], user, usage)


@dataclass(frozen=True, slots=True)
class EditSenderArgs:
    sender: SenderRef
    comment: str | None


def usage_editsender() -> str:
    return _("/editsender <name-or-id> [new comment…] [user=<sub-client>]")


def editsender(text: str | None) -> EditSenderArgs:
    usage = usage_editsender()
    words = _words(text)
    user = _user(_options(words, ("user",), usage), usage)
    words = _quoted_head(words)
    _require(words, 1, usage)
    ref = _sender_ref(words[0], user, usage)
    return EditSenderArgs(ref, _free_text(words[1:], MAX_COMMENT, _("The comment"), usage))


@dataclass(frozen=True, slots=True)
class SendCodeArgs:
    number: str
    site: str | None
    site_name: str | None
    user: str | None


def usage_sendcode() -> str:
    return _("/sendcode <number> [site=<sender-name>] [site_name=<site>] [user=<sub-client>]")


def _not_digital(raw: str, usage: str) -> ArgumentError:
    return ArgumentError(
        _("“{value}” is not a digital sender name: use the phone number, 10 to 15 digits.").format(
            value=_clip(raw)
        ),
        usage,
    )


def _digital_readings(
    words: list[str], usage: str, region: str | None, then: Callable[[str, list[str]], T]
) -> tuple[T, ...]:
    """A digital sender name is a phone number, read as the card reads one (8 999 123-45-67
    is 79991234567), in any spacing; ``then`` reads the words after it."""
    if "@" in words[0] or (
        not number_readings(words, region) and nearest_miss(words, region) is None
    ):
        raise _not_digital(words[0], usage)

    def digital(found: Address, rest: list[str]) -> T:
        if not _DIGITAL_SENDER.match(found.value):
            raise _not_digital(found.value, usage)
        return then(found.value, rest)

    return address_readings(words, usage, region, digital)


def sendcode(text: str | None, region: str | None = None) -> SendCodeArgs:
    usage = usage_sendcode()
    words = _words(text)
    options = _options(words, ("site", "site_name", "user"), usage)
    _require(words, 1, usage)
    # site: an approved sender name the code comes from; site_name: a site named in the text.
    site = sender_name(options["site"], usage) if "site" in options else None
    site_name = options.get("site_name")
    if site_name is not None and not _SITE.match(site_name):
        raise ArgumentError(
            _("“{value}” is not a site name.").format(value=_clip(site_name)), usage
        )
    user = _user(options, usage)

    def then(number: str, rest: list[str]) -> SendCodeArgs:
        if rest:
            raise ArgumentError(_("Give exactly one number."), usage)
        return SendCodeArgs(number, site, site_name, user)

    return _only(_digital_readings(words, usage, region, then))


@dataclass(frozen=True, slots=True)
class CheckCodeArgs:
    number: str
    code: str
    user: str | None


def usage_checkcode() -> str:
    return _("/checkcode <number> <code> [user=<sub-client>]")


def checkcode(text: str | None, region: str | None = None) -> CheckCodeArgs:
    usage = usage_checkcode()
    words = _words(text)
    user = _user(_options(words, ("user",), usage), usage)
    _require(words, 2, usage)

    def then(number: str, rest: list[str]) -> CheckCodeArgs:
        _exactly(rest, 1, usage, _("Give the number and the code, nothing else."))
        code = ascii_digits(rest[0])
        if not _CODE.match(code):
            raise ArgumentError(
                _("“{value}” is not a confirmation code: it has 3 to 8 digits.").format(
                    value=_clip(rest[0])
                ),
                usage,
            )
        return CheckCodeArgs(number, code, user)

    return _only(_digital_readings(words, usage, region, then))


# -- invoices and acts ---------------------------------------------------------------------


def sub_client(raw: str, usage: str) -> str:
    raw = ascii_digits(raw)
    if not _SUB_CLIENT.match(raw):
        raise ArgumentError(
            _("“{value}” is not a sub-client login.").format(value=_clip(raw)), usage
        )
    return raw


@dataclass(frozen=True, slots=True)
class InvoiceArgs:
    sub_client: str
    amount: Decimal
    service: str | None


def usage_invoice() -> str:
    return _("/invoice <sub-client-login> <sum> [service…]")


def invoice(text: str | None) -> InvoiceArgs:
    usage = usage_invoice()
    words = _words(text)
    _require(words, 2, usage)
    refuse_spaced_sum(words[1:], usage)
    return InvoiceArgs(
        sub_client(words[0], usage),
        money(words[1], usage),
        _free_text(words[2:], MAX_COMMENT, _("The service"), usage),
    )


def usage_getinvoice() -> str:
    return _("/getinvoice <sub-client-login> <invoice-id>")


def getinvoice(text: str | None) -> tuple[str, int]:
    usage = usage_getinvoice()
    words = _words(text)
    _exactly(words, 2, usage, _("Give the sub-client and the invoice id, nothing else."))
    return sub_client(words[0], usage), positive_id(words[1], _("The invoice id"), usage)


@dataclass(frozen=True, slots=True)
class ActArgs:
    sub_client: str
    act_id: int | None
    number: str | None


def usage_act() -> str:
    return _("/act <sub-client-login> <act-id-or-number>")


def act(text: str | None) -> ActArgs:
    usage = usage_act()
    words = _words(text)
    _exactly(words, 2, usage, _("Give the sub-client and the act id or number, nothing else."))
    client = sub_client(words[0], usage)
    raw = ascii_digits(words[1])
    if raw.isascii() and raw.isdigit():
        return ActArgs(client, positive_id(raw, _("The act id"), usage), None)
    if not _TASK_NAME.match(raw.replace("/", "")):
        raise ArgumentError(_("“{value}” is not an act number.").format(value=_clip(raw)), usage)
    return ActArgs(client, None, raw)


# -- downloads -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskRef:
    task_id: int | None
    name: str | None


def usage_download() -> str:
    return _("/download <task-id-or-name>")


def download(text: str | None) -> TaskRef:
    usage = usage_download()
    words = _words(text)
    _exactly(words, 1, usage, _("Give exactly one task id or name."))
    raw = ascii_digits(words[0])
    if raw.isascii() and raw.isdigit():
        return TaskRef(positive_id(raw, _("The task id"), usage), None)
    if not _TASK_NAME.match(raw):
        raise ArgumentError(_("“{value}” is not a task name.").format(value=_clip(raw)), usage)
    return TaskRef(None, raw)


# -- notifications -------------------------------------------------------------------------

MIN_CHAT_INTERVAL_MINUTES = 1
MAX_CHAT_INTERVAL_MINUTES = 24 * 60


class WatchKind(StrEnum):
    DOWNLOADS = "downloads"
    SENDERS = "senders"
    EVERY = "every"


@dataclass(frozen=True, slots=True)
class WatchArgs:
    kind: WatchKind | None  # None: show the status
    enabled: bool | None = None
    minutes: int | None = None


def usage_watch() -> str:
    return _(
        "/watch  ·  /watch downloads on|off  ·  /watch senders on|off  ·  /watch every <minutes>"
    )


def watch(text: str | None) -> WatchArgs:
    usage = usage_watch()
    words = [ascii_digits(w).lower() for w in _words(text)]
    if not words:
        return WatchArgs(None)
    if words[0] == "every" and len(words) in (2, 3):
        # "5 min" is one interval, "5 5" no interval at all.
        unit_apart = len(words) == 3 and words[2].rstrip(".").isalpha()
        minutes = _minutes("".join(words[1:])) if len(words) == 2 or unit_apart else None
        if minutes is None or not (
            MIN_CHAT_INTERVAL_MINUTES <= minutes <= MAX_CHAT_INTERVAL_MINUTES
        ):
            raise ArgumentError(
                _("The interval is a number of minutes from {low} to {high}.").format(
                    low=MIN_CHAT_INTERVAL_MINUTES, high=MAX_CHAT_INTERVAL_MINUTES
                ),
                usage,
            )
        return WatchArgs(WatchKind.EVERY, minutes=minutes)
    if len(words) != 2:
        raise ArgumentError(_("Give what to watch and on or off."), usage)
    kind, value = words
    if kind not in {WatchKind.DOWNLOADS, WatchKind.SENDERS}:
        raise ArgumentError(
            _("I can watch “downloads” or “senders”, not “{value}”.").format(value=_clip(kind)),
            usage,
        )
    if value not in {"on", "off"}:
        raise ArgumentError(_("Say on or off, not “{value}”.").format(value=_clip(value)), usage)
    return WatchArgs(WatchKind(kind), enabled=value == "on")


# "15", "15m", "15 min", "2h", "2 hours", in the bot's three languages: minutes per unit.
_INTERVAL = re.compile(r"^([0-9]{1,5})([^\W\d_]*)$")
_UNITS = {
    **dict.fromkeys(("", "m", "min", "mins", "minute", "minutes"), 1),
    **dict.fromkeys(("мин", "минут", "минуты", "минута", "хв", "хвилин", "хвилини"), 1),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 60),
    **dict.fromkeys(("ч", "час", "часа", "часов", "год", "години", "годин"), 60),
}


def _minutes(text: str) -> int | None:
    match = _INTERVAL.match(text.rstrip("."))
    if match is None or match.group(2) not in _UNITS:
        return None
    return int(match.group(1)) * _UNITS[match.group(2)]


LANGUAGES = ("en", "ru", "uk")


def usage_lang() -> str:
    return _("/lang [en|ru|uk]")


def lang(text: str | None) -> str | None:
    words = [w.lower() for w in _words(text)]
    if not words:
        return None
    if len(words) > 1 or words[0] not in LANGUAGES:
        raise ArgumentError(_("Choose en, ru or uk."), usage_lang())
    return words[0]
