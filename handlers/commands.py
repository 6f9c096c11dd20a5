"""The commands, in the order the command menu shows them, with what /help says of each.

The one list of the bot's commands: the menu, /help and the names the bot recognises (and
logs) all come from here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.command_text import CommandText
from handlers.account_args import usage_login
from handlers.blacklist_args import usage_blacklist, usage_block, usage_unblock
from handlers.contacts_args import (
    usage_addcontact,
    usage_contacts,
    usage_delcontact,
    usage_editcontact,
    usage_movecontact,
)
from handlers.downloads_args import usage_download
from handlers.groups_args import usage_addgroup, usage_delgroup, usage_renamegroup
from handlers.invoices_args import usage_act, usage_getinvoice, usage_invoice
from handlers.lang_args import usage_lang
from handlers.layouts import readings
from handlers.senders_args import (
    usage_addsender,
    usage_checkcode,
    usage_delsender,
    usage_editsender,
    usage_sendcode,
    usage_senders,
)
from handlers.watch_args import usage_watch


class Domain(StrEnum):
    """What a command is about: /help groups the commands by it."""

    BLACKLIST = "blacklist"
    CONTACTS = "contacts"
    SENDERS = "senders"
    DOCUMENTS = "documents"
    EXPORTS = "exports"
    CHAT = "chat"


DOMAINS: tuple[tuple[Domain, object], ...] = (
    (Domain.BLACKLIST, __("🚫 Blacklist")),
    (Domain.CONTACTS, __("👥 Contacts and groups")),
    (Domain.SENDERS, __("✉️ Sender names")),
    (Domain.DOCUMENTS, __("🧾 Invoices and acts")),
    (Domain.EXPORTS, __("📦 Exports")),
    (Domain.CHAT, __("⚙️ This chat")),
)


def usage_help() -> str:
    return _("/help [command]")


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command as the menu, /help and /help <command> show it."""

    name: str
    description: object  # a lazy text: rendered in the language of the moment
    domain: Domain
    usage: Callable[[], str] | None = None
    # On /help's first screen; the rest is a button away.
    main: bool = False


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", __("what I can do"), Domain.CHAT, usage_help),
    CommandSpec(
        "login",
        __("connect this chat to an SMSC account"),
        Domain.CHAT,
        usage_login,
        main=True,
    ),
    CommandSpec("account", __("account, region and balance"), Domain.CHAT, main=True),
    CommandSpec(
        "contacts", __("contacts, with search"), Domain.CONTACTS, usage_contacts, main=True
    ),
    CommandSpec(
        "addcontact",
        __("add a phone or e-mail contact"),
        Domain.CONTACTS,
        usage_addcontact,
        main=True,
    ),
    CommandSpec(
        "editcontact",
        __("change a contact's name, details, groups or number"),
        Domain.CONTACTS,
        usage_editcontact,
    ),
    CommandSpec("delcontact", __("delete a contact"), Domain.CONTACTS, usage_delcontact),
    CommandSpec("groups", __("contact groups"), Domain.CONTACTS, main=True),
    CommandSpec("addgroup", __("create a group"), Domain.CONTACTS, usage_addgroup),
    CommandSpec("renamegroup", __("rename a group"), Domain.CONTACTS, usage_renamegroup),
    CommandSpec(
        "movecontact",
        __("move a contact between groups"),
        Domain.CONTACTS,
        usage_movecontact,
        main=True,
    ),
    CommandSpec("delgroup", __("delete a group"), Domain.CONTACTS, usage_delgroup),
    CommandSpec(
        "block",
        __("add a number or an e-mail address to the blacklist"),
        Domain.BLACKLIST,
        usage_block,
        main=True,
    ),
    CommandSpec(
        "unblock",
        __("remove a number or an e-mail address from the blacklist"),
        Domain.BLACKLIST,
        usage_unblock,
        main=True,
    ),
    CommandSpec("blacklist", __("the blacklist"), Domain.BLACKLIST, usage_blacklist, main=True),
    CommandSpec(
        "senders",
        __("sender names and operator statuses"),
        Domain.SENDERS,
        usage_senders,
        main=True,
    ),
    CommandSpec(
        "addsender", __("register a sender name"), Domain.SENDERS, usage_addsender, main=True
    ),
    CommandSpec(
        "editsender",
        __("change a sender name's comment or document"),
        Domain.SENDERS,
        usage_editsender,
    ),
    CommandSpec("delsender", __("delete a sender name"), Domain.SENDERS, usage_delsender),
    CommandSpec(
        "sendcode",
        __("send a code to confirm a digital sender name"),
        Domain.SENDERS,
        usage_sendcode,
    ),
    CommandSpec(
        "checkcode",
        __("confirm a digital sender name with its code"),
        Domain.SENDERS,
        usage_checkcode,
    ),
    CommandSpec(
        "invoice",
        __("create an invoice for a sub-client"),
        Domain.DOCUMENTS,
        usage_invoice,
        main=True,
    ),
    CommandSpec(
        "getinvoice",
        __("get a sub-client's invoice"),
        Domain.DOCUMENTS,
        usage_getinvoice,
        main=True,
    ),
    CommandSpec("act", __("get a sub-client's act"), Domain.DOCUMENTS, usage_act, main=True),
    CommandSpec("downloads", __("exports of sent messages"), Domain.EXPORTS, main=True),
    CommandSpec(
        "download",
        __("get an export as a CSV file"),
        Domain.EXPORTS,
        usage_download,
        main=True,
    ),
    CommandSpec(
        "watch",
        __("notifications about exports and sender names"),
        Domain.EXPORTS,
        usage_watch,
        main=True,
    ),
    CommandSpec("lang", __("change the language"), Domain.CHAT, usage_lang, main=True),
    CommandSpec("logout", __("disconnect this chat from SMSC"), Domain.CHAT),
    CommandSpec("cancel", __("leave the current dialog"), Domain.CHAT),
)
_BY_NAME = {command.name: command for command in COMMANDS}


def command_named(name: str) -> CommandSpec | None:
    return _BY_NAME.get(name)


# Every command the bot answers to, /start included: the only words after a slash it ever logs.
KNOWN_COMMANDS = frozenset({"start", *_BY_NAME})

# Commands that read nothing after their name (/start reads only its login link): words after
# one were meant for something else, perhaps /login. /groups and /downloads are left out: a list
# may well learn to take a filter.
TAKE_NO_ARGUMENTS = frozenset({"start", "help", "account", "logout", "cancel"})

# Names people try for the keys of the usual actions (/start shows them), and for settings
# (here /lang and /watch), in the bot's three languages.
MENU_WORDS = frozenset({"menu", "mainmenu", "main", "home", "меню", "главная", "головна"})
SETTINGS_WORDS = frozenset(
    {
        "settings",
        "setting",
        "config",
        "preferences",
        "options",
        "setup",
        "настройки",
        "налаштування",
    }
)

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

_NAMES = tuple(_BY_NAME)
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
