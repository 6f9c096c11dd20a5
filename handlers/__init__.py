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

    ordered = [
        errors.router,
        account.router,
        common.router,
        contacts.router,
        blacklist.router,
        senders.router,
        invoices.router,
        downloads.router,
        watch.router,
        # Service messages are never commands: last, so commands do not pay for its filter.
        chat_events.router,
        fallback.router,
    ]
    for router in ordered:
        _detach(router)
    return ordered


def _detach(router: Router) -> None:
    """Free a module-level router from an earlier dispatcher in this process.

    aiogram attaches a router to one parent for life; tests and benchmarks build the
    application more than once, and the old dispatcher is gone by then.
    """
    parent = router.parent_router
    if parent is not None:
        parent.sub_routers.remove(router)
        router._parent_router = None
