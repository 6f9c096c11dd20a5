"""Failing requests of any kind never get this server's address blocked (error 4), whoever sends
them: a chat repeating a failing command, a chat whose password went stale, many stale chats in
one sweep. Through the real dispatcher and the watcher, against the sandbox, both with SMSC's
real minute (nothing waits for it); the sandbox blocks an address after 30 failures in it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer, SandboxState
from bot.smsc import Account, Credentials, Endpoint
from storage import AuthKind, NotificationKind
from tests.fakes.telegram import FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, text_of

LOGIN, PASSWORD = "team", "team-Pa55"
WINDOW = 60.0
USER, BYSTANDER = 7701, 7702
GROUP = -1007701


@pytest.fixture
async def minute(tmp_path: Path, telegram: FakeTelegram) -> AsyncIterator[Harness]:
    state = SandboxState()
    state.add_account(LOGIN, PASSWORD)
    state.add_account("other", "other-Pa55")
    async with SandboxServer(state, rate_window=WINDOW) as sandbox:
        harness = await open_harness(telegram, sandbox, tmp_path, smsc_rate_window=WINDOW)
        await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
        await harness.say(BYSTANDER, "/login other other-Pa55")
        yield harness
        await close_harness(harness)


async def test_credentials_held_after_error_2_are_told_as_the_chat_logs_in(
    minute: Harness,
) -> None:
    minute.sandbox.state.accounts[LOGIN].password = "changed-in-the-cabinet"
    assert "(error 2)" in text_of(await minute.say(USER, "/account"))
    # Held now: a private chat's person logs in again themselves.
    private = text_of(await minute.say(USER, "/account"))
    assert "a moment ago (error 2)" in private
    assert "send /login with the new ones now" in private
    assert "administrator" not in private
    # A group on the same credentials needs an administrator.
    await minute.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=minute.sandbox.base_url,
        set_by=USER,
    )
    group = text_of(await minute.say(GROUP, "/account", user_id=USER))
    assert "a moment ago (error 2)" in group
    assert "an administrator can /login with the new ones now" in group


def failed(sandbox: SandboxServer) -> list[str]:
    return [r.status for r in sandbox.requests if r.status.startswith("error")]


async def test_a_failing_command_repeated_is_held_before_the_address_is(minute: Harness) -> None:
    for n in range(35):
        calls = await minute.say(USER, f"/download {900000 + n}")
    assert "I hold its requests back" in text_of(calls)
    assert len(failed(minute.sandbox)) == 5  # error 5 each, then nothing more is sent
    assert minute.sandbox.error4_count == 0
    # Another customer of this server is not affected.
    assert "1871.62" in text_of(await minute.say(BYSTANDER, "/account"))


async def test_a_stale_chats_burst_stops_at_its_first_answer(minute: Harness) -> None:
    minute.sandbox.state.accounts[LOGIN].password = "changed-in-the-cabinet"
    minute.sandbox.latency = 0.3
    burst = [minute.say(USER, f"/download {n}") for n in range(1, 36)]
    replies = await asyncio.gather(*burst)
    assert all("error 2" in text_of(calls) for calls in replies)
    # At most what was in flight together before SMSC's first answer.
    assert 1 <= len(failed(minute.sandbox)) <= 14
    assert minute.sandbox.error4_count == 0
    minute.sandbox.latency = 0.0
    assert "1871.62" in text_of(await minute.say(BYSTANDER, "/account"))


async def test_many_stale_chats_in_one_sweep_never_get_the_address_blocked(
    minute: Harness,
) -> None:
    storage, sandbox = minute.app.storage, minute.sandbox
    for chat in range(9000, 9035):
        # Each logged in with its own password once; all changed since in the cabinet.
        sandbox.state.add_account(f"client{chat}", "changed-since", sample_data=False)
        await storage.credentials.save(
            chat,
            auth_kind=AuthKind.PASSWORD,
            secret="what-it-was",
            login=f"client{chat}",
            base_url=sandbox.base_url,
            set_by=chat,
        )
        await storage.settings.set_notify(chat, NotificationKind.DOWNLOADS, True)
    for _ in range(3):
        await minute.app.watcher.sweep()
        for chat in range(9000, 9035):
            minute.app.watcher.polls.forget(chat)  # due again at once
    assert sandbox.error4_count == 0
    assert len(failed(sandbox)) <= 20
    assert "1871.62" in text_of(await minute.say(BYSTANDER, "/account"))


def test_windows_are_the_logins_and_failures_the_credentials() -> None:
    key = bytes(32)
    ru = Endpoint("https://smsc.ru")
    valid = Account.of(ru, Credentials("Acme", "right"), key)
    stale = Account.of(ru, Credentials("acme", "stale"), key)
    other = Account.of(ru, Credentials("acme-two", "right"), key)
    assert valid.budget == stale.budget  # SMSC counts per login, in any case
    assert valid.key != stale.key  # what failures teach is per credentials
    assert valid.budget != other.budget
    by_key = Account.of(ru, Credentials(apikey="k3y"), key)
    assert by_key.budget == by_key.key  # an API key names no login: its own
