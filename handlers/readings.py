"""Numbers, addresses and groups as people type them in a command's words.

A number may be typed in groups of digits (``+7 916 123-45-67 Ivan``). The words are joined
while the joined digits can still be one number, and each joining that is a valid number for
its country (see :mod:`handlers.phones`) is a reading; the command's own grammar then judges the
words after it. One reading is read; several are offered as buttons (:mod:`handlers.choices`),
never guessed between: in ``/block +44 20 7946 0958 12``, 12 may be the comment or the number's
end. A number with a digit too few or too many for its country is refused with that reason.

A group is named by its name, in any case, or by its id: :func:`groups_meant` decides which
groups a name means from whatever list of groups the caller has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.smsc import Group
from handlers.argument_error import ArgumentError, clip
from handlers.phones import WrongLength, ascii_digits, phone_number, wrong_length

T = TypeVar("T")

# An id pressed on a button, or the name or id as typed.
GroupRef = int | str

_EMAIL = re.compile(r"^[^@\s,;:]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}$")
# A number typed in groups: its first part may carry the "+", the others only digits and
# separators, and each holds a digit.
_NUMBER_START = re.compile(r"^\+?[\d()\-.]*\d[\d()\-.]*$")
_NUMBER_GROUP = re.compile(r"^[\d()\-.]*\d[\d()\-.]*$")
# More groups than any country writes a number in.
MAX_NUMBER_WORDS = 8
# Digits a number typed in groups has at least: where a country's numbers vary in length, a
# shorter joining (+44 20 7946 of +44 20 7946 0958) is a number's beginning, not a reading.
MIN_JOINED = 9
MAX_GROUP_REF = 100

# Quotes people put around a name or a comment, as pairs: "…", “…”, «…», „…“, '…'.
QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“", "'": "'", "‘": "’"}


def unquoted(text: str) -> str:
    if len(text) >= 2 and QUOTES.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    return text


@dataclass(frozen=True, slots=True)
class Address:
    value: str
    is_email: bool


@dataclass(frozen=True, slots=True)
class NumberReading:
    """The first ``used`` words read as the phone number ``number``."""

    number: str
    used: int


def email(raw: str, usage: str) -> str:
    if not _EMAIL.match(raw):
        problem = _("“{value}” is not an e-mail address.").format(value=clip(raw))
        raise ArgumentError(problem, usage)
    return raw


def _country(misfit: WrongLength) -> str:
    digits = misfit.expected - len(misfit.code)
    if misfit.country == "ru":
        return _("a Russian number (+7 and {digits} digits)").format(digits=digits)
    if misfit.country == "kz":
        return _("a Kazakh number (+7 and {digits} digits)").format(digits=digits)
    if misfit.country == "ua":
        return _("a Ukrainian number (+380 and {digits} digits)").format(digits=digits)
    return _("a number of +{code} (+{code} and {digits} digits)").format(
        code=misfit.code, digits=digits
    )


def length_problem(typed: str, misfit: WrongLength) -> str:
    """“7999000777” is one digit short for a Russian number (+7 and 10 digits)."""
    if misfit.digits < misfit.expected:
        count = misfit.expected - misfit.digits
        text = ngettext(
            "“{value}” is one digit short for {country}.",
            "“{value}” is {count} digits short for {country}.",
            count,
        )
    else:
        count = misfit.digits - misfit.expected
        text = ngettext(
            "“{value}” has one digit too many for {country}.",
            "“{value}” has {count} digits too many for {country}.",
            count,
        )
    return text.format(value=clip(typed), count=count, country=_country(misfit))


def _not_a_number(typed: str) -> str:
    return _(
        "“{value}” is not a phone number: use 7 to 15 digits, with the country code or "
        "in the national form (8 999 000-77-66)."
    ).format(value=clip(typed))


def phone(raw: str, usage: str, region: str | None = None) -> str:
    """International digits (``79990007766``); national forms read for the chat's region."""
    number = phone_number(raw, region)
    if number is not None:
        return number
    misfit = wrong_length(raw, region)
    raise ArgumentError(length_problem(raw, misfit) if misfit else _not_a_number(raw), usage)


def _prefixes(words: list[str]) -> Iterator[tuple[int, str]]:
    """The first word, then it with each following word of digits: (words used, joined)."""
    if not words:
        return
    joined = ascii_digits(words[0])
    yield 1, joined
    if not _NUMBER_START.match(joined):
        return
    for used, word in enumerate(words[1:MAX_NUMBER_WORDS], start=2):
        word = ascii_digits(word)
        if not _NUMBER_GROUP.match(word):
            return
        joined += word
        yield used, joined


def number_readings(words: list[str], region: str | None) -> list[NumberReading]:
    """Every way the first words read as one valid phone number, fewest words first."""
    found = []
    for used, joined in _prefixes(words):
        number = phone_number(joined, region)
        if number is not None and (used == 1 or len(number) >= MIN_JOINED):
            found.append(NumberReading(number, used))
    return found


def nearest_miss(words: list[str], region: str | None) -> tuple[str, WrongLength] | None:
    """The first words as typed and what is wrong with their length, for the joining nearest
    to a valid number (``7999000777 100`` is one digit short, not two too many); None when no
    joining is near one."""
    misses = []
    for used, joined in _prefixes(words):
        misfit = wrong_length(joined, region)
        if misfit is not None:
            misses.append((abs(misfit.digits - misfit.expected), used, misfit))
    if not misses:
        return None
    _, used, misfit = min(misses, key=lambda miss: (miss[0], miss[1]))
    return " ".join(words[:used]), misfit


def number_problem(words: list[str], region: str | None, usage: str) -> ArgumentError:
    """Why no reading of the first words is a number."""
    missed = nearest_miss(words, region)
    if missed is not None:
        return ArgumentError(length_problem(*missed), usage)
    return ArgumentError(_not_a_number(words[0] if words else ""), usage)


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


def group_ref(raw: str, usage: str) -> str:
    """A group as typed: its name (quotes around it are not part of it) or its id."""
    ref = " ".join(unquoted(raw.strip()).split())
    if not ref:
        raise ArgumentError(_("Name the group, or give its id."), usage)
    if len(ref) > MAX_GROUP_REF:
        raise ArgumentError(
            _("A group name has at most {limit} characters.").format(limit=MAX_GROUP_REF), usage
        )
    return ref


def group_refs(value: str, usage: str) -> tuple[str, ...]:
    """``VIP,Friends``, ``"VIP clients",Staff``: groups separated by commas."""
    parts = [part for part in value.split(",") if part.strip()]
    if not parts:
        raise ArgumentError(_("grp= needs at least one group."), usage)
    return tuple(dict.fromkeys(group_ref(part, usage) for part in parts))


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def groups_meant(ref: GroupRef, groups: Iterable[Group]) -> list[Group]:
    """The groups ``ref`` means among ``groups``: the one with that id if it is one, else every
    group of that name in any case (two groups may share a name)."""
    groups = list(groups)
    if isinstance(ref, int):
        return [group for group in groups if group.id == ref]
    digits = ascii_digits(ref)
    if digits.isascii() and digits.isdigit() and len(digits) <= 16:
        by_id = [group for group in groups if group.id == int(digits)]
        if by_id:
            return by_id
    wanted = _folded(ref)
    return [group for group in groups if _folded(group.name) == wanted]
