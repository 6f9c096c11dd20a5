"""How commands are matched: in any case, and each router only for its own commands; and
filters that never leave the event loop.

Phone keyboards capitalise (``/Login``): every command is registered through :func:`command`,
which ignores case. A domain router checks, once, whether a command is one of its own (worked
out from the ``Command`` filters registered on it, so a name is written once); without that,
every command would be parsed again by every handler of every router in front of its own.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command, Filter
from aiogram.types import Message, TelegramObject
from magic_filter import MagicFilter

from bot.command_text import command_of


class Magic(Filter):
    """``Magic(F.text)``: a magic filter awaited in the event loop. aiogram runs a filter that
    is not a coroutine, a bare ``F.text`` or a ``State`` included, in a worker thread: a
    thread hop for every message that reaches it (tests/unit/test_no_thread_hops.py)."""

    def __init__(self, rule: MagicFilter) -> None:
        self.rule = rule

    async def __call__(self, event: TelegramObject) -> Any:
        return self.rule.resolve(event)

    def __str__(self) -> str:
        return f"Magic({self.rule!r})"


def command(*names: str, **options: Any) -> Command:
    return Command(*names, ignore_case=True, **options)


def commands_of(router: Router) -> frozenset[str]:
    """The command names a router's message handlers answer to."""
    names: set[str] = set()
    for handler in router.message.handlers:
        for item in handler.filters or ():
            if isinstance(item.callback, Command):
                names.update(c for c in item.callback.commands if isinstance(c, str))
    return frozenset(names)


class OwnCommands(Filter):
    """A command router's door: its own commands, and while a dialog is open anything that is
    not a command (the answers its dialogs wait for). Every other handler of a command router
    is a dialog's, so a number sent for its card passes these routers by at the door."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        found = command_of(message.text or message.caption)
        if found is None:
            return raw_state is not None
        return found.name in self.names

    def __str__(self) -> str:
        return f"OwnCommands({', '.join(sorted(self.names))})"


def own_commands_only(router: Router) -> Router:
    """Call once its handlers are registered."""
    router.message.filter(OwnCommands(commands_of(router)))
    return router
