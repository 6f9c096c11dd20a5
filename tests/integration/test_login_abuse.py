"""Wrong logins never cost anyone else, and an account is its credentials: through the real
dispatcher, against the sandbox over loopback HTTP."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from bot.smsc import Account, Credentials, Endpoint
from storage import AuthKind, Keyring
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, sent, text_of

STRANGER, OWNER = 7301, 7302
GROUP = -1007301
# Generous: only a request that shares another's answer waits this long (for an answer held
# until the end of the test); each one sent by itself is answered within milliseconds.
ANSWERED_ALONE = 10.0


@pytest.fixture
async def patient(
    telegram: FakeTelegram, sandbox: SandboxServer, tmp_path: Path
) -> AsyncIterator[Harness]:
    """A bot that waits for SMSC longer than a test holds an answer back."""
    opened = await open_harness(telegram, sandbox, tmp_path, smsc_timeout=6 * ANSWERED_ALONE)
    yield opened
    await close_harness(opened)


def balance_requests(sandbox: SandboxServer) -> list[str]:
    return [r.status for r in sandbox.requests if r.script == "balance"]


async def test_a_strangers_wrong_logins_reach_smsc_five_times_and_never_lock_the_owner_out(
    harness: Harness,
) -> None:
    sandbox = harness.sandbox
    replies = []
    for guess in range(12):
        calls = await harness.say(STRANGER, f"/login {LOGIN} guess-{guess}")
        assert any(c.method == "deleteMessage" for c in calls)  # every secret gone first
        replies.append(sent(calls)[-1].text)
    assert balance_requests(sandbox) == ["error 2"] * 5
    assert all("rejected these credentials (error 2)" in reply for reply in replies[:5])
    for reply in replies[5:]:
        assert "Too many wrong logins" in reply
        assert "15 minutes" in reply or "14 minutes" in reply
    # The account they named is untouched: its owner logs in at once.
    calls = await harness.say(OWNER, f"/login {LOGIN} {PASSWORD}")
    assert "Logged in to SMSC as demo" in text_of(calls)
    assert balance_requests(sandbox)[-1] == "ok"
    calls = await harness.say(OWNER, "/account")
    assert "1871.62" in text_of(calls)


async def test_one_wrong_secret_sent_again_is_not_sent_to_smsc_again(harness: Harness) -> None:
    await harness.say(STRANGER, f"/login {LOGIN} same-guess")
    calls = await harness.say(STRANGER, f"/login {LOGIN} same-guess")
    assert "rejected these credentials (error 2)" in text_of(calls)
    assert balance_requests(harness.sandbox) == ["error 2"]


async def test_many_wrong_logins_from_many_people_hold_new_logins_not_chats_in_use(
    telegram: FakeTelegram, sandbox: SandboxServer, tmp_path: Path
) -> None:
    # SMSC's real minute: the test does not wait for it, it only needs it not to pass.
    harness = await open_harness(telegram, sandbox, tmp_path, smsc_rate_window=60.0)
    try:
        await harness.say(OWNER, f"/login {LOGIN} {PASSWORD}")
        people = range(8000, 8010)
        for person in people:
            await harness.say(person, f"/login {LOGIN} guess-of-{person}")
        failed = [status for status in balance_requests(sandbox) if status == "error 2"]
        assert len(failed) == 10
        calls = await harness.say(8100, f"/login {LOGIN} {PASSWORD}")
        assert "Many requests from this server to SMSC failed" in text_of(calls)
        assert any(c.method == "deleteMessage" for c in calls)
        assert len(balance_requests(sandbox)) == 11  # nothing more was sent
        assert await harness.app.storage.credentials.get(8100) is None
        # A chat already logged in goes on.
        calls = await harness.say(OWNER, "/account")
        assert "1871.62" in text_of(calls)
        assert sandbox.error4_count == 0
    finally:
        await close_harness(harness)


async def test_wrong_logins_in_private_use_up_that_persons_tries_for_a_group_too(
    harness: Harness,
) -> None:
    admin = 7303
    harness.telegram.admins[GROUP].add(admin)
    for guess in range(5):
        await harness.say(admin, f"/login {LOGIN} guess-{guess}")
    assert balance_requests(harness.sandbox) == ["error 2"] * 5
    # The same person opens the group's login dialog from the group's link.
    assert "Send the API key" in text_of(await harness.say(admin, f"/start login_{GROUP}"))
    calls = await harness.say(admin, f"{LOGIN} guess-for-the-group")
    assert any(c.method == "deleteMessage" for c in calls)
    assert "Too many wrong logins" in text_of(calls)
    assert len(harness.sandbox.requests) == 5  # nothing more was sent
    assert await harness.app.storage.credentials.get(GROUP) is None


async def test_six_administrators_trying_one_group_reach_smsc_five_times(
    harness: Harness,
) -> None:
    admins = range(7311, 7317)
    harness.telegram.admins[GROUP].update(admins)
    replies = []
    for admin in admins:
        await harness.say(admin, f"/start login_{GROUP}")
        replies.append(text_of(await harness.say(admin, f"{LOGIN} guess-of-{admin}")))
    assert all("rejected these credentials (error 2)" in reply for reply in replies[:5])
    assert "Too many wrong logins" in replies[5]
    assert balance_requests(harness.sandbox) == ["error 2"] * 5
    assert len(harness.sandbox.requests) == 5
    assert await harness.app.storage.credentials.get(GROUP) is None
    # The group is held, not the sixth administrator: his own chat logs in.
    calls = await harness.say(admins[5], f"/login {LOGIN} {PASSWORD}")
    assert "Logged in to SMSC as demo" in text_of(calls)


async def test_a_wrong_password_never_shares_another_chats_answer_in_flight(
    patient: Harness,
) -> None:
    sandbox = patient.sandbox
    await patient.say(OWNER, f"/login {LOGIN} {PASSWORD}")
    held = sandbox.hold("balance", password=PASSWORD)
    asked = asyncio.create_task(patient.say(OWNER, "/account"))
    try:
        await held.arrived.wait()  # the owner's /account is at SMSC, waiting for its answer
        async with asyncio.timeout(ANSWERED_ALONE):
            calls = await patient.say(STRANGER, f"/login {LOGIN} wrong-guess")
        assert "rejected these credentials (error 2)" in text_of(calls)
        assert await patient.app.storage.credentials.get(STRANGER) is None
    finally:
        held.released.set()
    assert "1871.62" in text_of(await asked)


async def test_a_stale_chats_command_never_shares_a_valid_chats_answer_in_flight(
    patient: Harness,
) -> None:
    sandbox = patient.sandbox
    await patient.say(OWNER, f"/login {LOGIN} {PASSWORD}")
    # Logged in to the same login before the team changed its password in the cabinet.
    await patient.app.storage.credentials.save(
        STRANGER,
        auth_kind=AuthKind.PASSWORD,
        secret="the-password-before",
        login=LOGIN,
        base_url=sandbox.base_url,
        set_by=STRANGER,
    )
    held = sandbox.hold("balance", password=PASSWORD)
    asked = asyncio.create_task(patient.say(OWNER, "/account"))
    try:
        await held.arrived.wait()  # the valid chat's /account is at SMSC, waiting for its answer
        # The stale chat's /account is answered by a request of its own meanwhile.
        async with asyncio.timeout(ANSWERED_ALONE):
            calls = await patient.say(STRANGER, "/account")
        assert not asked.done()
        assert "1871.62" not in text_of(calls)
        assert "error 2" in text_of(calls)
        stale = [r.status for r in sandbox.requests if r.params.get("psw") == "the-password-before"]
        assert stale == ["error 2"]
    finally:
        held.released.set()
    assert "1871.62" in text_of(await asked)


async def test_the_limiters_journal_names_accounts_with_a_keyed_hash(harness: Harness) -> None:
    # A password typed where the login belongs: the name kept for its window must not let a
    # dictionary find it.
    await harness.say(STRANGER, f"/login Summer2024 {LOGIN}")
    storage = harness.app.storage
    await storage.limits.flush()
    rows = await storage.database.fetchall("SELECT bucket, rule FROM smsc_stamps")
    assert rows
    site = Endpoint(harness.sandbox.base_url).site
    unkeyed = {
        hashlib.blake2b(word.encode(), digest_size=size).hexdigest()
        for word in ("login:summer2024", "login:Summer2024", "Summer2024")
        for size in (8, 12, 16)
    }
    keys = harness.app.settings.encryption_keys
    assert keys is not None
    keyring = Keyring.from_text(keys.get_secret_value())
    guessed = Account.of(
        Endpoint(harness.sandbox.base_url), Credentials("Summer2024", LOGIN), bytes(32)
    ).key
    for row in rows:
        assert row["bucket"].startswith(f"{site}|")
        assert row["bucket"].split("|", 1)[1] not in unkeyed
        assert row["bucket"] != guessed
        assert "Summer2024" not in row["bucket"] + row["rule"]
    # Named with the key derived from ENCRYPTION_KEYS: the same name after a restart.
    kept = Account.of(
        Endpoint(harness.sandbox.base_url),
        Credentials("Summer2024", LOGIN),
        keyring.derive("smsc request names"),
    ).key
    assert {row["bucket"] for row in rows} == {kept}
