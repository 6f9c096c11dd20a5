"""Secrets sent where the login handler never saw them: in another form of /login, after the
dialog closed or the bot restarted, in reply to the bot's login prompt in a group, or shaped
like one of the bot's commands inside the dialog.

Each is fed through the real dispatcher; each must be deleted (deleteMessage for that very
message, before the bot says anything), answered with "send /login" (or read as the dialog's
secret, where it is one), and appear in no reply, log line, audit row, database page or request
to SMSC.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import SandboxServer
from storage import generate_key
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import BOT_USERNAME, Call, FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, sent, text_of

USER = 7501
GROUP = -1007501
ADMIN, MEMBER = 7511, 7512
SECRET = "S3cr3t!Pass#word"
PHOTO = [{"file_id": "p1", "file_unique_id": "p1", "width": 10, "height": 10}]
DOCUMENT = {
    "file_id": "d1",
    "file_unique_id": "d1",
    "file_name": "contacts.pdf",
    "mime_type": "application/pdf",
    "file_size": 10,
}


@pytest.fixture
def log_text(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def database_bytes(harness: Harness) -> bytes:
    path = Path(harness.app.storage.database.name)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def deleted(calls: list[Call], chat_id: int, message_id: int) -> bool:
    return any(
        c.method == "deleteMessage"
        and c.chat_id == chat_id
        and int(c.params["message_id"]) == message_id
        for c in calls
    )


def deleted_first(calls: list[Call], chat_id: int, message_id: int) -> bool:
    """The message was deleted before the bot sent or showed anything: the secret was in
    sight no longer than it takes to delete it."""
    for call in calls:
        if deleted([call], chat_id, message_id):
            return True
        if call.method.startswith(("send", "edit", "answer")):
            return False
    return False


async def said(
    harness: Harness, chat: int, text: str | None, *, user: int, **extra: Any
) -> tuple[int, list[Call]]:
    """Sends a message; its id, and what the bot did."""
    update = harness.telegram.message_update(chat, user, text, **extra)
    return update["message"]["message_id"], await harness.feed(update)


async def secret_is_nowhere(
    harness: Harness, secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.app.storage.audit.flush()
    assert secret not in text_of(harness.telegram.calls)
    for each in (secret, secret.casefold()):
        assert each not in caplog.text
        assert each.encode() not in database_bytes(harness)
    for request in harness.sandbox.requests:
        assert secret not in " ".join([request.login or "", *request.params.values()])
    for chat in (USER, GROUP, ADMIN, MEMBER):
        for entry in await harness.app.storage.audit.recent(chat, limit=100):
            assert secret not in f"{entry.target} {entry.result} {entry.action}"


# (what is typed, the secret in it)
LOGIN_IN_ANOTHER_FORM = [
    (f"/login{LOGIN} {SECRET}", SECRET),
    (f"/login:{LOGIN} {SECRET}", SECRET),
    (f"/login_{LOGIN} {SECRET}", SECRET),
    (f"/login.{LOGIN} {SECRET}", SECRET),
    (f"/login,{LOGIN} {SECRET}", SECRET),
    ("/loginQz@S3cret-9", "Qz@S3cret-9"),
    ("/login@Qz4S3cret", "Qz4S3cret"),  # an @ that names no bot
    (f"/логин {LOGIN} {SECRET}", SECRET),
    (f"/Вход {LOGIN} {SECRET}", SECRET),
    (f"/пароль {SECRET}", SECRET),
    (f"/password {SECRET}", SECRET),
    (f"/pass {SECRET}", SECRET),
    (f"/apikey {SECRET}", SECRET),
    (f"/auth {LOGIN} {SECRET}", SECRET),
    (f"/дщпшт {LOGIN} {SECRET}", SECRET),  # /login with the Russian layout on
    (f"/kjuby {LOGIN} {SECRET}", SECRET),  # /логин with the Latin layout on
    (f"/логін {LOGIN} {SECRET}", SECRET),
    (f"/вхід {LOGIN} {SECRET}", SECRET),
    (f"/gfhjkm {SECRET}", SECRET),  # /пароль with the Latin layout on
]


@pytest.mark.parametrize(("text", "secret"), LOGIN_IN_ANOTHER_FORM)
@pytest.mark.parametrize("chat", [USER, GROUP])
async def test_login_in_another_form_is_deleted_and_answered_send_login(
    harness: Harness, log_text: pytest.LogCaptureFixture, text: str, secret: str, chat: int
) -> None:
    message_id, calls = await said(harness, chat, text, user=MEMBER if chat == GROUP else USER)
    assert deleted_first(calls, chat, message_id)
    assert "Send /login" in text_of(calls)
    assert ("Never send a password or API key to a group" in text_of(calls)) == (chat == GROUP)
    assert harness.sandbox.requests == []
    assert await harness.app.storage.credentials.get(chat) is None
    await secret_is_nowhere(harness, secret, log_text)


@pytest.mark.parametrize("text", [f"/logindemo {SECRET}", f"/пароль {SECRET}"])
async def test_login_in_another_form_inside_the_dialog_is_not_tried(
    harness: Harness, log_text: pytest.LogCaptureFixture, text: str
) -> None:
    await harness.say(USER, "/login")
    message_id, calls = await said(harness, USER, text, user=USER)
    assert deleted_first(calls, USER, message_id)
    assert "Send /login" in text_of(calls)
    assert harness.sandbox.requests == []
    await secret_is_nowhere(harness, SECRET, log_text)


@pytest.mark.parametrize(
    ("chat", "caption"),
    [
        (USER, f"/logn {LOGIN} {SECRET}"),
        (GROUP, f"/logn {LOGIN} {SECRET}"),
        (USER, f"login {LOGIN} {SECRET}"),
        (GROUP, f"login {LOGIN} {SECRET}"),
        (USER, f"/пароль {SECRET}"),
    ],
)
@pytest.mark.parametrize("attached", ["photo", "document"])
async def test_a_login_in_a_caption_outside_the_dialog_is_deleted(
    harness: Harness, log_text: pytest.LogCaptureFixture, chat: int, caption: str, attached: str
) -> None:
    user = MEMBER if chat == GROUP else USER
    media: dict[str, Any] = {"photo": PHOTO} if attached == "photo" else {"document": DOCUMENT}
    message_id, calls = await said(harness, chat, None, user=user, caption=caption, **media)
    assert deleted_first(calls, chat, message_id)
    assert "Send /login" in text_of(calls)
    assert harness.sandbox.requests == []
    await secret_is_nowhere(harness, SECRET, log_text)


async def test_a_secret_sent_after_a_failed_try_is_deleted_and_not_tried(
    harness: Harness, log_text: pytest.LogCaptureFixture
) -> None:
    await harness.say(USER, "/login")
    calls = await harness.say(USER, f"{LOGIN} wrong-one")
    assert "rejected these credentials" in text_of(calls)
    tried = len(harness.sandbox.requests)
    message_id, calls = await said(harness, USER, f"{LOGIN} {SECRET}", user=USER)
    assert deleted_first(calls, USER, message_id)
    assert "Send /login" in text_of(calls)
    assert len(harness.sandbox.requests) == tried
    await secret_is_nowhere(harness, SECRET, log_text)


@pytest.mark.parametrize("text", [SECRET, f"{LOGIN} {SECRET}"])
async def test_after_cancel_an_api_key_or_a_login_and_password_is_deleted(
    harness: Harness, log_text: pytest.LogCaptureFixture, text: str
) -> None:
    await harness.say(USER, "/login")
    await harness.say(USER, "/cancel")
    message_id, calls = await said(harness, USER, text, user=USER)
    assert deleted_first(calls, USER, message_id)
    assert "Send /login" in text_of(calls)
    assert harness.sandbox.requests == []
    await secret_is_nowhere(harness, SECRET, log_text)


async def test_the_window_closes_ten_minutes_after_the_dialog_opened(harness: Harness) -> None:
    await harness.say(USER, "/login")
    await harness.say(USER, "/cancel")
    # The same dialog, as if opened ten minutes and a second ago.
    traces = harness.app.storage.login_traces
    await traces.dialog_opened(USER, USER, USER, at=time.time() - 10 * 60 - 1)
    message_id, calls = await said(harness, USER, f"{LOGIN} {SECRET}", user=USER)
    assert not deleted(calls, USER, message_id)
    assert "I work with commands" in text_of(calls)


async def test_after_a_successful_login_ordinary_words_are_left_alone(harness: Harness) -> None:
    await harness.say(USER, "/login")
    assert "Logged in" in text_of(await harness.say(USER, f"{LOGIN} {PASSWORD}"))
    for text in ("thanks bot", "great"):
        message_id, calls = await said(harness, USER, text, user=USER)
        assert not deleted(calls, USER, message_id), text


async def test_other_people_and_other_chats_are_not_affected(harness: Harness) -> None:
    await harness.say(USER, "/login")
    await harness.say(USER, "/cancel")
    message_id, calls = await said(harness, ADMIN, f"{LOGIN} {SECRET}", user=ADMIN)
    assert not deleted(calls, ADMIN, message_id)


async def restart(telegram: FakeTelegram, sandbox: SandboxServer, path: Path, key: str) -> Harness:
    return await open_harness(telegram, sandbox, path, encryption_keys=key)


async def test_the_login_dialog_survives_a_restart(
    telegram: FakeTelegram,
    sandbox: SandboxServer,
    tmp_path: Path,
    log_text: pytest.LogCaptureFixture,
) -> None:
    key = generate_key()
    before = await restart(telegram, sandbox, tmp_path, key)
    try:
        assert "Send the API key" in text_of(await before.say(USER, "/login"))
    finally:
        await close_harness(before)
    after = await restart(telegram, sandbox, tmp_path, key)
    try:
        message_id, calls = await said(after, USER, f"{LOGIN} {PASSWORD}", user=USER)
        assert deleted_first(calls, USER, message_id)
        assert "Logged in to SMSC as demo" in text_of(calls)
        stored = await after.app.storage.credentials.get(USER)
        assert stored is not None
        assert stored.secret == PASSWORD
        assert PASSWORD.encode() not in database_bytes(after)
        assert PASSWORD not in log_text.text
    finally:
        await close_harness(after)


async def test_a_cancelled_dialog_still_catches_its_secret_after_a_restart(
    telegram: FakeTelegram,
    sandbox: SandboxServer,
    tmp_path: Path,
    log_text: pytest.LogCaptureFixture,
) -> None:
    key = generate_key()
    before = await restart(telegram, sandbox, tmp_path, key)
    try:
        await before.say(USER, "/login")
        await before.say(USER, "/cancel")
    finally:
        await close_harness(before)
    after = await restart(telegram, sandbox, tmp_path, key)
    try:
        message_id, calls = await said(after, USER, f"{LOGIN} {SECRET}", user=USER)
        assert deleted_first(calls, USER, message_id)
        assert "Send /login" in text_of(calls)
        assert sandbox.requests == []
        await secret_is_nowhere(after, SECRET, log_text)
    finally:
        await close_harness(after)


async def group_prompt(harness: Harness, user: int, language: str = "en") -> Call:
    calls = await harness.say(GROUP, f"/login@{BOT_USERNAME}", user_id=user, language=language)
    return sent(calls)[-1]


@pytest.mark.parametrize("asker", [ADMIN, MEMBER])
async def test_a_reply_to_the_login_prompt_in_a_group_is_deleted(
    harness: Harness, log_text: pytest.LogCaptureFixture, asker: int
) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    prompt = await group_prompt(harness, asker)
    message_id, calls = await said(
        harness, GROUP, f"{LOGIN} {SECRET}", user=asker, reply_to_message=prompt.result
    )
    assert deleted_first(calls, GROUP, message_id)
    reply = sent(calls)[-1]
    assert "Never send a password or API key to a group" in reply.text
    assert "private chat" in reply.text
    assert reply.button("private")["url"].endswith(f"start=login_{GROUP}")
    assert harness.sandbox.requests == []
    await secret_is_nowhere(harness, SECRET, log_text)
    # And a reply to that answer, in turn.
    message_id, calls = await said(
        harness, GROUP, SECRET, user=asker, reply_to_message=reply.result
    )
    assert deleted_first(calls, GROUP, message_id)


async def test_a_reply_to_a_prompt_sent_in_another_language_before_a_restart_is_deleted(
    telegram: FakeTelegram,
    sandbox: SandboxServer,
    tmp_path: Path,
    log_text: pytest.LogCaptureFixture,
) -> None:
    key = generate_key()
    before = await restart(telegram, sandbox, tmp_path, key)
    try:
        prompt = await group_prompt(before, MEMBER, language="uk")
        assert "For safety" not in prompt.text
    finally:
        await close_harness(before)
    after = await restart(telegram, sandbox, tmp_path, key)
    try:
        message_id, calls = await said(
            after, GROUP, f"{LOGIN} {SECRET}", user=ADMIN, reply_to_message=prompt.result
        )
        assert deleted_first(calls, GROUP, message_id)
        assert "Never send a password or API key to a group" in text_of(calls)
        await secret_is_nowhere(after, SECRET, log_text)
    finally:
        await close_harness(after)


async def test_a_reply_to_another_message_of_the_bot_is_not_taken_for_a_secret(
    harness: Harness,
) -> None:
    help_message = sent(await harness.say(GROUP, f"/help@{BOT_USERNAME}", user_id=MEMBER))[-1]
    message_id, calls = await said(
        harness, GROUP, "79161234567", user=MEMBER, reply_to_message=help_message.result
    )
    assert not deleted(calls, GROUP, message_id)


@pytest.mark.parametrize("secret", ["/help@x", "/cancel@k3y-0123", "/account@Pa55"])
async def test_a_secret_shaped_like_a_command_for_another_name_is_the_secret(
    harness: Harness, log_text: pytest.LogCaptureFixture, secret: str
) -> None:
    harness.sandbox.state.add_account("keyed", "unused-pw", apikey=secret)
    await harness.say(USER, "/login")
    message_id, calls = await said(harness, USER, secret, user=USER)
    assert deleted_first(calls, USER, message_id)
    assert "Logged in to SMSC as an API key" in text_of(calls)
    stored = await harness.app.storage.credentials.get(USER)
    assert stored is not None
    assert stored.secret == secret
    assert secret not in text_of(harness.telegram.calls)
    assert secret not in log_text.text


async def test_our_own_command_with_our_name_is_still_a_command_in_the_dialog(
    harness: Harness,
) -> None:
    await harness.say(USER, "/login")
    message_id, calls = await said(harness, USER, f"/help@{BOT_USERNAME}", user=USER)
    assert not deleted(calls, USER, message_id)
    assert "Commands" in text_of(calls)
