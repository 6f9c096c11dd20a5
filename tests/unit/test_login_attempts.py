"""Wrong secrets per user and per chat, on a clock the test moves."""

from __future__ import annotations

import pytest

from bot.login_attempts import LoginAttempts, TooManyAttemptsError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_wrong_secrets_then_a_wait_until_the_first_one_is_a_period_old() -> None:
    clock = Clock()
    attempts = LoginAttempts(attempts=5, period=900, clock=clock)
    for _ in range(5):
        attempts.begin(7, 7)  # each one wrong: never taken back
        clock.now += 10
    with pytest.raises(TooManyAttemptsError) as caught:
        attempts.begin(7, 7)
    assert caught.value.retry_after == pytest.approx(900 - 50)
    clock.now = 1000.0 + 900.5
    attempts.begin(7, 7)


def test_attempts_in_flight_count_before_their_answer() -> None:
    attempts = LoginAttempts(attempts=5, period=900, clock=Clock())
    for _ in range(5):
        attempts.begin(7, 7)  # sent together: none answered yet
    with pytest.raises(TooManyAttemptsError):
        attempts.begin(7, 7)


def test_a_secret_smsc_accepted_or_never_saw_does_not_count() -> None:
    attempts = LoginAttempts(attempts=2, period=900, clock=Clock())
    for _ in range(10):
        attempts.not_wrong(attempts.begin(7, 7))
    attempts.begin(7, 7)
    attempts.begin(7, 7)
    with pytest.raises(TooManyAttemptsError):
        attempts.begin(7, 7)


def test_the_user_and_the_chat_are_each_limited() -> None:
    attempts = LoginAttempts(attempts=2, period=900, clock=Clock())
    group = -100500
    # Two admins, each trying once for the group: the group has had two.
    attempts.begin(1, group)
    attempts.begin(2, group)
    with pytest.raises(TooManyAttemptsError):
        attempts.begin(3, group)  # a third admin: the group is held
    attempts.begin(1, 1)  # the first admin in his own chat: one more of his two
    with pytest.raises(TooManyAttemptsError):
        attempts.begin(1, 1)  # his two are spent, whichever chat
    attempts.begin(4, 4)  # someone else entirely
