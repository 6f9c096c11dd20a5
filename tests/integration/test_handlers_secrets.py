"""Secrets and group control under the mistakes people make, and what attackers try.

Each test feeds updates through the real dispatcher (replies over HTTP to the fake Bot API,
SMSC calls over HTTP to the sandbox) and looks for the secret everywhere it must not be: the
replies, the log, the audit log, the requests SMSC received.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest
from aiogram.fsm.storage.base import StorageKey

from handlers.callbacks import Confirm
from handlers.readers import Address
from storage import AuthKind, NotificationKind
from tests.conftest import APIKEY, LOGIN, PASSWORD
from tests.fakes.telegram import BOT_USERNAME, Call
from tests.integration.bot_harness import Harness, sent, text_of
from tests.watch_state import seen_tasks

USER = 7401
GROUP = -1007401
ADMIN, MEMBER = 7411, 7412
SECRET = "S3cr3t!Pass#word"


@pytest.fixture
def log_text(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def deleted(calls: list[Call], chat_id: int) -> bool:
    return any(c.method == "deleteMessage" and c.chat_id == chat_id for c in calls)


async def secret_is_nowhere(
    harness: Harness, secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert secret not in text_of(harness.telegram.calls)
    assert secret not in caplog.text
    for request in harness.sandbox.requests:
        assert request.login != secret
    for chat in (USER, GROUP, ADMIN, MEMBER):
        for entry in await harness.app.storage.audit.recent(chat, limit=100):
            assert secret not in f"{entry.target} {entry.result} {entry.action}"


@pytest.mark.parametrize(
    "text",
    [
        f"/Login {LOGIN} {PASSWORD}",
        f"/LOGIN {LOGIN} {PASSWORD}",
        f"/login@{BOT_USERNAME.upper()} {LOGIN} {PASSWORD}",
        f"/lOgIn@{BOT_USERNAME}\u00a0{LOGIN}\u3000{PASSWORD}",
    ],
)
async def test_commands_match_in_any_case_and_the_secret_is_deleted(
    harness: Harness, text: str
) -> None:
    calls = await harness.say(USER, text)
    assert deleted(calls, USER)
    assert "Logged in to SMSC as demo" in text_of(calls)


async def test_every_command_answers_in_any_case(harness: Harness) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    for command, answer in (
        ("/HELP", "Commands"),
        ("/Blacklist", "Blacklist"),
        ("/GROUPS", "Customers"),
        (f"/Account@{BOT_USERNAME}", "Balance"),
        ("/Watch", "Notifications"),
    ):
        assert answer in text_of(await harness.say(USER, command)), command


async def test_a_group_command_in_any_case_is_answered(harness: Harness) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    calls = await harness.say(GROUP, f"/LOGIN@{BOT_USERNAME} {LOGIN} {PASSWORD}", user_id=ADMIN)
    assert deleted(calls, GROUP)
    assert "private chat" in text_of(calls)


@pytest.mark.parametrize(
    "text",
    [
        f"/login {SECRET} {LOGIN}",  # swapped
        f"/login {SECRET}",  # a password alone reads as an API key: sent, rejected, never kept
        f"/login {LOGIN} {SECRET} extra words",
        f"/login ru {SECRET} {LOGIN}",
    ],
)
async def test_a_mistyped_login_never_records_echoes_or_sends_the_secret_as_a_login(
    harness: Harness, log_text: pytest.LogCaptureFixture, text: str
) -> None:
    calls = await harness.say(USER, text)
    assert deleted(calls, USER)
    assert "deleted your message" in text_of(calls)
    assert await harness.app.storage.credentials.get(USER) is None
    await secret_is_nowhere(harness, SECRET, log_text)


async def test_region_last_is_a_region_and_the_key_stays_a_key(harness: Harness) -> None:
    calls = await harness.say(USER, f"/login {APIKEY} kz")
    assert "Logged in" in text_of(calls)
    stored = await harness.app.storage.credentials.get(USER)
    assert stored is not None
    assert stored.secret == APIKEY
    assert stored.login is None
    assert [r.login for r in harness.sandbox.requests] == [None]


async def test_a_secret_that_starts_with_a_slash_is_read_deleted_and_never_logged(
    harness: Harness, log_text: pytest.LogCaptureFixture
) -> None:
    harness.sandbox.state.add_account("slashy", "/Pa55-with-slash")
    await harness.say(USER, "/login")
    calls = await harness.say(USER, "slashy /Pa55-with-slash")
    assert deleted(calls, USER)
    assert "Logged in to SMSC as slashy" in text_of(calls)
    calls = await harness.say(USER, "/login")
    calls = await harness.say(USER, "/Pa55-only-a-slash-key")
    assert deleted(calls, USER)
    assert "rejected these credentials" in text_of(calls)
    await secret_is_nowhere(harness, "/Pa55-with-slash", log_text)
    await secret_is_nowhere(harness, "Pa55-only-a-slash-key", log_text)


async def test_a_secret_in_a_photo_caption_in_the_dialog_is_deleted(harness: Harness) -> None:
    await harness.say(USER, "/login")
    photo = [{"file_id": "p1", "file_unique_id": "p1", "width": 10, "height": 10}]
    calls = await harness.say(USER, None, photo=photo, caption=f"{LOGIN} {PASSWORD}")  # type: ignore[arg-type]
    assert deleted(calls, USER)
    assert "as text" in text_of(calls)
    assert PASSWORD not in text_of(calls)


async def test_in_a_group_the_secret_goes_before_a_slow_admin_check(harness: Harness) -> None:
    harness.telegram.fail("getChatMember", 429, retry_after=1)
    calls = await harness.say(GROUP, f"/login {LOGIN} {PASSWORD}", user_id=MEMBER)
    methods = [c.method for c in calls]
    assert methods.index("deleteMessage") < methods.index("getChatMember")


async def test_an_edit_that_adds_a_secret_is_deleted(harness: Harness) -> None:
    for chat, user in ((USER, USER), (GROUP, MEMBER)):
        update = harness.telegram.edited_update(chat, user, f"/Login {LOGIN} {PASSWORD}")
        calls = await harness.feed(update)
        assert deleted(calls, chat)
        assert "send /login again" in text_of(calls)
    assert await harness.app.storage.credentials.get(USER) is None
    assert "edited_message" in harness.app.dispatcher.resolve_used_update_types()


async def test_an_edit_during_the_login_dialog_is_deleted(harness: Harness) -> None:
    await harness.say(USER, "/login")
    calls = await harness.feed(harness.telegram.edited_update(USER, USER, f"{LOGIN} {PASSWORD}"))
    assert deleted(calls, USER)


async def dialog_data(harness: Harness, user: int) -> StorageKey:
    return StorageKey(bot_id=harness.app.bot.id, chat_id=user, user_id=user)


async def test_the_group_dialog_rechecks_admin_rights_when_the_secret_arrives(
    harness: Harness,
) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    await harness.say(ADMIN, f"/start login_{GROUP}", user_id=ADMIN)
    harness.telegram.admins[GROUP].discard(ADMIN)  # demoted while the dialog was open
    calls = await harness.say(ADMIN, f"{LOGIN} {PASSWORD}", user_id=ADMIN)
    assert deleted(calls, ADMIN)
    assert "Only administrators of that group" in text_of(calls)
    assert await harness.app.storage.credentials.get(GROUP) is None
    assert harness.sandbox.requests == []


async def test_the_login_dialog_expires_after_ten_minutes(harness: Harness) -> None:
    await harness.say(USER, "/login")
    fsm = harness.app.dispatcher.fsm.storage
    key = await dialog_data(harness, USER)
    await fsm.update_data(key, {"started_at": time.time() - 10 * 60 - 1})
    calls = await harness.say(USER, f"{LOGIN} {PASSWORD}")
    assert deleted(calls, USER)
    assert "expired" in text_of(calls)
    assert await harness.app.storage.credentials.get(USER) is None
    assert await fsm.get_state(key) is None


async def test_anonymous_administrators_count_as_administrators(harness: Harness) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    await harness.say(ADMIN, f"/start login_{GROUP}", user_id=ADMIN)
    await harness.say(ADMIN, f"{LOGIN} {PASSWORD}", user_id=ADMIN)
    anonymous = await harness.feed(harness.telegram.anonymous_update(GROUP, "/watch senders on"))
    assert "names known now" in text_of(anonymous)
    member = await harness.say(GROUP, "/watch senders off", user_id=MEMBER)
    assert "Only administrators" in text_of(member)
    assert (await harness.app.storage.settings.get(GROUP)).notify_senders


async def test_the_group_dialog_follows_a_migration_to_a_supergroup(harness: Harness) -> None:
    supergroup = -1009907401
    harness.telegram.admins[GROUP].add(ADMIN)
    harness.telegram.admins[supergroup].add(ADMIN)
    await harness.say(ADMIN, f"/start login_{GROUP}", user_id=ADMIN)
    await harness.say(GROUP, None, user_id=ADMIN, migrate_to_chat_id=supergroup)  # type: ignore[arg-type]
    calls = await harness.say(ADMIN, f"{LOGIN} {PASSWORD}", user_id=ADMIN)
    assert "for the group" in text_of(calls)
    assert await harness.app.storage.credentials.get(supergroup) is not None
    assert await harness.app.storage.credentials.get(GROUP) is None


async def test_unreadable_credentials_do_not_stop_a_migration(harness: Harness) -> None:
    supergroup = -1009917401
    storage = harness.app.storage
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    # The group's row sealed under a key this bot does not have.
    await storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        region="ru",
        set_by=1,
    )
    await storage.settings.set_language(GROUP, "uk")
    await storage.settings.set_notify(GROUP, NotificationKind.SENDERS, True)
    async with storage.database.transaction() as tx:
        await tx.execute("UPDATE credentials SET key_id = 'gone' WHERE chat_id = ?", (GROUP,))
    storage.credentials.forget(GROUP)
    calls = await harness.say(GROUP, None, user_id=ADMIN, migrate_to_chat_id=supergroup)  # type: ignore[arg-type]
    moved = await storage.settings.get(supergroup)
    assert moved.language == "uk"
    assert moved.notify_senders
    assert not await storage.credentials.exists(supergroup)
    [notice] = [c for c in calls if c.chat_id == supergroup]
    assert "/login" in notice.text


async def test_a_supergroup_in_use_keeps_its_own_newer_credentials(harness: Harness) -> None:
    supergroup = -1009927401
    storage = harness.app.storage
    harness.sandbox.state.add_account("newer", "newer-pw")
    for chat, login, password, language in (
        (GROUP, LOGIN, PASSWORD, "uk"),
        (supergroup, "newer", "newer-pw", "ru"),
    ):
        await storage.credentials.save(
            chat,
            auth_kind=AuthKind.PASSWORD,
            secret=password,
            login=login,
            region="ru",
            set_by=1,
        )
        await storage.settings.set_language(chat, language)
    await harness.say(GROUP, None, user_id=ADMIN, migrate_to_chat_id=supergroup)  # type: ignore[arg-type]
    kept = await storage.credentials.get(supergroup)
    assert kept is not None
    assert kept.login == "newer"
    assert (await storage.settings.get(supergroup)).language == "ru"
    assert not await storage.credentials.exists(GROUP)


# ("/\u00a0login x y" is a login with its secret: see the misspelt-login test.)
@pytest.mark.parametrize("text", ["/\u00a0", "/\u3000block", "/\u3000", "/", "/@", "/@@"])
@pytest.mark.parametrize("chat", [USER, GROUP])
async def test_a_slash_and_odd_spaces_never_raise(harness: Harness, text: str, chat: int) -> None:
    calls = await harness.say(chat, text, user_id=MEMBER if chat == GROUP else USER)
    assert "Something went wrong" not in text_of(calls)
    if chat == GROUP:
        assert sent(calls) == []


async def test_a_forged_confirmation_with_another_kind_of_token_has_expired(
    harness: Harness,
) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    search = harness.app.dispatcher.workflow_data["memo"].put("Ivan")  # a search's token
    forged = Confirm(action="unblock", token=search, yes=True).pack()
    calls = await harness.feed(
        {
            "update_id": 999001,
            "callback_query": {
                "id": "999001",
                "from": harness.telegram.user(USER),
                "chat_instance": "ci",
                "message": harness.telegram._message(USER, text="…"),
                "data": forged,
            },
        }
    )
    assert "expired" in text_of(calls)
    assert "Something went wrong" not in text_of(calls)
    memo = harness.app.dispatcher.workflow_data["memo"]
    assert memo.get(search, str) == "Ivan"  # not consumed either
    assert await memo.pending(search, "unblock", Address) is None


@pytest.mark.parametrize(
    "number",
    ["７９９９１２３４５６７", "٧٩٩٩١٢٣٤٥٦٧", "+７(９９９)１２３-４５-６７", "۷۹۹۹۱۲۳۴۵۶۷"],
)
async def test_digits_of_any_script_reach_smsc_as_ascii(harness: Harness, number: str) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    calls = await harness.say(USER, f"/block {number}")
    assert "blacklisted" in text_of(calls)
    [request] = [r for r in harness.sandbox.requests if r.action == "add_black"]
    assert request.params["phone"].lstrip("+") == "79991234567"


async def test_logout_during_a_poll_gets_nothing_delivered_after_it(harness: Harness) -> None:
    storage, sandbox, telegram = harness.app.storage, harness.sandbox, harness.telegram
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    await harness.say(USER, "/watch downloads on")
    sandbox.state.set_task_status(LOGIN, 3, 4)
    sandbox.state.set_task_status(LOGIN, 4, 3)
    watcher = harness.app.watcher
    watcher.polls.forget(USER)  # due now
    question = sent(await harness.say(USER, "/logout"))[-1]
    # The first notification is held up by Telegram; the logout lands while it waits.
    telegram.fail("sendMessage", 429, retry_after=50, times=1)  # half a second here
    since = telegram.mark()
    sweep = asyncio.create_task(watcher.sweep())
    await telegram.wait_for("sendMessage", chat_id=USER, since=since)
    confirmed = await harness.press(question, "Yes", user_id=USER)
    await sweep
    logged_out = next(c for c in telegram.calls if "Logged out" in c.text)
    after = telegram.calls[telegram.calls.index(logged_out) :]
    assert [c for c in after if c.chat_id == USER and "export" in c.text] == []
    assert "Logged out" in text_of(confirmed)
    assert await seen_tasks(storage, USER) == {}
    assert not (await storage.settings.get(USER)).notify_downloads


async def test_a_login_addressed_to_another_bot_is_deleted_all_the_same(harness: Harness) -> None:
    for chat, user in ((USER, USER), (GROUP, MEMBER)):
        calls = await harness.say(chat, f"/login@other_bot {LOGIN} {PASSWORD}", user_id=user)
        assert deleted(calls, chat)


@pytest.mark.parametrize(
    "text",
    [
        f"/logn {LOGIN} {SECRET}",  # a letter missed
        f"/LGOIN {LOGIN} {SECRET}",  # two swapped, in capitals
        f"/ login {LOGIN} {SECRET}",  # the keyboard's space after the slash
        f"/\u00a0login {LOGIN} {SECRET}",
        f"/logins@{BOT_USERNAME} {SECRET}",
        f"/signin {LOGIN} {SECRET}",
    ],
)
@pytest.mark.parametrize("chat", [USER, GROUP])
async def test_a_misspelt_login_with_a_secret_is_deleted_in_any_chat(
    harness: Harness, log_text: pytest.LogCaptureFixture, text: str, chat: int
) -> None:
    calls = await harness.say(chat, text, user_id=MEMBER if chat == GROUP else USER)
    assert deleted(calls, chat)
    assert "deleted your message" in text_of(calls)
    assert "looked like /login" in text_of(calls)
    assert ("Never send a password or API key to a group" in text_of(calls)) == (chat == GROUP)
    assert await harness.app.storage.credentials.get(chat) is None
    assert harness.sandbox.requests == []  # a guess is never sent to SMSC as a login
    await secret_is_nowhere(harness, SECRET, log_text)


async def test_a_login_without_its_slash_in_a_private_chat_is_deleted(
    harness: Harness, log_text: pytest.LogCaptureFixture
) -> None:
    for text in (f"login {LOGIN} {SECRET}", f"Login {SECRET}", f"LOGIN\u00a0{LOGIN}\u3000{SECRET}"):
        calls = await harness.say(USER, text)
        assert deleted(calls, USER), text
        assert "looked like /login" in text_of(calls)
    await secret_is_nowhere(harness, SECRET, log_text)


@pytest.mark.parametrize(
    "text",
    [
        "login problems since this morning, again",  # a sentence, not credentials
        "login",
        "/logn",  # no words after it: nothing to hide
        f"/logut {LOGIN}",  # closest to /logout, not /login
        f"/blok {LOGIN} {SECRET}",
    ],
)
async def test_what_does_not_look_like_credentials_is_left_alone(
    harness: Harness, text: str
) -> None:
    calls = await harness.say(USER, text)
    assert not deleted(calls, USER)
    assert "looked like /login" not in text_of(calls)


async def test_an_edit_into_a_misspelt_login_with_a_secret_is_deleted(harness: Harness) -> None:
    for chat, user in ((USER, USER), (GROUP, MEMBER)):
        update = harness.telegram.edited_update(chat, user, f"/logn {LOGIN} {SECRET}")
        calls = await harness.feed(update)
        assert deleted(calls, chat)
        assert SECRET not in text_of(calls)
