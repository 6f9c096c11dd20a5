"""Numbers as people type them, through the real dispatcher: a spaced number with one valid
reading is read by every command that takes one; one with two gets a button per reading, which
does exactly that reading for the one who asked, once. (A number a digit short is refused: a
unit test of the parsers, and one refusal per command family in test_handlers_errors.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.sandbox import Fault
from bot.sandbox.state import Account
from storage import AuthKind
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, sent, text_of

USER, OTHER = 7301, 7302
GROUP, MEMBER, ADMIN = -1007301, 7311, 7312
EXPIRED = "has expired"


@pytest.fixture
async def logged_in(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    harness.sandbox.requests.clear()
    return harness


def account(harness: Harness) -> Account:
    return harness.sandbox.state.accounts[LOGIN]


def blocked(harness: Harness, number: str) -> bool:
    return account(harness).phones.find_blacklisted(number) is not None


def writes(harness: Harness) -> list[str]:
    """What reached SMSC that changes something (every request but the reads)."""
    reads = {"get", "get_group", "get_black", "balance"}
    return [f"{r.script}:{r.action}" for r in harness.sandbox.reached() if r.action not in reads]


async def confirm(harness: Harness, calls: list[Call], user: int = USER) -> list[Call]:
    question = sent(calls)[-1]
    return await harness.press(question, "Yes", user_id=user)


# -- one reading: read, as if typed whole --------------------------------------------------


@pytest.mark.parametrize(
    ("command", "name"),
    [
        ("/addcontact +7 999 000-77-66", ""),
        ("/addcontact +7 999 000-77-66 Ivan Petrov", "Ivan Petrov"),
    ],
)
async def test_addcontact_reads_a_spaced_number(
    logged_in: Harness, command: str, name: str
) -> None:
    reply = text_of(await logged_in.say(USER, command))
    assert "79990007766 added" in reply
    contact = account(logged_in).phones.find_contact("79990007766")
    assert contact is not None
    assert contact.name == name


async def test_block_reads_a_spaced_number_and_its_comment(logged_in: Harness) -> None:
    await logged_in.say(USER, "/block +7 916 123-45-67")
    assert blocked(logged_in, "79161234567")
    # A Russian number has 11 digits, so the 100 can only be the comment.
    await logged_in.say(USER, "/block +7 916 555 45 67 100")
    entry = account(logged_in).phones.find_blacklisted("79165554567")
    assert entry is not None
    assert entry.comment == "100"


async def test_unblock_and_delcontact_read_a_spaced_number(logged_in: Harness) -> None:
    await confirm(logged_in, await logged_in.say(USER, "/unblock 8 (999) 000 00 01"))
    assert not blocked(logged_in, "79990000001")
    await confirm(logged_in, await logged_in.say(USER, "/delcontact 8 999 100 00 00"))
    assert account(logged_in).phones.find_contact("79991000000") is None


async def test_movecontact_and_editcontact_read_a_spaced_number(logged_in: Harness) -> None:
    await logged_in.say(USER, "/movecontact +7 999 100-00-00 VIP")
    assert account(logged_in).phones.find_contact("79991000000").groups == [3]  # type: ignore[union-attr]
    await logged_in.say(USER, "/editcontact 8 999 100 00 00 name=Kate Ray")
    assert account(logged_in).phones.find_contact("79991000000").name == "Kate Ray"  # type: ignore[union-attr]


async def test_a_digital_sender_name_is_read_as_the_card_reads_a_number(
    logged_in: Harness,
) -> None:
    reply = text_of(await logged_in.say(USER, "/sendcode 89991234567"))
    assert "sent a confirmation code to 79991234567" in reply
    [sent_code] = logged_in.sandbox.reached("senders")
    assert sent_code.params["sender"] == "79991234567"
    code = logged_in.sandbox.state.sent_code(LOGIN, "79991234567")
    reply = text_of(await logged_in.say(USER, f"/checkcode 8 999 123 45 67 {code}"))
    assert "79991234567 is confirmed" in reply


# -- two readings: a button each, never a guess ----------------------------------------------

TWO_WAYS = "/block +44 20 7946 0958 12"
COMMENT_12 = "Block +442079460958, comment 12"
WHOLE = "Block +44207946095812"


async def test_two_readings_are_asked_and_the_pressed_one_is_done_once(
    logged_in: Harness,
) -> None:
    [question] = sent(await logged_in.say(USER, TWO_WAYS))
    assert [b["text"] for b in question.buttons()] == [COMMENT_12, WHOLE, "Cancel"]
    assert writes(logged_in) == []
    calls = await logged_in.press(question, COMMENT_12, user_id=USER)
    entry = account(logged_in).phones.find_blacklisted("442079460958")
    assert entry is not None
    assert entry.comment == "12"
    assert not blocked(logged_in, "44207946095812")
    assert "is blacklisted" in text_of(calls)
    assert writes(logged_in) == ["phones:add_black"]
    # Pressed again, either button: expired, nothing reaches SMSC.
    for label in (COMMENT_12, WHOLE):
        again = await logged_in.press(question, label, user_id=USER)
        assert EXPIRED in text_of(again)
    assert writes(logged_in) == ["phones:add_black"]


@pytest.mark.parametrize(
    ("command", "reading", "action", "done"),
    [
        (TWO_WAYS, WHOLE, "add_black", lambda h: blocked(h, "44207946095812")),
        (
            "/addcontact +44 20 7946 0958 12",
            "Add +44207946095812",
            "add",
            lambda h: account(h).phones.find_contact("44207946095812") is not None,
        ),
    ],
)
async def test_a_reading_whose_action_failed_can_be_pressed_again(
    logged_in: Harness,
    command: str,
    reading: str,
    action: str,
    done: Callable[[Harness], bool],
) -> None:
    [question] = sent(await logged_in.say(USER, command))
    logged_in.sandbox.set_fault(Fault("error", code=5, script="phones", action=action))
    calls = await logged_in.press(question, reading, user_id=USER)
    assert "(error 5)" in text_of(calls)
    assert not done(logged_in)
    # The question keeps its buttons, and they still work.
    assert [c for c in calls if c.method == "editMessageText"] == []
    logged_in.sandbox.clear_faults()
    calls = await logged_in.press(question, reading, user_id=USER)
    assert done(logged_in)
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert edited.text == f"👉 {reading}"
    # Done once: used up now.
    assert EXPIRED in text_of(await logged_in.press(question, reading, user_id=USER))


async def test_a_reading_pressed_by_someone_else_does_nothing(logged_in: Harness) -> None:
    [question] = sent(await logged_in.say(USER, TWO_WAYS))
    calls = await logged_in.press(question, WHOLE, user_id=OTHER)
    assert EXPIRED in text_of(calls)
    assert writes(logged_in) == []
    # The one who asked still can.
    await logged_in.press(question, WHOLE, user_id=USER)
    assert blocked(logged_in, "44207946095812")


async def test_a_reading_pressed_late_does_nothing(logged_in: Harness) -> None:
    [question] = sent(await logged_in.say(USER, TWO_WAYS))
    logged_in.app.dispatcher.workflow_data["memo"]._items.clear()
    calls = await logged_in.press(question, WHOLE, user_id=USER)
    assert EXPIRED in text_of(calls)
    assert writes(logged_in) == []


async def test_cancel_does_nothing(logged_in: Harness) -> None:
    [question] = sent(await logged_in.say(USER, TWO_WAYS))
    calls = await logged_in.press(question, "Cancel", user_id=USER)
    assert "Nothing was changed" in text_of(calls)
    assert writes(logged_in) == []


async def test_movecontact_readings_each_go_their_own_way(logged_in: Harness) -> None:
    await logged_in.say(USER, "/addcontact 442079460958")
    [question] = sent(await logged_in.say(USER, "/movecontact +44 20 7946 0958 1"))
    assert [b["text"] for b in question.buttons()] == [
        "Move +442079460958 to the group 1",
        "Choose a group for +4420794609581",
        "Cancel",
    ]
    calls = await logged_in.press(question, "Move +442079460958", user_id=USER)
    assert "moved to the group “Customers”" in text_of(calls)
    assert account(logged_in).phones.find_contact("442079460958").groups == [1]  # type: ignore[union-attr]


async def test_in_a_group_only_the_member_who_asked_chooses(harness: Harness) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    await harness.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=harness.sandbox.base_url,
        set_by=ADMIN,
    )
    [question] = sent(await harness.say(GROUP, TWO_WAYS, user_id=MEMBER))
    assert EXPIRED in text_of(await harness.press(question, WHOLE, user_id=ADMIN))
    assert not blocked(harness, "44207946095812")
    await harness.press(question, WHOLE, user_id=MEMBER)
    assert blocked(harness, "44207946095812")


async def test_an_anonymous_administrators_readings_are_any_administrators(
    harness: Harness,
) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    await harness.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=harness.sandbox.base_url,
        set_by=ADMIN,
    )
    [question] = sent(await harness.feed(harness.telegram.anonymous_update(GROUP, TWO_WAYS)))
    assert EXPIRED in text_of(await harness.press(question, WHOLE, user_id=MEMBER))
    await harness.press(question, WHOLE, user_id=ADMIN)
    assert blocked(harness, "44207946095812")


async def test_a_mistyped_number_sent_alone_is_told_what_is_wrong(harness: Harness) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    harness.sandbox.requests.clear()
    reply = text_of(await harness.say(USER, "+7 999 000-77-6"))
    assert "“+7 999 000-77-6” is one digit short for a Russian number" in reply
    assert "📇" not in reply
    assert harness.sandbox.requests == []
    # In a group, only when it is addressed to the bot, as for the card.
    await harness.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=harness.sandbox.base_url,
        set_by=ADMIN,
    )
    assert sent(await harness.say(GROUP, "7999000777", user_id=MEMBER)) == []
    reply = text_of(await harness.say(GROUP, "@smsc_test_bot 7999000777", user_id=MEMBER))
    assert "“7999000777” is one digit short for a Russian number" in reply


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("+7 999 OOO-77-66", "the letter O for a zero. Send it with digits only: +7 999 000-77-66"),
        ("8 9l6 123-45-67", "the letter l for a one. Send it with digits only: 8 916 123-45-67"),
        ("+7 999 Оoo-77-6I", "the letter О for a zero, the letter o for a zero, the letter I"),
        ("+7 999 OOO-77-6", "Send it with digits only: +7 999 000-77-6"),  # and a digit short
        # Letters that look like no digit (a Cyrillic Ze, a slip to x): named, nothing guessed.
        ("+7 999 12З-45-67", ": the letter З. Send it with digits only."),
        ("+7 999 123-45-6x", ": the letter x. Send it with digits only."),
        ("+7 999 OOO-77-6x", ": the letter O for a zero, the letter x. Send it with digits only."),
    ],
)
async def test_a_number_with_a_letter_in_it_is_told_so(
    logged_in: Harness, typed: str, said: str
) -> None:
    reply = text_of(await logged_in.say(USER, typed))
    assert f"“{typed}” looks like a number with a letter in it: " in reply
    assert said in reply
    assert logged_in.sandbox.requests == []


@pytest.mark.parametrize(
    "typed",
    [
        "Hello 2024",
        "Room 101 at 10:00",
        "lol 1234",
        "OOO 7799",
        "A 89161234567",
        "ТЦ 89161234567",
        "8916123456 ok",
        "x 8 916 x 123 x 45 67",
    ],
)
async def test_words_with_digits_are_not_taken_for_a_number(logged_in: Harness, typed: str) -> None:
    reply = text_of(await logged_in.say(USER, typed))
    assert "letter in it" not in reply
    assert "I work with commands" in reply


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("/block +7 999 OOO-77-66 spam", "the letter O for a zero. Send it with digits only: "),
        ("/block +7 999 12З-45-67", "“+7 999 12З-45-67” looks like a number with a letter in it"),
        ("/addcontact 8 916 123-45-6x Ivan", "in it: the letter x. Send it with digits only."),
        ("/unblock +7 999 OOO-77-66", "Send it with digits only: +7 999 000-77-66"),
    ],
)
async def test_a_command_s_number_with_a_letter_in_it_is_told_so(
    logged_in: Harness, typed: str, said: str
) -> None:
    reply = text_of(await logged_in.say(USER, typed))
    assert said in reply
    assert "is not a phone number" not in reply
    assert logged_in.sandbox.requests == []


async def test_a_number_with_a_letter_is_told_so_in_russian(logged_in: Harness) -> None:
    reply = text_of(await logged_in.say(USER, "+7 999 OOO-77-66", language="ru"))
    assert "похоже на номер с буквой: буква O вместо нуля" in reply


async def test_addcontact_readings_each_go_their_own_way(logged_in: Harness) -> None:
    [question] = sent(await logged_in.say(USER, "/addcontact +44 20 7946 0958 12"))
    assert [b["text"] for b in question.buttons()] == [
        "Add +442079460958, name 12",
        "Add +44207946095812",
        "Cancel",
    ]
    await logged_in.press(question, "Add +44207946095812", user_id=USER)
    assert account(logged_in).phones.find_contact("44207946095812") is not None
    assert account(logged_in).phones.find_contact("442079460958") is None
