"""How a message's first word is read as a command, and which command a slip meant."""

from __future__ import annotations

import pytest

from bot.command_text import CommandText, command_of
from handlers.commands import COMMANDS, carries_login_secret, means_login, suggestion
from handlers.layouts import readings


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
    for name in (each.name for each in COMMANDS):
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
    assert all(
        means_login(name)
        for name in ("login", "logn", "lgoin", "loign", "logins", "логин", "дщпшт", "auth")
    )
    assert not any(means_login(name) for name in ("logout", "logut", "lang", "block", ""))


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("идщсл", "block"),  # /block with the Russian layout on
        ("рудз", "help"),
        ("дщпшт", "login"),
        ("kjuby", "login"),  # /логин with the Latin layout on
        ("логін", "login"),
        ("вхід", "login"),
        ("пароль", "login"),
        ("gfhjkm", "login"),
        ("password", "login"),
        ("apikey", "login"),
    ],
)
def test_suggestion_on_another_layout_or_under_another_name(typed: str, meant: str) -> None:
    assert suggestion(typed) == meant


def test_layout_readings() -> None:
    assert readings("Дщпшт") == ("дщпшт", "login")
    assert "вхід" in readings("d[sl")  # Ukrainian: і is on the key of s
    assert readings("") == ("",)


@pytest.mark.parametrize(
    "text",
    [
        "/logindemo P",
        "/login:demo P",
        "/login_demo P",
        "/login.demo P",
        "/login,demo P",
        "/loginP@ss",
        "/login@P4ss",
        "/logn_demo P",
        "/логин demo P",
        "/вход demo P",
        "/пароль P",
        "/password P",
        "/pass P",
        "/apikey P",
        "/auth demo P",
        "/дщпшт demo P",
        "/дщпштdemo",
        "/логін demo P",
        "/вхід demo P",
        "/login demo P",
        "/login@smsc_test_bot demo P",
    ],
)
def test_every_shape_of_login_with_a_secret_carries_it(text: str) -> None:
    found = command_of(text)
    assert found is not None
    assert carries_login_secret(found)


@pytest.mark.parametrize(
    "text",
    [
        "/login",
        "/login@smsc_test_bot",
        "/logout now",
        "/logut demo",
        "/blok demo P",
        "/lang ru",
        "/входящие 1",  # begins with "вход", and is a word of its own
        "/help@x",
    ],
)
def test_what_is_not_a_login_with_a_secret(text: str) -> None:
    found = command_of(text)
    assert found is not None
    assert not carries_login_secret(found)
