"""Phone numbers as people type them, to the international digits SMSC expects. One place.

``+7 999 000-77-66``, ``8 (999) 000 77 66``, ``79990007766``, ``+７９９９…`` and ``00 380 50 …``
all read. A national form is read for the chat's region: ``8…`` (11 digits) and a bare ten-digit
mobile in Russia and Kazakhstan, ``0…`` (10 digits) in Ukraine. What cannot be a number is
refused (None), never guessed at.
"""

from __future__ import annotations

import re
import unicodedata

# Separators people put in numbers: spaces of any kind, dashes of any kind, dots, brackets.
_NOISE = re.compile(r"[\s\-‐‑‒–—―.()/]")
_INTERNATIONAL = re.compile(r"^[1-9][0-9]{6,14}$")
# Regions whose numbers start with the same country code, and the national prefixes they use.
_EAST = {"ru", "kz"}


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


def phone_number(text: str, region: str | None = None) -> str | None:
    """International digits without ``+`` (``79990007766``), or None if this is no number."""
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
        if len(raw) == 11 and raw[0] == "8":
            return "7" + raw[1:]
        if len(raw) == 10 and raw[0] in "3489":
            return "7" + raw
    if region == "ua" and len(raw) == 10 and raw[0] == "0":
        return "38" + raw
    return raw if _INTERNATIONAL.match(raw) else None


def looks_like_phone(text: str, region: str | None = None) -> bool:
    """A message that is nothing but a phone number, in any common form of any region."""
    stripped = text.strip()
    if not 7 <= len(stripped) <= 32:
        return False
    return any(phone_number(stripped, each) is not None for each in (region, "ru", "ua"))
