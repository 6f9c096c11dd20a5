"""Text that may carry credentials without being /login as its handler reads it.

:mod:`handlers.commands` reads /login in another form (misspelt, glued to its words, under
another name, on the wrong layout). Here the rest, each a way a secret stays in a chat:

- a stand-in for the slash (``.дщпшт demo P``, ``\\login demo P``): see
  :func:`bot.command_text.stand_in_command`;
- no slash at all (``login demo P``);
- a command that reads no words, or one the bot does not know, with credentials after it
  (``/account demo P``, ``/start demo P``, ``/nosuch demo P``).

The bot deletes what these match, so in a group, where it may see every message (as an
administrator, or with privacy mode off), ordinary talk must not match: there, and after
commands, the last word must not read as a word of a sentence (:func:`ordinary_word`).
"""

from __future__ import annotations

import re

from bot.command_text import CommandText, stand_in_command
from handlers.commands import (
    KNOWN_COMMANDS,
    TAKE_NO_ARGUMENTS,
    carries_login_secret,
    glued_login,
    means_login,
    names_a_bot,
    suggestion,
)
from handlers.layouts import readings

# What a login looks like (as the parser reads it); a password may be anything.
_LOGIN_WORD = re.compile(r"^[A-Za-z0-9_.@+-]{1,64}$")
# Shorter single words are chat ("ok", "hi"), not an API key or a password.
_SHORTEST_SECRET = 4
# Words that mean login even without a slash, in a group: none of them begins ordinary talk
# ("pass", "key" and "вход" do).
_LOGIN_WORDS = ("login", "логин", "логін", "password", "passwd", "пароль", "apikey")
# What may glue a login word to what follows (``login:demo``).
_GLUE = ":_.,=-"
# /start's own argument: the link to log a group in (handlers.secret_messages.DEEP_LINK_PREFIX).
_LOGIN_LINK = "login_"


def credentials_shaped(text: str) -> bool:
    """An API key, or a login and a password: one word, or two of which the first could be a
    login; neither a command's name."""
    words = text.split()
    if not 1 <= len(words) <= 2 or words[0].casefold() in KNOWN_COMMANDS:
        return False
    if len(words) == 1:
        return len(words[0]) >= _SHORTEST_SECRET
    return _LOGIN_WORD.match(words[0]) is not None


def ordinary_word(word: str) -> bool:
    """Letters only, all small or one capital first: a word of a sentence ("wrong", "Please"),
    not a password or a key ("S3cret", "P", "qW")."""
    return word.isalpha() and (word.islower() or (len(word) > 1 and word.istitle()))


def secret_like(text: str) -> bool:
    """Credentials-shaped, and the last word is no word of a sentence."""
    return credentials_shaped(text) and not ordinary_word(text.split()[-1])


def stand_in_login(text: str) -> bool:
    """/login in any form, typed with a stand-in for its slash, with something after it."""
    found = stand_in_command(text)
    return found is not None and carries_login_secret(found)


def plain_login(text: str, *, in_group: bool) -> bool:
    """``login demo P`` without a slash: a login word and one word (an API key) or two, or a
    login word with them glued on.

    In a private chat any slip of /login counts (the chat is with the bot: nothing there is
    ordinary talk). In a group only the login words themselves, and only before credentials
    that do not read as a sentence ("login page is broken" stays)."""
    words = text.split()
    if not words:
        return False
    first = words[0].casefold()
    if not in_group:
        return (2 <= len(words) <= 3 and means_login(first)) or (
            len(words) <= 3 and glued_login(first)
        )
    tail = _after_login_word(words[0])
    if tail is None:
        return False
    return secret_like(" ".join([tail, *words[1:]]))


def _after_login_word(word: str) -> str | None:
    """What follows a login word at the start of ``word`` (glue dropped), on any layout; None
    when ``word`` does not start with one."""
    for reading in readings(word):
        for login in _LOGIN_WORDS:
            if reading.startswith(login) and len(reading) == len(word):
                # The layouts map key for key: the tail keeps the case it was typed in.
                return word[len(login) :].lstrip(_GLUE)
    return None


def credentials_after(found: CommandText, *, in_group: bool, ours: str) -> bool:
    """A command that reads no words, or one the bot does not know, followed by one or two
    words shaped like credentials: /login was meant, or the secret went to the wrong place.

    A command the bot knows that takes words, and its slips (``/blok 7916… 100``), read their
    own. In a group, a command named for another bot, and an unknown one not named for this
    bot, are someone else's. ``ours`` (this bot's username, case-folded) is read only there."""
    if not found.args:
        return False
    named_for_us = bool(found.mention) and found.mention == ours
    if in_group and found.mention and not named_for_us and names_a_bot(found.mention):
        return False
    meant = suggestion(found.name)
    if meant is None:
        if in_group and not named_for_us:
            return False
    elif meant not in TAKE_NO_ARGUMENTS:
        return False
    if meant == "start" and found.args.casefold().startswith(_LOGIN_LINK):
        return False
    if meant == "help" and _names_a_command(found.args):
        return False  # /help block: the help of one command
    return secret_like(found.args)


def _names_a_command(args: str) -> bool:
    words = args.split()
    if len(words) != 1:
        return False
    name = words[0].lstrip("/").split("@", 1)[0].casefold()
    return suggestion(name) is not None
