"""A bad argument gets a clear reply and no request; every SMSC error becomes a sentence."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from bot.sandbox import Fault
from tests.conftest import LOGIN, PASSWORD
from tests.integration.bot_harness import Harness, sent, text_of

USER = 7201

# One refusal per command family (each router's commands), through the dispatcher: the
# refusal reaches the chat with the command's usage, and nothing reaches SMSC. Every other case
# is a unit test of the parsers (tests/unit/test_parsers_refusals.py); /login's refusal, which
# also deletes the message, is in test_handlers_account.py.
FAMILY_REFUSALS = [
    ("/addcontact 7999000777", "“7999000777” is one digit short for a Russian number (+7 and 10"),
    ("/delgroup " + "x" * 101, "at most 100 characters"),
    ("/block +7 916 123 45 6 spam", "is one digit short for a Russian number"),
    ("/addsender TooLongSenderName", "cannot be a sender name"),
    ("/invoice client1 1 000,50", "Is the sum 1 or 1000,50?"),
    ("/download ../../etc", "is not a task name"),
    ("/watch every 0", "The interval is from 1 min to 24 h (a day)"),
    ("/lang fr", "Choose en, ru or uk"),
]


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    harness.sandbox.requests.clear()
    return harness


@pytest.mark.parametrize(("command", "problem"), FAMILY_REFUSALS)
async def test_a_refusal_reaches_the_chat_with_the_usage_and_makes_no_request(
    logged_in: Harness, command: str, problem: str
) -> None:
    calls = await logged_in.say(USER, command)
    replies = sent(calls)
    assert len(replies) == 1
    assert problem in replies[0].text
    name = command.split()[0]
    assert "Usage:" in replies[0].text
    assert f"<code>{name}" in replies[0].text
    assert logged_in.sandbox.requests == []


SENTENCES = {
    1: "did not accept the parameters",
    2: "rejected the login, password or API key",
    3: "found no such record",
    4: "blocked this server's address for a while; try again in 10 minutes",
    5: "could not carry out the operation",
    7: "phone number format is wrong",
    8: "cannot deliver a message to this number",
    9: "refused a repeated request; try again in 1 s",  # the harness's short rate window
    10: "SMSC allows a new one in 8 hours",
    11: "confirmation code is wrong",
    42: "answered with an error",
}


@pytest.mark.parametrize(("code", "sentence"), sorted(SENTENCES.items()))
async def test_each_smsc_error_code_becomes_a_sentence_with_the_code(
    logged_in: Harness, code: int, sentence: str
) -> None:
    logged_in.sandbox.set_fault(Fault("error", code=code))
    calls = await logged_in.say(USER, "/block 79161234567")
    reply = text_of(calls)
    assert sentence in reply
    assert f"(error {code})" in reply
    assert "Traceback" not in reply
    audit = await logged_in.app.storage.audit.recent(USER)
    assert audit[0].action == "/block"
    assert audit[0].result == f"smsc error {code}"


@pytest.mark.parametrize(
    ("fault", "sentence"),
    [
        (Fault("http500"), "SMSC is having trouble (HTTP 500)"),
        (Fault("garbage"), "an answer I cannot read"),
        (Fault("slow", delay=1.0), "did not answer in time"),
    ],
    ids=["http500", "garbage", "timeout"],
)
async def test_transport_faults_become_sentences(
    logged_in: Harness, fault: Fault, sentence: str
) -> None:
    logged_in.sandbox.set_fault(fault)
    calls = await logged_in.say(USER, "/senders")
    assert sentence in text_of(calls)


async def test_unreachable_smsc(logged_in: Harness) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    logged_in.app.dispatcher.workflow_data[
        "accounts"
    ].factory.forced_base_url = f"http://127.0.0.1:{port}"
    calls = await logged_in.say(USER, "/groups")
    assert "cannot reach SMSC" in text_of(calls)


async def test_after_error_4_no_chat_sends_anything_and_each_is_told_why(
    logged_in: Harness,
) -> None:
    other = USER + 1
    logged_in.sandbox.state.add_account("other", "pw", apikey="apikey-of-another-account-0001")
    await logged_in.say(other, "/login apikey-of-another-account-0001")
    logged_in.sandbox.block_address("127.0.0.1", 60)
    first = text_of(await logged_in.say(USER, "/blacklist"))
    assert "(error 4)" in first
    reached = len(logged_in.sandbox.requests)
    for chat, user, command in (
        (USER, USER, "/groups"),
        (other, other, "/senders"),
        (USER, USER, "/block 79161234567"),
        (other, other, "/account"),
    ):
        reply = text_of(await logged_in.say(chat, command, user_id=user))
        assert (
            "SMSC has blocked this server's address for a while; try again in 10 minutes" in reply
        )
    assert len(logged_in.sandbox.requests) == reached


async def test_rate_limited_by_the_bot_itself(logged_in: Harness) -> None:
    for _ in range(3):
        await logged_in.say(USER, "/invoice client1 10")
    factory = logged_in.app.dispatcher.workflow_data["accounts"].factory
    factory.max_wait = 0
    calls = await logged_in.say(USER, "/invoice client1 10")
    assert "try again in 1 s" in text_of(calls)
    assert logged_in.sandbox.error9_count == 0


async def test_unknown_command_and_stray_text(harness: Harness) -> None:
    reply = text_of(await harness.say(USER, "/frobnicate"))
    assert "do not know this command" in reply
    assert "Did you mean" not in reply  # nothing is close to it
    assert "I work with commands" in text_of(await harness.say(USER, "hello"))
    # In a group, commands for other bots are ignored.
    assert sent(await harness.say(-100555, "/frobnicate@otherbot", user_id=USER)) == []
    assert sent(await harness.say(-100555, "/frobnicate", user_id=USER)) == []
    addressed = await harness.say(-100555, "/frobnicate@smsc_test_bot", user_id=USER)
    assert "do not know this command" in text_of(addressed)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("/blok +79161234567", "/block"),
        ("/Contact Ivan", "/contacts"),
        ("/balance", "/account"),
        ("/BALANCE", "/account"),
        ("/unban +79161234567", "/unblock"),
        ("/language ru", "/lang"),
        ("/ blacklist", "/blacklist"),  # the keyboard's space after the slash
        ("/sendcod 79161234567", "/sendcode"),
    ],
)
async def test_a_mistyped_command_is_answered_with_the_one_meant(
    harness: Harness, text: str, meant: str
) -> None:
    reply = text_of(await harness.say(USER, text))
    assert f"Did you mean {meant}?" in reply
    assert harness.sandbox.requests == []  # a guess is never carried out


async def test_in_a_group_only_a_mistyped_command_addressed_to_the_bot_is_answered(
    harness: Harness,
) -> None:
    assert sent(await harness.say(-100555, "/blok +79161234567", user_id=USER)) == []
    reply = await harness.say(-100555, "/blok@smsc_test_bot +79161234567", user_id=USER)
    assert "Did you mean /block?" in text_of(reply)


async def test_a_sum_that_could_be_read_two_ways_is_sent_as_asked(logged_in: Harness) -> None:
    account = logged_in.sandbox.state.accounts[LOGIN]
    await logged_in.say(USER, "/invoice client1 5.00 100 SMS")
    await logged_in.say(USER, "/invoice client1 1000,50 SMS")
    invoices = [(i.sum, i.service) for i in account.invoices.values()][-2:]
    assert invoices == [(Decimal("5.00"), "100 SMS"), (Decimal("1000.50"), "SMS")]


async def test_the_suggestion_is_translated(harness: Harness) -> None:
    await harness.say(USER, "/lang ru")
    assert "Может быть, /block?" in text_of(await harness.say(USER, "/blok"))


async def test_an_edited_command_is_not_carried_out_and_says_so(logged_in: Harness) -> None:
    update = logged_in.telegram.edited_update(USER, USER, "/block 79161234567")
    reply = text_of(await logged_in.feed(update))
    assert "send the corrected command as a new message" in reply
    assert logged_in.sandbox.requests == []
    # In a group, an edit is nobody's business but its author's: no reply.
    group_edit = logged_in.telegram.edited_update(-100555, USER, "/block 79161234567")
    assert sent(await logged_in.feed(group_edit)) == []


async def test_a_command_without_its_slash_is_pointed_at(harness: Harness) -> None:
    reply = text_of(await harness.say(USER, "Block 79161234567"))
    assert "did you mean /block?" in reply
    assert "did you mean /contacts?" in text_of(await harness.say(USER, "contacts?"))
    assert "I work with commands. /help" in text_of(await harness.say(USER, "blok it please"))
    assert harness.sandbox.requests == []
