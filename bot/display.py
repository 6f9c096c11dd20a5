"""SMSC's values in a Telegram message: clipped to a length, then escaped for HTML.

Telegram refuses a message over 4,096 characters (a caption over 1,024) and HTML it cannot
parse, and the person then gets nothing. A name or a comment from SMSC can be of any length and
hold any character, so each is clipped as plain text first and escaped after: a clip never
falls inside an entity (``&amp;``) or a tag.

Bidirectional controls are dropped from every value shown: a right-to-left override (U+202E) in
a name turns the rest of its line backwards, so a name or a comment could make a reply say
something it does not ("Delete ‮group‬ …"). They are invisible in a name, and nothing is lost
by dropping them.
"""

from __future__ import annotations

import html

from aiogram.utils.i18n import ngettext

# Telegram counts UTF-16 code units, after the markup is parsed; counting the markup too is
# never less.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

NAME = 60
COMMENT = 120
ADDRESS = 100
# An operator's name, or the key SMSC sent for one the bot has no name for.
KEY = 40


# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the left-to-right and
# right-to-left marks, and the Arabic letter mark.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_DROP_BIDI = dict.fromkeys(map(ord, BIDI_CONTROLS))


def plain(value: object) -> str:
    """``value`` as text without bidirectional controls: safe to show as typed."""
    return str(value).translate(_DROP_BIDI)


def escaped(value: object) -> str:
    """``value`` without bidirectional controls, escaped for HTML: safe anywhere in a message."""
    return html.escape(plain(value))


def clip(value: object, limit: int) -> str:
    """``value`` as one line of at most ``limit`` characters, ending in "…" when cut."""
    text = " ".join(plain(value).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def shown(value: object, limit: int) -> str:
    """``value`` clipped, then escaped: safe anywhere in an HTML message."""
    return html.escape(clip(value, limit))


def length(text: str) -> int:
    """The length Telegram measures a text by (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def more(count: int) -> str:
    """What stands for the entries of a list that are not shown."""
    return ngettext("…and {count} more", "…and {count} more", count).format(count=count)
