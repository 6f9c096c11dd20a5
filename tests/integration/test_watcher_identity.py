"""The watcher polls each set of credentials with those credentials: a chat whose password went
stale hears that, and nothing its team's valid chat sees; a chat that switches accounts starts
from what the new account already holds."""

from __future__ import annotations

import pytest

from bot.smsc import Credentials
from bot.watcher.service import AUTH_FAILURES_BEFORE_PAUSE
from storage import AuthKind, NotificationKind
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, text_of
from tests.integration.test_watcher import INTERVAL, Rig, rig

__all__ = ["rig"]

NEW_PASSWORD = "changed-in-the-cabinet"


@pytest.mark.parametrize("stale_first", [True, False])
async def test_a_chat_with_a_stale_password_gets_only_the_notice_that_it_no_longer_works(
    rig: Rig, stale_first: bool
) -> None:
    stale, valid = (601, 602) if stale_first else (602, 601)
    await rig.watch(stale, NotificationKind.DOWNLOADS, NotificationKind.SENDERS)
    await rig.watch(valid, NotificationKind.DOWNLOADS, NotificationKind.SENDERS)
    # The team changes the password in the cabinet; one chat logs in again with it.
    rig.sandbox.state.accounts[LOGIN].password = NEW_PASSWORD
    await rig.storage.credentials.save(
        valid,
        auth_kind=AuthKind.PASSWORD,
        secret=NEW_PASSWORD,
        login=LOGIN,
        base_url=rig.sandbox.base_url,
        set_by=1,
    )
    rig.sandbox.state.set_task_status(LOGIN, 4, 2, size=700)
    rig.sandbox.state.set_operator_status(LOGIN, 1, "mts", 3)
    watcher = rig.watcher()
    for _ in range(AUTH_FAILURES_BEFORE_PAUSE + 2):
        await watcher.sweep()
        rig.clock.now += INTERVAL
    assert rig.telegram.find("sendDocument", chat_id=valid)
    assert any("MTS" in text for text in rig.messages(valid))
    assert not rig.telegram.find("sendDocument", chat_id=stale)
    told = rig.messages(stale)
    assert len(told) == 1
    assert "paused" in told[0]
    # Each chat was polled with its own credentials: the stale one's failed.
    stale_polls = [r for r in rig.sandbox.requests if r.login == LOGIN and r.status == "error 2"]
    assert 1 <= len(stale_polls) <= 2 * AUTH_FAILURES_BEFORE_PAUSE


async def test_switching_account_takes_what_the_new_one_holds_as_the_baseline(rig: Rig) -> None:
    rig.sandbox.state.add_account("other", "pw-other")
    rig.sandbox.state.set_task_status("other", 4, 2, size=900)  # already there
    await rig.watch(610, NotificationKind.DOWNLOADS, NotificationKind.SENDERS)
    watcher = rig.watcher()
    await watcher.sweep()
    await rig.accounts.connect(610, Credentials("other", "pw-other"), None, set_by=1)
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 0
    assert rig.messages(610) == []
    # What changes in the new account from now on is told.
    rig.sandbox.state.set_task_status("other", 3, 4)
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 1
    [told] = rig.messages(610)
    assert "failed" in told


async def sweep_now(harness: Harness, chat_id: int) -> list[Call]:
    """What a sweep of the bot's own watcher, with the chat due, sent to the chat."""
    since = harness.telegram.mark()
    harness.app.watcher.polls.forget(chat_id)
    await harness.app.watcher.sweep()
    return [c for c in harness.telegram.calls[since:] if c.chat_id == chat_id]


async def test_login_to_another_account_announces_only_what_changes_there(
    harness: Harness,
) -> None:
    chat, state = 620, harness.sandbox.state
    await harness.say(chat, f"/login {LOGIN} {PASSWORD}")
    assert "I will tell this chat when an export finishes" in text_of(
        await harness.say(chat, "/watch downloads on")
    )
    state.add_account("other", "pw-other")
    state.set_task_status("other", 4, 2, size=900)  # finished before the chat switched
    calls = await harness.say(chat, "/login other pw-other")
    assert "Logged in to SMSC as other" in text_of(calls)
    assert await sweep_now(harness, chat) == []
    # An export of the new account finishing from now on is told, with its file.
    state.set_task_status("other", 3, 2, size=1200)
    [told] = await sweep_now(harness, chat)
    assert told.method == "sendDocument"
    assert len(told.files["document"][1]) == 1200


async def test_logging_in_again_to_the_same_account_keeps_what_was_seen(rig: Rig) -> None:
    await rig.watch(611, NotificationKind.DOWNLOADS)
    watcher = rig.watcher()
    await watcher.sweep()
    rig.sandbox.state.set_task_status(LOGIN, 3, 4)  # changes while the chat logs in again
    await rig.accounts.connect(611, Credentials(LOGIN, PASSWORD), None, set_by=1)
    rig.clock.now += INTERVAL
    assert (await watcher.sweep()).notifications == 1
