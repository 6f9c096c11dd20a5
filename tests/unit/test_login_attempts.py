"""Wrong secrets per user and per chat, on a clock the test moves; kept in the database so that
a restart gives no one a fresh budget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.login_attempts import LoginAttempts, TooManyAttemptsError
from storage import Keyring, Storage, generate_key


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def storage(database_target: str | Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(database_target, Keyring.from_text(generate_key()))
    yield opened
    await opened.close()


async def test_five_wrong_secrets_then_a_wait_until_the_first_one_is_a_period_old() -> None:
    clock = Clock()
    start = clock.now
    attempts = LoginAttempts(attempts=5, period=900, clock=clock)
    for _ in range(5):
        await attempts.begin(7, 7)  # each one wrong: never taken back
        clock.now += 10
    with pytest.raises(TooManyAttemptsError) as caught:
        await attempts.begin(7, 7)
    assert caught.value.retry_after == pytest.approx(900 - 50)
    clock.now = start + 900.5
    await attempts.begin(7, 7)


async def test_attempts_in_flight_count_before_their_answer() -> None:
    attempts = LoginAttempts(attempts=5, period=900, clock=Clock())
    for _ in range(5):
        await attempts.begin(7, 7)  # sent together: none answered yet
    with pytest.raises(TooManyAttemptsError):
        await attempts.begin(7, 7)


async def test_a_secret_smsc_accepted_or_never_saw_does_not_count() -> None:
    attempts = LoginAttempts(attempts=2, period=900, clock=Clock())
    for _ in range(10):
        await attempts.not_wrong(await attempts.begin(7, 7))
    await attempts.begin(7, 7)
    await attempts.begin(7, 7)
    with pytest.raises(TooManyAttemptsError):
        await attempts.begin(7, 7)


async def test_the_user_and_the_chat_are_each_limited() -> None:
    attempts = LoginAttempts(attempts=2, period=900, clock=Clock())
    group = -100500
    # Two admins, each trying once for the group: the group has had two.
    await attempts.begin(1, group)
    await attempts.begin(2, group)
    with pytest.raises(TooManyAttemptsError):
        await attempts.begin(3, group)  # a third admin: the group is held
    await attempts.begin(1, 1)  # the first admin in his own chat: one more of his two
    with pytest.raises(TooManyAttemptsError):
        await attempts.begin(1, 1)  # his two are spent, whichever chat
    await attempts.begin(4, 4)  # someone else entirely


async def test_a_restart_keeps_the_wrong_attempts_and_forgets_the_taken_back(
    storage: Storage,
) -> None:
    clock = Clock()
    before = LoginAttempts(attempts=3, period=900, journal=storage.login_attempts, clock=clock)
    await before.begin(7, 7)
    await before.begin(7, -100)
    await before.not_wrong(await before.begin(7, 7))  # SMSC accepted it, or never saw it
    clock.now += 100

    after = LoginAttempts(attempts=3, period=900, journal=storage.login_attempts, clock=clock)
    await after.begin(7, 7)  # the user's third
    with pytest.raises(TooManyAttemptsError) as caught:
        await after.begin(7, 7)
    assert caught.value.retry_after == pytest.approx(800)
    await after.begin(8, -100)  # the group has had one
    # Once the first is a period old, it is forgotten there too.
    clock.now += 800.5
    again = LoginAttempts(attempts=3, period=900, journal=storage.login_attempts, clock=clock)
    await again.begin(7, 7)
    rows = await storage.database.fetchall("SELECT user_id, chat_id FROM login_attempts")
    assert sorted((r["user_id"], r["chat_id"]) for r in rows) == [(7, 7), (7, 7), (8, -100)]
