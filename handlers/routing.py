"""A router-level filter: a domain router looks at a command only if the command is its own.

aiogram checks a router's own filters once, before its handlers; without this, every command
would be parsed again by every handler of every router in front of its own.
"""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message


class OwnCommands(Filter):
    def __init__(self, *names: str) -> None:
        self.names = frozenset(names)

    async def __call__(self, message: Message) -> bool:
        text = message.text or message.caption or ""
        if not text.startswith("/"):
            return True  # not a command: dialog answers and files are for the handlers to judge
        return (
            text[1:].split(maxsplit=1)[0].split("@")[0].lower() in self.names
            if len(text) > 1
            else True
        )

    def __str__(self) -> str:
        return f"OwnCommands({', '.join(sorted(self.names))})"
