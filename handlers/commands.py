"""The commands, in the order /help and the command menu show them."""

from __future__ import annotations

import difflib

from aiogram.utils.i18n import lazy_gettext as __

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

# Words people reach for that are another command's here.
SYNONYMS = {
    "balance": "account",
    "whoami": "account",
    "signin": "login",
    "logon": "login",
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


def suggestion(name: str) -> str | None:
    """The command someone who typed ``name`` most likely meant: a synonym, or the closest
    spelling (``blok`` is ``block``); None when nothing is close."""
    if name in KNOWN_COMMANDS:
        return name
    if name in SYNONYMS:
        return SYNONYMS[name]
    close = difflib.get_close_matches(name, _NAMES, n=1, cutoff=0.75)
    return close[0] if close else None


def means_login(name: str) -> bool:
    """``name`` is /login, misspelt or not: words after it are probably credentials."""
    return suggestion(name) == "login"
