"""/login's grammar, the login dialog's answer, and the group a login link names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aiogram.utils.i18n import gettext as _

from bot.smsc import Region
from handlers.readers import MAX_ID, ArgumentError, words_of

_LOGIN = re.compile(r"^[A-Za-z0-9_.@+-]{1,64}$")
_GROUP_ID = re.compile(r"^-[1-9][0-9]{0,15}$")


@dataclass(frozen=True, slots=True)
class LoginArgs:
    region: Region | None
    login: str | None
    password: str | None = field(default=None, repr=False)
    apikey: str | None = field(default=None, repr=False)

    @property
    def has_secret(self) -> bool:
        return bool(self.password or self.apikey)


def usage_login() -> str:
    return _("/login [ru|ua|kz|com] <api-key>  or  /login [ru|ua|kz|com] <login> <password>")


def _region_word(word: str) -> Region | None:
    lowered = word.casefold()
    return Region(lowered) if lowered in {r.value for r in Region} else None


def _not_a_login() -> ArgumentError:
    # Never quotes the word: a login in the wrong place is often the password.
    return ArgumentError(
        _(
            "That is not a login and a password: a login has only letters, digits and "
            ". _ @ + -. Were they swapped? Send the login first."
        ),
        usage_login(),
    )


def login(text: str | None) -> LoginArgs:
    """``[region] key``, ``[region] login password``; the region may also come last."""
    words = words_of(text)
    region: Region | None = None
    if words and (region := _region_word(words[0])) is not None:
        words.pop(0)
    elif len(words) >= 2 and (region := _region_word(words[-1])) is not None:
        words.pop()
    if not words:
        return LoginArgs(region, None)
    if len(words) > 2:
        raise ArgumentError(
            _("Too many words: give an API key, or a login and a password."), usage_login()
        )
    if len(words) == 1:
        return LoginArgs(region, None, apikey=words[0])
    user, secret = words
    if not _LOGIN.match(user):
        raise _not_a_login()
    return LoginArgs(region, user, password=secret)


def secret_reply(text: str | None) -> LoginArgs:
    """The dialog's answer: an API key alone, or a login and a password."""
    words = words_of(text)
    if not 1 <= len(words) <= 2:
        raise ArgumentError(
            _("Send the API key alone, or the login and the password separated by a space."),
            usage_login(),
        )
    if len(words) == 1:
        return LoginArgs(None, None, apikey=words[0])
    if not _LOGIN.match(words[0]):
        raise _not_a_login()
    return LoginArgs(None, words[0], password=words[1])


def linked_group(payload: str) -> int | None:
    """The group a login link's payload names (``-1001234567890``); None for anything that no
    link of the bot's holds: a group's id is negative, and no chat id reaches 2**53."""
    if not _GROUP_ID.match(payload):
        return None
    group_id = int(payload)
    return group_id if group_id > -MAX_ID else None
