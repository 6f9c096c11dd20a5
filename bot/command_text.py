"""What a message's text names as a command, read the way people type on phones.

Any case (``/Login``), any Unicode space between words (a no-break space, an ideographic one),
spaces between the slash and the name too (``/ login``, as a phone's keyboard may put them), an
``@BotName`` suffix in any case. Total: any text gives a result or None, never an exception.

A slash may also be typed as another key (:func:`stand_in_command`): Telegram does not take that
for a command, but the person meant one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommandText:
    name: str  # case-folded, without the slash and the mention
    mention: str  # case-folded bot username after "@", or ""
    args: str  # everything after the first word, stripped


def command_of(text: str | None) -> CommandText | None:
    """The command a text starts with, or None when it does not start with one."""
    if not text or not text.startswith("/"):
        return None
    words = text[1:].split(maxsplit=1)
    if not words:
        return CommandText("", "", "")
    head, *rest = words
    name, _, mention = head.partition("@")
    return CommandText(name.casefold(), mention.casefold(), rest[0].strip() if rest else "")


# The key where "/" is on a Latin keyboard gives "." on the Russian and Ukrainian layouts, and
# the backslash sits beside it (``.дщпшт demo P``, ``\login demo P``).
SLASH_STAND_INS = (".", "\\")


def stand_in_command(text: str | None) -> CommandText | None:
    """The command a text names with a stand-in for its slash, directly followed by a letter
    (``.login``, not ``...`` or ``. so``); None otherwise."""
    if not text or len(text) < 2 or text[0] not in SLASH_STAND_INS or not text[1].isalpha():
        return None
    return command_of("/" + text[1:])
