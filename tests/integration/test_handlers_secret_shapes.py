"""Credentials in the shapes that no login handler reads: without a slash in a group the bot
sees, with another key for the slash, edited in later, or after a command that reads no words.
Each is deleted first and answered "send /login"; ordinary talk is left alone.

Through the real dispatcher; the secret must then appear in no reply, log line, audit row,
database page or request to SMSC.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import BOT_USERNAME
from tests.integration.bot_harness import Harness, text_of
from tests.integration.test_handlers_stray_secrets import (
    GROUP,
    MEMBER,
    SECRET,
    USER,
    deleted,
    said,
    secret_is_nowhere,
)


@pytest.fixture
def log_text(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def sender(chat: int) -> int:
    return MEMBER if chat == GROUP else USER


WITHOUT_A_SLASH = [
    f"login {LOGIN} {SECRET}",
    f"Login {SECRET}",
    f"login:{LOGIN} {SECRET}",
    f"дщпшт {LOGIN} {SECRET}",  # login with the Russian layout on
    f"пароль {SECRET}",
    f".дщпшт {LOGIN} {SECRET}",  # the slash key gives a dot there
    f"\\login {LOGIN} {SECRET}",
    f".login {LOGIN} {SECRET}",
    f".логин {LOGIN} {SECRET}",
    f".loginQz{SECRET}",
]


@pytest.mark.parametrize("text", WITHOUT_A_SLASH)
@pytest.mark.parametrize("chat", [USER, GROUP])
async def test_a_login_without_its_slash_is_deleted_in_any_chat(
    harness: Harness, log_text: pytest.LogCaptureFixture, text: str, chat: int
) -> None:
    message_id, calls = await said(harness, chat, text, user=sender(chat))
    assert deleted(calls, chat, message_id)
    assert "Send /login" in text_of(calls)
    assert ("Never send a password or API key to a group" in text_of(calls)) == (chat == GROUP)
    assert harness.sandbox.requests == []
    await secret_is_nowhere(harness, SECRET, log_text)


AFTER_A_COMMAND = [
    f"/account {LOGIN} {SECRET}",
    f"/help {LOGIN} {SECRET}",
    f"/start {LOGIN} {SECRET}",
    f"/start {SECRET}",
    f"/cancel {SECRET}",
    f"/logout {LOGIN} {SECRET}",
    f"/account@{BOT_USERNAME} {LOGIN} {SECRET}",
    f"/balance {LOGIN} {SECRET}",  # /account under another name
    f"/connect {LOGIN} {SECRET}",
    f"/key {SECRET}",
    f"/подключить {LOGIN} {SECRET}",
    f"/підключити {LOGIN} {SECRET}",
    f"/ключ {SECRET}",
    f"/nosuch@{BOT_USERNAME} {LOGIN} {SECRET}",
]


@pytest.mark.parametrize("text", AFTER_A_COMMAND)
@pytest.mark.parametrize("chat", [USER, GROUP])
async def test_credentials_after_a_command_that_reads_none_are_deleted(
    harness: Harness, log_text: pytest.LogCaptureFixture, text: str, chat: int
) -> None:
    harness.telegram.admins[GROUP].add(MEMBER)  # /logout would otherwise be refused first
    message_id, calls = await said(harness, chat, text, user=sender(chat))
    assert deleted(calls, chat, message_id)
    assert "Send /login" in text_of(calls)
    assert "Disconnect" not in text_of(calls)  # and the command was not carried out
    assert harness.sandbox.requests == []
    await secret_is_nowhere(harness, SECRET, log_text)


async def test_an_unknown_command_with_credentials_in_a_private_chat_is_deleted(
    harness: Harness, log_text: pytest.LogCaptureFixture
) -> None:
    message_id, calls = await said(harness, USER, f"/nosuch {LOGIN} {SECRET}", user=USER)
    assert deleted(calls, USER, message_id)
    assert "Send /login" in text_of(calls)
    await secret_is_nowhere(harness, SECRET, log_text)


async def test_credentials_after_a_command_in_the_login_dialog_are_not_tried(
    harness: Harness, log_text: pytest.LogCaptureFixture
) -> None:
    await harness.say(USER, "/login")
    message_id, calls = await said(harness, USER, f"/help {LOGIN} {SECRET}", user=USER)
    assert deleted(calls, USER, message_id)
    assert "Commands" not in text_of(calls)
    assert harness.sandbox.requests == []
    await secret_is_nowhere(harness, SECRET, log_text)


@pytest.mark.parametrize(
    "text",
    [f"login {LOGIN} {SECRET}", f".дщпшт {LOGIN} {SECRET}", f"/account {LOGIN} {SECRET}"],
)
@pytest.mark.parametrize("chat", [USER, GROUP])
async def test_a_message_edited_into_credentials_is_deleted(
    harness: Harness, log_text: pytest.LogCaptureFixture, text: str, chat: int
) -> None:
    update = harness.telegram.edited_update(chat, sender(chat), text)
    calls = await harness.feed(update)
    assert deleted(calls, chat, update["edited_message"]["message_id"])
    assert "send /login again" in text_of(calls)
    assert harness.sandbox.requests == []
    await secret_is_nowhere(harness, SECRET, log_text)


# Ordinary talk in a group the bot sees whole, and commands with their own words.
LEFT_ALONE_IN_A_GROUP = [
    "login page is broken",
    "password is wrong",
    "Login page Broken",
    "passwords are hard",
    "pass the salt please",
    "key is under the mat",
    "connect the printer",
    "вход через главную",
    "пароль не подходит",
    "...login later",
    ". login later",
    "/weather@other_weather_bot Moscow 5",
    "/remind me 10m",  # another bot's command, addressed to no one
    "/help please",
    "/help me please",
    "/blacklist mail",
    "/watch downloads on",
]


@pytest.mark.parametrize("text", LEFT_ALONE_IN_A_GROUP)
async def test_ordinary_talk_in_a_group_is_left_alone(harness: Harness, text: str) -> None:
    message_id, calls = await said(harness, GROUP, text, user=MEMBER)
    assert not deleted(calls, GROUP, message_id)
    assert "Send /login" not in text_of(calls)


@pytest.mark.parametrize(
    "text",
    [
        "/help please",
        "/help me please",
        "/blok 79161234567 100",  # a slip of a command that takes words: "did you mean"
        f"/start login_{GROUP}x",
        "/contacts Ivan",
        "thanks, all good",
    ],
)
async def test_commands_with_their_own_words_in_a_private_chat_are_left_alone(
    harness: Harness, text: str
) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    message_id, calls = await said(harness, USER, text, user=USER)
    assert not deleted(calls, USER, message_id)
    assert "Send /login" not in text_of(calls)
