"""What every argument parser raises: a problem, and the command's right form."""

from __future__ import annotations

from bot.display import plain


class ArgumentError(ValueError):
    """A command's arguments are wrong; ``usage`` shows the right form."""

    def __init__(self, problem: str, usage: str) -> None:
        self.problem = problem
        self.usage = usage
        super().__init__(problem)


def clip(value: str, limit: int = 40) -> str:
    """A typed value short enough to quote back in one line, without bidirectional controls."""
    value = plain(value).replace("\n", " ")
    return value if len(value) <= limit else value[: limit - 1] + "…"
