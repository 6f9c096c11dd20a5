"""Every bad argument gets a clear reply and no request; every SMSC error becomes a sentence."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from bot.sandbox import Fault
from tests.conftest import LOGIN, PASSWORD
from tests.integration.bot_harness import Harness, sent, text_of

USER = 7201

BAD_ARGUMENTS = [
    ("/addcontact", "Some arguments are missing"),
    ("/addcontact 12ab", "is not a phone number"),
    ("/addcontact 79161234567,a@b.co", "separate commands"),
    ("/addcontact kate@", "is not an e-mail address"),
    ("/addcontact 7999000777 Kate", "one digit short for a Russian number"),
    ("/addcontact 79161234567 grp=", "grp= needs"),
    ("/contacts " + "x" * 61, "too long"),
    ("/delcontact", "Some arguments are missing"),
    ("/delcontact 123", "is not a phone number"),
    ("/delcontact 79161234567 79161234568", "exactly one"),
    ("/addgroup", "Give the new group a name"),
    ("/movecontact", "Some arguments are missing"),
    ("/movecontact 79161234567 +", "Name the group"),
    ("/delgroup", "Some arguments are missing"),
    ("/delgroup " + "x" * 101, "at most 100 characters"),
    ("/block", "Some arguments are missing"),
    ("/block +7(916)12", "is not a phone number"),
    ("/block 79161234567 all " + "c" * 301, "too long"),
    ("/unblock", "Some arguments are missing"),
    ("/unblock phone", "is not a phone number"),
    ("/addsender", "Some arguments are missing"),
    ("/addsender TooLongSenderName", "cannot be a sender name"),
    ("/addsender Шоп", "cannot be a sender name"),
    ("/delsender", "Some arguments are missing"),
    ("/delsender bad/name", "cannot be a sender name"),
    ("/sendcode", "Some arguments are missing"),
    ("/sendcode MyShop", "is not a digital sender name"),
    ("/checkcode 79991234567", "Some arguments are missing"),
    ("/checkcode 79991234567 12ab", "is not a confirmation code"),
    ("/invoice client1", "Some arguments are missing"),
    ("/invoice client1 -5", "is not a sum"),
    ("/invoice client1 0", "greater than zero"),
    ("/invoice client1 10.555", "at most two decimals"),
    ("/invoice client1 1e5", "is not a sum"),
    ("/invoice bad/login 10", "is not a sub-client login"),
    ("/getinvoice client1", "Some arguments are missing"),
    ("/getinvoice client1 x1", "The invoice id must be"),
    ("/act client1", "Some arguments are missing"),
    ("/act client1 <script>", "is not an act number"),
    ("/download", "Some arguments are missing"),
    ("/download a b", "exactly one"),
    ("/download ../../etc", "is not a task name"),
    ("/watch exports on", "I can watch"),
    ("/watch senders maybe", "Say on or off"),
    ("/watch every 0", "The interval is a number of minutes"),
    ("/watch downloads", "Give what to watch"),
    ("/lang fr", "Choose en, ru or uk"),
    ("/editcontact", "Some arguments are missing"),
    ("/editcontact 79161234567", "Say what to change"),
    ("/editcontact 79161234567 nick=Kate", "is not one"),
    ("/editcontact 79161234567 birthday=31.13.1990", "is not a birthday"),
    ("/editcontact 12ab name=Kate", "is not a phone number"),
    ("/editcontact 79161234567 new=12ab", "is not a phone number"),
    ("/editcontact 7916123456 name=Kate", "one digit short for a Russian number"),
    ("/renamegroup", "Some arguments are missing"),
    ('/renamegroup "" Partners', "Some arguments are missing"),
    ("/editsender", "Some arguments are missing"),
    ("/editsender bad/name new comment", "cannot be a sender name"),
    ("/blacklist phones", "Say mail"),
    ("/senders everything", "Only user="),
    ("/sendcode 79991234567 site_name=not_a_site", "is not a site name"),
    ("/addsender Shop user=bad/login", "is not a sub-client login"),
    ("/contacts grp=VIP,Staff", "Give one group"),
    ("/block kate@", "is not an e-mail address"),
    # A number a digit or two short or long for its country: refused with the reason.
    ("/addcontact +7 916 123-45-6 Ivan", "“+7 916 123-45-6” is one digit short for a Russian"),
    ("/block +7 916 123 45 6 spam", "is one digit short for a Russian number"),
    ("/block 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6", "is not a phone number"),  # no one number in it
    ("/unblock 8 916 123 45 678", "has one digit too many for a Russian number"),
    ("/delcontact +380 50 123 45 6", "one digit short for a Ukrainian number"),
    ("/movecontact ８ ９１６ １２３ ４５ VIP", "2 digits short for a Russian number"),
    ("/sendcode 7 999 123-45-6", "one digit short for a Russian number"),
    ("/checkcode 7999123456 1234", "one digit short for a Russian number"),
    ("/watch every 5 5", "The interval is a number of minutes"),
    ("/watch every 25h", "The interval is a number of minutes"),
    ('/renamegroup 1 ""', "Some arguments are missing"),
    # A sum in groups of thousands: 1 with a service "000,50", or 1000,50?
    ("/invoice client1 1 000,50", "Is the sum 1 or 1000,50?"),
    ("/invoice client1 5 100 SMS", "Is the sum 5 or 5100? Write 5100 without spaces, or 5.00"),
    ("/invoice client1 1\u00a0000\u00a0000", "Is the sum 1 or 1000000?"),
]


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    harness.sandbox.requests.clear()
    return harness


@pytest.mark.parametrize(("command", "problem"), BAD_ARGUMENTS)
async def test_bad_arguments_get_usage_and_make_no_request(
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


def test_every_command_with_arguments_has_a_bad_argument_case() -> None:
    from handlers.commands import COMMANDS

    without_arguments = {
        "help",
        "account",
        "groups",
        "blacklist",
        "senders",
        "downloads",
        "logout",
        "cancel",
        "contacts",
        "login",
    }
    covered = {command.split()[0].lstrip("/") for command, _ in BAD_ARGUMENTS}
    assert {each.name for each in COMMANDS} - without_arguments <= covered


SENTENCES = {
    1: "did not accept the parameters",
    2: "rejected the login, password or API key",
    3: "found no such record",
    4: "blocked this server's address for a while; try again in 10 min",
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
        assert "SMSC has blocked this server's address for a while; try again in 10 min" in reply
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
