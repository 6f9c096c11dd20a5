"""What Telegram refuses in a message's text, checked as strictly as Telegram does or more.

Telegram answers 400 to a text over 4,096 characters or a caption over 1,024 (counted in UTF-16
code units, after the markup is parsed), and to HTML it cannot parse; the person then gets
nothing. The check here parses HTML strictly: only the tags Telegram allows, every tag closed in
order, every ``<`` and ``&`` part of a tag or an entity.
"""

from __future__ import annotations

import html
import re

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# answerCallbackQuery's notification or alert.
CALLBACK_ANSWER_LIMIT = 200

# The tags of Telegram's HTML style (core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[A-Za-z-]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=`]+))?)*)\s*>"
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


class Refused(ValueError):
    """Telegram's 400 for this text; the message is its description."""


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text a person would see; raises :class:`Refused` for markup Telegram refuses."""
    if (parse_mode or "").upper() != "HTML":
        return text
    shown: list[str] = []
    open_tags: list[str] = []
    at = 0
    while at < len(text):
        char = text[at]
        if char == "<":
            tag = _TAG.match(text, at)
            if tag is None:
                raise Refused(f"Bad Request: can't parse entities: unexpected < at offset {at}")
            closing, name = tag.group(1), tag.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise Refused(f'Bad Request: can\'t parse entities: unsupported tag "{name}"')
            if closing:
                if not open_tags or open_tags[-1] != name:
                    raise Refused(f'Bad Request: can\'t parse entities: unmatched end tag "{name}"')
                open_tags.pop()
            else:
                open_tags.append(name)
            at = tag.end()
        elif char == "&":
            entity = _ENTITY.match(text, at)
            if entity is None:
                raise Refused(f"Bad Request: can't parse entities: bare & at offset {at}")
            shown.append(html.unescape(entity.group()))
            at = entity.end()
        else:
            shown.append(char)
            at += 1
    if open_tags:
        raise Refused(
            f"Bad Request: can't parse entities: can't find end tag for \"{open_tags[-1]}\""
        )
    return "".join(shown)


def check(text: str, parse_mode: str | None, *, caption: bool = False) -> None:
    """Raise :class:`Refused` where Telegram would refuse ``text`` as a message or a caption."""
    shown = plain_text(text, parse_mode)
    limit = CAPTION_LIMIT if caption else TEXT_LIMIT
    if utf16_length(shown) > limit:
        what = "message caption" if caption else "message"
        raise Refused(f"Bad Request: {what} is too long")
    if not caption and not shown.strip():
        raise Refused("Bad Request: message text is empty")
