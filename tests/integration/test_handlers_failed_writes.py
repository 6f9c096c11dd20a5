"""A write that fails loses nothing the person did: a confirmation stays until it succeeds or is
cancelled, and a login's reply still says that the secret's message was deleted."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.sandbox.faults import Fault
from storage import StorageError
from tests.conftest import LOGIN, PASSWORD
from tests.integration.bot_harness import Harness, sent, text_of

USER = 7621


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    assert await harness.app.storage.credentials.exists(USER)
    return harness


async def read_only(harness: Harness, on: bool) -> None:
    await harness.app.storage.database.fetchone(f"PRAGMA query_only = {'ON' if on else 'OFF'}")


@pytest.fixture
async def full_disk(harness: Harness) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """A function that fills the disk: from then on nothing can be added to or changed in the
    database, every insert and update failing with SQLite's "database or disk is full". The
    disk is freed after the test, so that the bot can close."""
    database = harness.app.storage.database
    tables = [
        row[0]
        for row in await database.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    triggers = [(f"full_{verb}_{table}", verb, table) for table in tables for verb in VERBS]

    async def fill() -> None:
        async with database.transaction() as tx:
            for name, verb, table in triggers:
                await tx.execute(
                    f"CREATE TRIGGER {name} BEFORE {verb} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                )

    yield fill
    async with database.transaction() as tx:
        for name, _verb, _table in triggers:
            await tx.execute(f"DROP TRIGGER IF EXISTS {name}")


VERBS = ("INSERT", "UPDATE")


async def test_a_logout_that_cannot_be_written_keeps_its_question(logged_in: Harness) -> None:
    [question] = sent(await logged_in.say(USER, "/logout"))
    await read_only(logged_in, True)
    calls = await logged_in.press(question, "Yes", user_id=USER)
    assert "database" in text_of(calls)
    assert not [c for c in calls if c.method == "editMessageText"]  # the buttons stay
    assert await logged_in.app.storage.credentials.exists(USER)
    await read_only(logged_in, False)
    calls = await logged_in.press(question, "Yes", user_id=USER)
    assert "Logged out" in text_of(calls)
    assert "To connect again, send /login." in text_of(calls)
    assert not await logged_in.app.storage.credentials.exists(USER)
    again = text_of(await logged_in.press(question, "Yes", user_id=USER))
    assert "Logged out" not in again
    # A private chat hears what to do itself, not what an administrator could.
    assert "send /login" in again
    assert "dministrator" not in again


async def test_a_refused_delete_can_be_confirmed_again(logged_in: Harness) -> None:
    [question] = sent(await logged_in.say(USER, "/delcontact 79991001111"))
    logged_in.sandbox.set_fault(Fault("error", code=5, script="phones"))
    assert "error 5" in text_of(await logged_in.press(question, "Yes", user_id=USER))
    logged_in.sandbox.clear_faults()
    assert "deleted" in text_of(await logged_in.press(question, "Yes", user_id=USER))
    assert logged_in.sandbox.state.accounts[LOGIN].phones.find_contact("79991001111") is None


async def test_a_failed_logout_can_still_be_cancelled(logged_in: Harness) -> None:
    [question] = sent(await logged_in.say(USER, "/logout"))
    await read_only(logged_in, True)
    await logged_in.press(question, "Yes", user_id=USER)
    await read_only(logged_in, False)
    assert "Cancelled" in text_of(await logged_in.press(question, "Cancel", user_id=USER))
    assert await logged_in.app.storage.credentials.exists(USER)


async def test_a_timed_out_action_is_not_offered_again(logged_in: Harness) -> None:
    # SMSC may have carried it out: a second Yes could do it twice.
    [question] = sent(await logged_in.say(USER, "/delcontact 79991001111"))
    logged_in.sandbox.set_fault(Fault("slow", delay=1.0, script="phones"))
    calls = await logged_in.press(question, "Yes", user_id=USER)
    logged_in.sandbox.clear_faults()
    assert "did not answer in time" in text_of(calls)
    assert "expired" in text_of(await logged_in.press(question, "Yes", user_id=USER))


async def test_a_login_on_a_full_disk_says_the_secret_is_deleted(
    harness: Harness, full_disk: Callable[[], Awaitable[None]]
) -> None:
    await full_disk()
    calls = await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    reply = text_of(calls)
    assert "I deleted your message with the secret" in reply
    assert "nothing was saved" in reply
    assert [c for c in calls if c.method == "deleteMessage"]
    assert PASSWORD not in reply
    with contextlib.suppress(StorageError):
        assert not await harness.app.storage.credentials.exists(USER)


async def test_a_login_dialog_on_a_full_disk_says_the_secret_is_deleted(
    harness: Harness, full_disk: Callable[[], Awaitable[None]]
) -> None:
    await harness.say(USER, "/login ru")
    await full_disk()
    reply = text_of(await harness.say(USER, f"{LOGIN} {PASSWORD}"))
    assert "I deleted your message with the secret" in reply
    assert "nothing was saved" in reply
