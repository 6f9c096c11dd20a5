"""SMSC's values in a Telegram message: clipped to a length, then escaped for HTML.

Telegram refuses a message over 4,096 characters (a caption over 1,024) and HTML it cannot
parse, and the person then gets nothing. A name or a comment from SMSC can be of any length and
hold any character, so each is clipped as plain text first and escaped after: a clip never
falls inside an entity (``&amp;``) or a tag.
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


def clip(value: object, limit: int) -> str:
    """``value`` as one line of at most ``limit`` characters, ending in "…" when cut."""
    text = " ".join(str(value).split())
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
