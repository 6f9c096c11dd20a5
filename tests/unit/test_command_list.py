"""One source for the commands: the list in handlers/commands.py names exactly the commands the
routers answer to, so the menu, /help and the log's command names never drift from them."""

from __future__ import annotations

from aiogram import Router

from handlers import routers
from handlers.commands import COMMANDS, KNOWN_COMMANDS
from handlers.routing import commands_of


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
