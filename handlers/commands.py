"""The commands, in the order /help and the command menu show them."""

from __future__ import annotations

import difflib
import re

from aiogram.utils.i18n import lazy_gettext as __

from bot.command_text import CommandText
from bot.layouts import readings

COMMANDS: tuple[tuple[str, object], ...] = (
    ("help", __("what I can do")),
    ("login", __("connect this chat to an SMSC account")),
    ("account", __("account, region and balance")),
    ("contacts", __("contacts, with search")),
    ("addcontact", __("add a phone or e-mail contact")),
    ("editcontact", __("change a contact's name, details, groups or number")),
    ("delcontact", __("delete a contact")),
    ("groups", __("contact groups")),
    ("addgroup", __("create a group")),
    ("renamegroup", __("rename a group")),
    ("movecontact", __("move a contact between groups")),
    ("delgroup", __("delete a group")),
    ("block", __("add a number or an e-mail address to the blacklist")),
    ("unblock", __("remove a number or an e-mail address from the blacklist")),
    ("blacklist", __("the blacklist")),
    ("senders", __("sender names and operator statuses")),
    ("addsender", __("register a sender name")),
    ("editsender", __("change a sender name's comment or document")),
    ("delsender", __("delete a sender name")),
    ("sendcode", __("send a code to confirm a digital sender name")),
    ("checkcode", __("confirm a digital sender name with its code")),
    ("invoice", __("create an invoice for a sub-client")),
    ("getinvoice", __("get a sub-client's invoice")),
    ("act", __("get a sub-client's act")),
    ("downloads", __("exports of sent messages")),
    ("download", __("get an export as a CSV file")),
    ("watch", __("notifications about exports and sender names")),
    ("lang", __("change the language")),
    ("logout", __("disconnect this chat from SMSC")),
    ("cancel", __("leave the current dialog")),
)

# Every command the bot answers to, /start included: the only words after a slash it ever logs.
KNOWN_COMMANDS = frozenset({"start", *(name for name, _ in COMMANDS)})

# Commands that read nothing after their name (/start reads only its login link): words after
# one were meant for something else, perhaps /login. /groups and /downloads are left out: a list
# may well learn to take a filter.
TAKE_NO_ARGUMENTS = frozenset({"start", "help", "account", "logout", "cancel"})

# Words people reach for that are another command's here.
SYNONYMS = {
    "balance": "account",
    "whoami": "account",
    "signin": "login",
    "logon": "login",
    "auth": "login",
    "password": "login",
    "passwd": "login",
    "pass": "login",
    "pwd": "login",
    "psw": "login",
    "apikey": "login",
    "api": "login",
    "token": "login",
    "логин": "login",
    "логін": "login",
    "вход": "login",
    "вхід": "login",
    "войти": "login",
    "увійти": "login",
    "пароль": "login",
    "ключ": "login",
    "key": "login",
    "connect": "login",
    "подключить": "login",
    "подключиться": "login",
    "підключити": "login",
    "підключитися": "login",
    "авторизация": "login",
    "авторизація": "login",
    "signout": "logout",
    "logoff": "logout",
    "commands": "help",
    "menu": "help",
    "language": "lang",
    "ban": "block",
    "unban": "unblock",
    "blocklist": "blacklist",
    "export": "download",
    "exports": "downloads",
}

_NAMES = tuple(name for name, _ in COMMANDS)
_SPELLINGS = _NAMES + tuple(SYNONYMS)

# Words that, with anything glued on after them, are a login with its secret: /logindemo,
# /loginP@ss. Only these: "pass" or "вход" begin ordinary words too (passport, входящие).
_GLUED_LOGIN = ("login", "логин", "логін", "password", "passwd", "пароль", "apikey")
_LEADING_LETTERS = re.compile(r"[^\W\d_]+")
# Telegram's rule for a bot's username: 5 to 32 characters of a-z, 0-9 and _, ending in "bot".
_BOT_USERNAME = re.compile(r"[a-z0-9_]{2,29}bot")


def _spelling(name: str) -> str | None:
    if name in KNOWN_COMMANDS:
        return name
    if name in SYNONYMS:
        return SYNONYMS[name]
    close = difflib.get_close_matches(name, _SPELLINGS, n=1, cutoff=0.75)
    return SYNONYMS.get(close[0], close[0]) if close else None


def suggestion(name: str) -> str | None:
    """The command someone who typed ``name`` most likely meant: a synonym, or the closest
    spelling (``blok`` is ``block``), on any keyboard layout (``идщсл`` is ``block``); None
    when nothing is close."""
    for reading in readings(name):
        if (meant := _spelling(reading)) is not None:
            return meant
    return None


def means_login(name: str) -> bool:
    """``name`` is /login, misspelt, translated or on the wrong layout: words after it are
    probably credentials."""
    return suggestion(name) == "login"


def glued_login(word: str) -> bool:
    """``word`` is a login word with something glued on: ``logindemo``, ``login:demo``,
    ``logn_demo``, ``дщпштdemo``. What is glued on may be the secret."""
    for reading in readings(word):
        if any(reading.startswith(w) and reading != w for w in _GLUED_LOGIN):
            return True
        letters = _LEADING_LETTERS.match(reading)
        if letters and letters.end() < len(reading) and means_login(letters.group()):
            return True
    return False


def carries_login_secret(found: CommandText) -> bool:
    """A login command, in any form, with something after it that may be a secret: words, a
    glued tail (``/loginP@ss``), or an ``@`` that names no bot (``/login@P4ss``)."""
    if glued_login(found.name):
        return True
    if not means_login(found.name):
        return False
    return bool(found.args) or (bool(found.mention) and not names_a_bot(found.mention))


def names_a_bot(mention: str) -> bool:
    """``mention`` (after the ``@``, case-folded) could be a bot's username."""
    return _BOT_USERNAME.fullmatch(mention) is not None
