"""How a message's first word is read as a command, and which command a slip meant."""

from __future__ import annotations

import pytest

from bot.command_text import CommandText, command_of
from handlers.commands import COMMANDS, means_login, suggestion


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/block 79161234567", CommandText("block", "", "79161234567")),
        ("/Login@SMSC_Bot a b", CommandText("login", "smsc_bot", "a b")),
        ("/ login a b", CommandText("login", "", "a b")),
        ("/\u3000\u00a0Login\u00a0a\u3000b", CommandText("login", "", "a\u3000b")),
        ("/", CommandText("", "", "")),
        ("/ ", CommandText("", "", "")),
        ("/@", CommandText("", "", "")),
        ("hello /login", None),
        ("", None),
        (None, None),
    ],
)
def test_command_of(text: str | None, expected: CommandText | None) -> None:
    assert command_of(text) == expected


def test_every_command_suggests_itself() -> None:
    for name, _ in COMMANDS:
        assert suggestion(name) == name


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("blok", "block"),
        ("unblok", "unblock"),
        ("contact", "contacts"),
        ("downlod", "download"),
        ("logut", "logout"),
        ("logn", "login"),
        ("balance", "account"),
        ("frobnicate", None),
        ("", None),
    ],
)
def test_suggestion(typed: str, meant: str | None) -> None:
    assert suggestion(typed) == meant


def test_only_login_and_its_slips_mean_login() -> None:
    assert all(means_login(name) for name in ("login", "logn", "lgoin", "loign", "logins"))
    assert not any(means_login(name) for name in ("logout", "logut", "lang", "block", ""))
