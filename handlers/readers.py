"""The readers every command's parser is built from: words, quotes, free text, ``name=value``
options, ids, sums, sub-client logins, phone numbers and e-mail addresses, groups.

Each command's grammar lives beside its router (``handlers/contacts_args.py`` beside
``handlers/contacts.py``; /lang's in ``handlers/lang_args.py``) and reads its words with these.
Every reader is total: any text gives either a value or an :class:`ArgumentError` that says
what is wrong and shows the command's right form. Wherever a number, an id or a sum is read,
digits of any script read as the same digits (a phone's keyboard in Arabic or Devanagari types
the same id). Nothing here talks to SMSC or Telegram.

A number may be typed in groups of digits and read more than one way
(:mod:`handlers.number_readings`); a group is named by its name, in any case, or by its id, and
which groups a name means is decided where the groups are known (:mod:`handlers.group_names`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.argument_error import ArgumentError as ArgumentError
from handlers.argument_error import clip as clip
from handlers.number_readings import length_problem, not_a_number, number_problem, number_readings
from handlers.phones import ascii_digits, phone_number, wrong_length

T = TypeVar("T")

# An id pressed on a button, or the name or id as typed.
GroupRef = int | str

_EMAIL = re.compile(r"^[^@\s,;:]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}$")
_SUM = re.compile(r"^[0-9]{1,9}(?:[.,][0-9]{1,2})?$")
# "1 000,50": a sum in groups of thousands, or a sum of 1 and a service named "000,50".
_SUM_HEAD = re.compile(r"^[0-9]{1,3}$")
_SUM_GROUP = re.compile(r"^[0-9]{3}(?:[.,][0-9]{1,2})?$")
_SUB_CLIENT = re.compile(r"^[\w.@+-]{1,64}$")
MAX_ID = 2**53
MAX_NAME = 100
MAX_COMMENT = 300
MAX_SEARCH = 60
MAX_GROUP_REF = 100

# Quotes people put around a name or a comment, as pairs: "…", “…”, «…», „…“, '…'.
QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“", "'": "'", "‘": "’"}


@dataclass(frozen=True, slots=True)
class Address:
    value: str
    is_email: bool


def words_of(text: str | None) -> list[str]:
    return (text or "").split()


def require(words: list[str], count: int, usage: str) -> None:
    if len(words) < count:
        raise ArgumentError(_("Some arguments are missing."), usage)


def exactly(words: list[str], count: int, usage: str, too_many: str) -> None:
    """``count`` words, no fewer (a usage reply) and no more (``too_many`` says which)."""
    require(words, count, usage)
    if len(words) > count:
        raise ArgumentError(too_many, usage)


def only(readings: tuple[T, ...]) -> T:
    """The reading of a command that takes a set number of words after the number: however
    the number was spaced, only one joining leaves that many."""
    [reading] = readings
    return reading


def unquoted(text: str) -> str:
    if len(text) >= 2 and QUOTES.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    return text


def quoted_head(words: list[str]) -> list[str]:
    """Words with a quoted first argument made one (``"My Shop" comment``: ``My Shop``,
    ``comment``); unchanged when the first word opens no quote that closes."""
    if not words or words[0][:1] not in QUOTES:
        return words
    closing = QUOTES[words[0][0]]
    for end, word in enumerate(words):
        if word.endswith(closing) and (end > 0 or len(word) > 1):
            head = unquoted(" ".join(words[: end + 1]))
            return [head, *words[end + 1 :]] if head else words[end + 1 :]
    return words


def free_text(words: list[str], limit: int, what: str, usage: str) -> str | None:
    text = unquoted(" ".join(words).strip())
    if len(text) > limit:
        raise ArgumentError(
            ngettext(
                "{what} is too long: at most {limit} character.",
                "{what} is too long: at most {limit} characters.",
                limit,
            ).format(what=what, limit=limit),
            usage,
        )
    return text or None


def take_options(words: list[str], names: tuple[str, ...], usage: str) -> dict[str, str]:
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


def positive_id(raw: str, what: str, usage: str) -> int:
    raw = ascii_digits(raw)
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < MAX_ID:
        raise ArgumentError(
            _("{what} must be a positive whole number, not “{value}”.").format(
                what=what, value=clip(raw)
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
            ).format(value=clip(raw)),
            usage,
        )
    try:
        amount = Decimal(raw.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise ArgumentError(_("“{value}” is not a sum.").format(value=clip(raw)), usage) from None
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


def sub_client(raw: str, usage: str) -> str:
    raw = ascii_digits(raw)
    if not _SUB_CLIENT.match(raw):
        raise ArgumentError(
            _("“{value}” is not a sub-client login.").format(value=clip(raw)), usage
        )
    return raw


def email(raw: str, usage: str) -> str:
    if not _EMAIL.match(raw):
        problem = _("“{value}” is not an e-mail address.").format(value=clip(raw))
        raise ArgumentError(problem, usage)
    return raw


def phone(raw: str, usage: str, region: str | None = None) -> str:
    """International digits (``79990007766``); national forms read for the chat's region."""
    number = phone_number(raw, region)
    if number is not None:
        return number
    misfit = wrong_length(raw, region)
    raise ArgumentError(length_problem(raw, misfit) if misfit else not_a_number(raw), usage)


def address_readings(
    words: list[str], usage: str, region: str | None, then: Callable[[Address, list[str]], T]
) -> tuple[T, ...]:
    """Every reading of words that begin with a phone number or an e-mail address: ``then``
    turns the address and the words after it into the command's arguments, or raises when the
    command's grammar refuses them. None accepted: the shortest reading's problem, or the
    number's."""
    if words and "@" in words[0]:
        return (then(Address(email(words[0], usage), True), words[1:]),)
    found: list[T] = []
    refused: ArgumentError | None = None
    for reading in number_readings(words, region):
        try:
            found.append(then(Address(reading.number, False), words[reading.used :]))
        except ArgumentError as error:
            refused = refused or error
    if found:
        return tuple(found)
    raise refused or number_problem(words, region, usage)


def address(text: str | None, usage: str, region: str | None = None) -> Address:
    """One phone number (in any spacing) or e-mail address, and nothing after it."""
    words = words_of(text)
    require(words, 1, usage)

    def alone(found: Address, rest: list[str]) -> Address:
        if rest:
            raise ArgumentError(_("Give exactly one phone number or e-mail address."), usage)
        return found

    return only(address_readings(words, usage, region, alone))


def group_ref(raw: str, usage: str) -> str:
    """A group as typed: its name (quotes around it are not part of it) or its id."""
    ref = " ".join(unquoted(raw.strip()).split())
    if not ref:
        raise ArgumentError(_("Name the group, or give its id."), usage)
    if len(ref) > MAX_GROUP_REF:
        raise ArgumentError(
            ngettext(
                "A group name has at most {limit} character.",
                "A group name has at most {limit} characters.",
                MAX_GROUP_REF,
            ).format(limit=MAX_GROUP_REF),
            usage,
        )
    return ref


def group_refs(value: str, usage: str) -> tuple[str, ...]:
    """``VIP,Friends``, ``"VIP clients",Staff``: groups separated by commas."""
    parts = [part for part in value.split(",") if part.strip()]
    if not parts:
        raise ArgumentError(_("grp= needs at least one group."), usage)
    return tuple(dict.fromkeys(group_ref(part, usage) for part in parts))
