"""Answers from SMSC the bot cannot read are told as such, and never echoed as HTML."""

from __future__ import annotations

import pytest

from bot.sandbox import Fault
from tests.conftest import LOGIN, PASSWORD
from tests.integration.bot_harness import Harness, text_of

USER = 7951
CANNOT_READ = "SMSC sent an answer I cannot read"
BALANCES = [
    '{"balance": "<b>1</b>"}',
    '{"balance": "NaN"}',
    '{"balance": NaN}',
    '{"balance": "Infinity"}',
    '{"balance": "1e5"}',
    '{"balance": null}',
    '{"balance": [1]}',
    '{"balance": {"amount": 1}}',
    '{"balance": true}',
    '{"balance": ""}',
    '{"currency": "RUR"}',
    "[1]",
    "null",
    '"1871.62"',
]


def answer_balance(harness: Harness, body: str) -> None:
    harness.sandbox.set_fault(Fault("body", body=body, script="balance"), login=LOGIN)


@pytest.mark.parametrize("body", BALANCES)
async def test_account_with_an_unreadable_balance(harness: Harness, body: str) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    answer_balance(harness, body)
    reply = text_of(await harness.say(USER, "/account"))
    assert CANNOT_READ in reply
    assert "1</b>" not in reply
    assert "&lt;b&gt;" not in reply


@pytest.mark.parametrize("body", BALANCES)
async def test_login_with_an_unreadable_balance(harness: Harness, body: str) -> None:
    answer_balance(harness, body)
    reply = text_of(await harness.say(USER, f"/login {LOGIN} {PASSWORD}"))
    assert CANNOT_READ in reply
    assert "Nothing was saved" in reply
    assert await harness.app.storage.credentials.get(USER) is None


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ('{"balance": "1871.62", "currency": "RUR"}', "Balance: 1871.62 RUR"),
        ('{"balance": 12.5, "currency": "руб."}', "Balance: 12.5 руб."),
        ('{"balance": "-3,20"}', "Balance: -3.20"),
        ('{"balance": "5", "currency": "<b>RUR</b>"}', "Balance: 5\n"),
    ],
)
async def test_readable_balances(harness: Harness, body: str, shown: str) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    answer_balance(harness, body)
    reply = text_of(await harness.say(USER, "/account"))
    assert shown in reply + "\n"


async def test_unknown_operator_keys_are_escaped(harness: Harness) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    sender = harness.sandbox.state.accounts[LOGIN].senders[1]
    sender.operators.update({"new<op>": 2, "a&b": 1, "<i>": 0})
    reply = text_of(await harness.say(USER, "/senders"))
    assert "new&lt;op&gt;: approved" in reply
    assert "a&amp;b: sent for registration" in reply
    assert "&lt;i&gt;: awaiting registration" in reply
