"""aiogram routers, one module per domain; :func:`routers` builds them in the order to include.

Each module's ``router()`` builds a fresh router, so that every dispatcher (tests and
benchmarks build several in one process) has its own.
"""

from __future__ import annotations

from aiogram import Router

from handlers import (
    account,
    blacklist,
    card,
    chat_events,
    common,
    contacts,
    downloads,
    errors,
    fallback,
    groups,
    invoices,
    login_dialog,
    mistyped_numbers,
    senders,
    stray_secrets,
    watch,
)
from handlers.commands import KNOWN_COMMANDS

__all__ = ["KNOWN_COMMANDS", "routers"]


def routers() -> list[Router]:
    return [
        # A secret where the login handler would not see it: deleted before anything reads it.
        stray_secrets.router(),
        # The login dialog's answers come next: a secret that starts with a slash is still one.
        login_dialog.router(),
        # What the bot is most used for, quick blacklist edits, first among the commands: an
        # update goes through the routers in turn until one takes it.
        blacklist.router(),
        account.router(),
        common.router(),
        contacts.router(),
        groups.router(),
        senders.router(),
        invoices.router(),
        downloads.router(),
        watch.router(),
        # A message that is just a number, a contact card, a forward: after every command.
        card.router(),
        # A number a digit short or long is said to be so, not taken for chatter.
        mistyped_numbers.router(),
        # Service messages are never commands: last, so commands do not pay for its filter.
        chat_events.router(),
        fallback.router(),
        # Only errors reach it (no router before it answers one): last, so that no update
        # passes through it on its way.
        errors.router(),
    ]
