"""Every filter and handler the bot registers is awaited in the event loop.

aiogram runs a filter or handler that is not a coroutine in a worker thread
(``asyncio.to_thread``): a bare ``F.text`` or a ``State`` used as a filter costs a thread hop
for every message that reaches it. One in front of the domain routers was most of what a
command cost the bot beyond aiogram itself (bench/command_overhead.py).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.dispatcher.event.handler import CallableObject

from handlers import routers


def observed(router: Router) -> list[tuple[str, CallableObject]]:
    found: list[tuple[str, CallableObject]] = []
    for name, observer in router.observers.items():
        found += [(f"{router.name}.{name} filter", f) for f in observer._handler.filters or ()]
        for handler in observer.handlers:
            found.append((f"{router.name}.{name} handler {handler.callback.__name__}", handler))
            found += [
                (f"{router.name}.{name} {handler.callback.__name__}", f)
                for f in handler.filters or ()
            ]
    for child in router.sub_routers:
        found += observed(child)
    return found


def test_every_filter_and_handler_is_a_coroutine() -> None:
    everything = [item for router in routers() for item in observed(router)]
    assert len(everything) > 100  # the walk reaches the handlers
    in_threads = sorted(
        f"{where}: {item.callback!r}" for where, item in everything if not item.awaitable
    )
    assert in_threads == []
