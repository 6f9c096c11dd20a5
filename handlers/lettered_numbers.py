"""A phone number with a letter typed in it: ``+7 999 OOO-77-66`` (the letter O for a zero),
``+7 999 12З-45-67`` (a Cyrillic З for a three), ``+7 999 123-45-6x`` (a slip of the finger).

Such a number is neither a number nor chatter: sent alone (:mod:`handlers.mistyped_numbers`)
or as a command's argument (:mod:`handlers.number_readings`) it is told what is wrong with it,
naming the letter, and for letters that look like digits, what it reads as with digits only.

A text is taken for one only when it is shaped like a number: enough digits, at most two other
letters, each alone between digits or separators, and a valid number (or one a digit or two off)
once they are read as digits. "Hello 2024", "Room 101 at 10:00" and "lol 1234" are words.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _

from bot import display
from handlers.phones import phone_number, wrong_length

# Letters typed for the digits they look like: O (Latin or Cyrillic) for a zero, l and I for a one.
ZERO = "OoОо"
ONE = "lI"
_LOOKALIKES = str.maketrans(dict.fromkeys(ZERO, "0") | dict.fromkeys(ONE, "1"))
# Digits a text must have as typed to be taken for a number with letters in it, not a word.
_FEWEST_DIGITS = 4
# With a letter that looks like no digit, more: a number with one or two of its digits missed.
_FEWEST_DIGITS_BESIDE_OTHERS = 6
_MOST_OTHERS = 2
# What a number is written with besides its digits.
_SEPARATORS = frozenset(" +-().")
# The shortest and longest a number is written, separators and all.
_SHORTEST, _LONGEST = 7, 32


@dataclass(frozen=True, slots=True)
class Lettered:
    """The letters typed in a number, each once, in order; the number once the look-alike
    letters are read as digits, when every letter in it looks like one; and whether that is a
    valid number (not one a digit or two off)."""

    letters: tuple[str, ...]
    read: str | None
    valid: bool


# How near a text is to a number: not, a digit or two off, a valid one.
_NO, _NEAR, _VALID = 0, 1, 2


def _fit(text: str, region: str | None) -> int:
    """How near ``text`` is to a number of the account's region or of a usual one."""
    if not _SHORTEST <= len(text) <= _LONGEST:
        return _NO
    regions = (region, "ru", "ua")
    if any(phone_number(text, each) for each in regions):
        return _VALID
    return _NEAR if any(wrong_length(text, each) for each in regions) else _NO


def _alone_in_number(text: str, at: int) -> bool:
    """The letter at ``at`` has no letter beside it and a digit on at least one side."""
    beside = [text[at - 1] if at > 0 else "", text[at + 1] if at + 1 < len(text) else ""]
    return not any(each.isalpha() for each in beside) and any(each.isdigit() for each in beside)


def lettered(text: str, region: str | None) -> Lettered | None:
    """What letters ``text`` has typed in a number; None when it has none or is no number."""
    text = text.strip()
    letters = tuple(dict.fromkeys(char for char in text if char.isalpha()))
    if not letters or sum(char.isdigit() for char in text) < _FEWEST_DIGITS:
        return None
    read = text.translate(_LOOKALIKES)
    others = [at for at, char in enumerate(read) if char.isalpha()]
    if not others:
        fit = _fit(read, region)
        return Lettered(letters, read, fit == _VALID) if fit else None
    if len(others) > _MOST_OTHERS or sum(c.isdigit() for c in text) < _FEWEST_DIGITS_BESIDE_OTHERS:
        return None
    if any(not (c.isalnum() or c in _SEPARATORS) for c in read):
        return None
    # Beside a letter as typed, even one that looks like a digit: "8916123456 ok" is words.
    if not all(_alone_in_number(text, at) for at in others):
        return None
    # Which digit the letter stands for is not known: any that makes it a number will do.
    fit = max(_fit("".join(d if c.isalpha() else c for c in read), region) for d in "0123456789")
    return Lettered(letters, None, fit == _VALID) if fit else None


def lettered_words(words: list[str], region: str | None, most: int) -> tuple[str, Lettered] | None:
    """The first words (``most`` at most) that are a number with a letter in it, as typed: the
    fewest that make a valid number once the letters are read, else the fewest near one."""
    found: list[tuple[str, Lettered]] = []
    for used in range(1, min(most, len(words)) + 1):
        typed = " ".join(words[:used])
        letters = lettered(typed, region)
        if letters is not None:
            found.append((typed, letters))
    # "+7 999 OOO-77-66 12": the number is the first four words; with the comment's 12 it is
    # only near one.
    valid = [each for each in found if each[1].valid]
    return (valid or found)[0] if found else None


def letters_problem(typed: str, found: Lettered) -> str:
    """“+7 999 OOO-77-66” looks like a number with a letter in it: the letter O for a zero."""
    letters = [
        (
            _("the letter {letter} for a zero")
            if letter in ZERO
            else _("the letter {letter} for a one")
            if letter in ONE
            else _("the letter {letter}")
        ).format(letter=letter)
        for letter in found.letters
    ]
    value = display.clip(typed, display.ADDRESS)
    if found.read is None:
        return _(
            "“{value}” looks like a number with a letter in it: {letters}. Send it with digits "
            "only."
        ).format(value=value, letters=", ".join(letters))
    return _(
        "“{value}” looks like a number with a letter in it: {letters}. Send it with digits "
        "only: {number}"
    ).format(value=value, letters=", ".join(letters), number=found.read)
