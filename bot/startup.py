"""What stops the bot at start. Imports nothing heavy: the entry point names it before any
configuration error, which must come back at once."""

from __future__ import annotations


class StartupError(Exception):
    """The bot cannot start; the entry point prints the message as one line and exits 1.
    It still redacts it: an HTTP library's text may quote a Bot API URL, and the token is
    part of every one."""
