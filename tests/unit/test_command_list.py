"""One source for the commands: the list in handlers/commands.py names exactly the commands the
routers answer to, so the menu, /help and the log's command names never drift from them."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart, StateFilter

from handlers import routers
from handlers.commands import COMMANDS, KNOWN_COMMANDS
from handlers.routing import OwnCommands, commands_of


def answered(router: Router) -> set[str]:
    names = set(commands_of(router))
    for child in router.sub_routers:
        names |= answered(child)
    return names


def test_the_command_list_is_what_the_routers_answer() -> None:
    registered: set[str] = set()
    for router in routers():
        registered |= answered(router)
    listed = {spec.name for spec in COMMANDS}
    assert registered == KNOWN_COMMANDS
    assert listed | {"start"} == KNOWN_COMMANDS


def test_a_command_routers_other_handlers_all_wait_for_a_dialog() -> None:
    """A command router lets in what is not a command only while a dialog is open
    (:class:`OwnCommands`): that holds as long as each of its handlers is a command's or a
    dialog's."""
    doors = 0
    for router in routers():
        if not any(
            isinstance(f.callback, OwnCommands) for f in router.message._handler.filters or ()
        ):
            continue
        doors += 1
        for handler in router.message.handlers:
            kinds = {type(f.callback) for f in handler.filters or ()}
            assert kinds & {Command, CommandStart, StateFilter}, (router.name, handler.callback)
            for item in handler.filters or ():
                if isinstance(item.callback, StateFilter):
                    assert None not in item.callback.states, (router.name, handler.callback)
    assert doors >= 8  # every command router has one
