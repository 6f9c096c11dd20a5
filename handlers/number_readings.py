"""A phone number typed in groups of digits (``+7 916 123-45-67 Ivan``), and its readings.

The words are joined while the joined digits can still be one number, and each joining that is a
valid number for its country (see :mod:`handlers.phones`) is a reading; the command's own grammar
then judges the words after it (:func:`handlers.readers.address_readings`). One reading is read;
several are offered as buttons (:mod:`handlers.choices`), never guessed between: in
``/block +44 20 7946 0958 12``, 12 may be the comment or the number's end. A number with a digit
too few or too many for its country is refused with that reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.argument_error import ArgumentError, clip
from handlers.lettered_numbers import lettered_words, letters_problem
from handlers.phones import WrongLength, ascii_digits, phone_number, wrong_length

# A number typed in groups: its first part may carry the "+", the others only digits and
# separators, and each holds a digit.
_NUMBER_START = re.compile(r"^\+?[\d()\-.]*\d[\d()\-.]*$")
_NUMBER_GROUP = re.compile(r"^[\d()\-.]*\d[\d()\-.]*$")
# More groups than any country writes a number in.
MAX_NUMBER_WORDS = 8
# Digits a number typed in groups has at least: where a country's numbers vary in length, a
# shorter joining (+44 20 7946 of +44 20 7946 0958) is a number's beginning, not a reading.
MIN_JOINED = 9


@dataclass(frozen=True, slots=True)
class NumberReading:
    """The first ``used`` words read as the phone number ``number``."""

    number: str
    used: int


def _country(misfit: WrongLength) -> str:
    digits = misfit.expected - len(misfit.code)
    if misfit.country == "ru":
        return ngettext(
            "a Russian number (+7 and {digits} digit)",
            "a Russian number (+7 and {digits} digits)",
            digits,
        ).format(digits=digits)
    if misfit.country == "kz":
        return ngettext(
            "a Kazakh number (+7 and {digits} digit)",
            "a Kazakh number (+7 and {digits} digits)",
            digits,
        ).format(digits=digits)
    if misfit.country == "ua":
        return ngettext(
            "a Ukrainian number (+380 and {digits} digit)",
            "a Ukrainian number (+380 and {digits} digits)",
            digits,
        ).format(digits=digits)
    return ngettext(
        "a number of +{code} (+{code} and {digits} digit)",
        "a number of +{code} (+{code} and {digits} digits)",
        digits,
    ).format(code=misfit.code, digits=digits)


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


def not_a_number(typed: str) -> str:
    return _(
        "“{value}” is not a phone number: use 7 to 15 digits, with the country code or "
        "in the national form (8 999 000-77-66)."
    ).format(value=clip(typed))


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
    # A letter in the number first: "+7 999 OOO-77-66" is not “+7” a digit short of anything.
    typed = lettered_words(words, region, MAX_NUMBER_WORDS)
    if typed is not None:
        return ArgumentError(letters_problem(*typed), usage)
    missed = nearest_miss(words, region)
    if missed is not None:
        return ArgumentError(length_problem(*missed), usage)
    return ArgumentError(not_a_number(words[0] if words else ""), usage)
