"""Phone numbers as people type them, to the international digits SMSC expects. One place.

``+7 999 000-77-66``, ``8 (999) 000 77 66``, ``79990007766``, ``+７９９９…`` and ``00 380 50 …``
all read. A national form is read for the chat's region: ``8…`` (11 digits) and a bare ten-digit
mobile in Russia and Kazakhstan, ``0…`` (10 digits) in Ukraine. What cannot be a number is
refused (None), never guessed at; so is a number of a country whose numbers all have one length
(Russia's and Kazakhstan's +7 and ten digits) with a digit too few or too many: ``7999000777``
is a mistyped number, and SMSC would take it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Separators people put in numbers: spaces of any kind, dashes of any kind, dots, brackets.
_NOISE = re.compile(r"[\s\-‐‑‒–—―.()/]")
_INTERNATIONAL = re.compile(r"^[1-9][0-9]{6,14}$")
# Regions whose numbers start with the same country code, and the national prefixes they use.
_EAST = {"ru", "kz"}
# Country codes whose numbers all have one length, with that length (country code included):
# the bot's regions' countries, their neighbours, and the larger closed numbering plans. A
# country whose lengths vary (Germany, Italy, the UK) is not here: any 7 to 15 digits will do.
_LENGTHS = {
    "1": 11,  # the North American plan
    "7": 11,  # Russia, Kazakhstan
    "30": 12,  # Greece
    "31": 11,  # the Netherlands
    "33": 11,  # France
    "34": 11,  # Spain
    "48": 11,  # Poland
    "90": 12,  # Turkey
    "91": 12,  # India
    "370": 11,  # Lithuania
    "371": 11,  # Latvia
    "373": 11,  # Moldova
    "374": 11,  # Armenia
    "375": 12,  # Belarus
    "380": 12,  # Ukraine
    "976": 11,  # Mongolia
    "992": 12,  # Tajikistan
    "993": 11,  # Turkmenistan
    "994": 12,  # Azerbaijan
    "995": 12,  # Georgia
    "996": 12,  # Kyrgyzstan
    "998": 12,  # Uzbekistan
}


# Digits too few or too many for a number still to be taken for a mistyped one.
NEAR_MISS = 2


@dataclass(frozen=True, slots=True)
class WrongLength:
    """A number of a country whose numbers all have ``expected`` digits, with ``digits``."""

    code: str  # the country code it starts with
    country: str | None  # "ru", "kz" or "ua" for the bot's regions' countries, else None
    digits: int
    expected: int


def ascii_digits(text: str) -> str:
    """Digits of any script as ASCII: ``７９９９`` (fullwidth) and ``٧٩٩٩`` (Arabic-Indic) are
    ``7999``; ``＋`` is ``+``. Invisible format characters are dropped: a number copied from a
    phone's contacts comes wrapped in direction marks (``\u202a+7 916 …\u202c`` on iOS), one
    from a web page may hold zero-width spaces. Everything else is left as it was."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch
        for ch in folded
        if ch.isascii() or unicodedata.category(ch) != "Cf"
    )


def _digits(text: str, region: str | None) -> str | None:
    """International digits of what is shaped like a number, whatever their count."""
    raw = _NOISE.sub("", ascii_digits(text.strip()))
    if raw.startswith("+"):
        digits = raw[1:]
        return digits if digits.isdigit() and _INTERNATIONAL.match(digits) else None
    if not raw.isdigit():
        return None
    if raw.startswith("00"):
        digits = raw[2:]
        return digits if _INTERNATIONAL.match(digits) else None
    region = (region or "ru").lower()
    if region in _EAST:
        if len(raw) == 10 and raw[0] in "3489":
            return "7" + raw
        if raw[0] == "8":
            # The national form, 8 and ten digits; any other count is a mistyped one, never
            # a number of a country code 8….
            return "7" + raw[1:]
    if region == "ua" and raw[0] == "0":
        return "38" + raw
    return raw if _INTERNATIONAL.match(raw) else None


def _country_code(number: str) -> str | None:
    return next((number[:n] for n in (1, 2, 3) if number[:n] in _LENGTHS), None)


def _misfit(number: str) -> WrongLength | None:
    """Its country's length is not this number's; None also when no country's length is known."""
    code = _country_code(number)
    if code is None or len(number) == _LENGTHS[code]:
        return None
    country = None
    if code == "7":
        # +7 6… and +7 7… are Kazakhstan's, the rest Russia's.
        country = "kz" if number[1:2] in ("6", "7") else "ru"
    elif code == "380":
        country = "ua"
    return WrongLength(code, country, len(number), _LENGTHS[code])


def phone_number(text: str, region: str | None = None) -> str | None:
    """International digits without ``+`` (``79990007766``), or None if this is no number."""
    number = _digits(text, region)
    return number if number is not None and _misfit(number) is None else None


def wrong_length(text: str, region: str | None = None) -> WrongLength | None:
    """What is wrong with a number that has a digit or two too few or too many for its
    country; None for a valid number and for what is further from being one."""
    number = _digits(text, region)
    misfit = _misfit(number) if number is not None else None
    if misfit is None or abs(misfit.digits - misfit.expected) > NEAR_MISS:
        return None
    return misfit


def looks_like_phone(text: str, region: str | None = None) -> bool:
    """A message that is nothing but a phone number, in any common form of any region."""
    stripped = text.strip()
    if not 7 <= len(stripped) <= 32:
        return False
    return any(phone_number(stripped, each) is not None for each in (region, "ru", "ua"))
