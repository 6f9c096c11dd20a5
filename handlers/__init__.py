"""aiogram routers, one module per domain; :func:`routers` gives them in the order to include."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    from handlers import (
        account,
        blacklist,
        chat_events,
        common,
        contacts,
        downloads,
        errors,
        fallback,
        invoices,
        senders,
        watch,
    )

    return [
        errors.router,
        chat_events.router,
        account.router,
        common.router,
        contacts.router,
        blacklist.router,
        senders.router,
        invoices.router,
        downloads.router,
        watch.router,
        fallback.router,
    ]
