"""Numbers typed with spaces, numbers of the wrong length, and groups by name: the parsers
alone, without the app. A spaced number with one valid reading is read; with several, every
valid reading comes back (the handler asks); a number a digit short is refused with that
reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiogram.utils.i18n import I18n

from bot.assembly.app import LOCALES
from bot.smsc import BlockType, Group
from handlers import blacklist_args, contacts_args, groups_args, readers, senders_args
from handlers.group_names import groups_meant
from handlers.phones import WrongLength, phone_number, wrong_length

PHONE = readers.Address("79161234567", False)


@pytest.fixture(autouse=True)
def i18n() -> Iterator[None]:
    with I18n(path=LOCALES, default_locale="en", domain="messages").context():
        yield


def refusal(parser: object, text: str, region: str | None = None) -> str:
    with pytest.raises(readers.ArgumentError) as refused:
        parser(text, region)  # type: ignore[operator]
    return refused.value.problem


# -- one reading: read it ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("+7 999 000-77-66", None),
        ("+7 999 000-77-66 Ivan Petrov", "Ivan Petrov"),
        ("8 (999) 000 77 66 Ivan", "Ivan"),
        ("+7 999 000 77 66 2", "2"),  # +7 and eleven digits: the 2 cannot be the number's
    ],
)
def test_addcontact_reads_a_spaced_number(typed: str, name: str | None) -> None:
    assert contacts_args.addcontact(typed) == (
        contacts_args.AddContactArgs(("79990007766",), False, name, ()),
    )


def test_block_reads_a_spaced_number_and_what_follows() -> None:
    assert blacklist_args.block("+7 916 123-45-67") == (
        blacklist_args.BlockArgs(PHONE, BlockType.ALL, None),
    )
    # Is 100 the comment or the number's end? A Russian number has 11 digits: the comment.
    assert blacklist_args.block("+7 916 123 45 67 100") == (
        blacklist_args.BlockArgs(PHONE, BlockType.ALL, "100"),
    )
    assert blacklist_args.block("\u202a+7 (916) 123-45-67\u202c mass spam") == (
        blacklist_args.BlockArgs(PHONE, BlockType.MASS, "spam"),
    )
    ukrainian = readers.Address("380501234567", False)
    assert blacklist_args.block("+380 50 123 45 67 spam") == (
        blacklist_args.BlockArgs(ukrainian, BlockType.ALL, "spam"),
    )


@pytest.mark.parametrize(
    "typed",
    ["8 (999) 000 77 66", "+7 999 000-77-66", "８ ９９９ ０００ ７７ ６６", "999 000 77 66"],
)
def test_unblock_and_delcontact_read_a_spaced_number(typed: str) -> None:
    number = readers.Address("79990007766", False)
    assert blacklist_args.unblock(typed) == number
    assert contacts_args.delcontact(typed) == number


def test_movecontact_editcontact_sendcode_checkcode_read_a_spaced_number() -> None:
    [moved] = contacts_args.movecontact("８ ９１６ １２３ ４５ ６７ VIP clients")
    assert moved == contacts_args.MoveContactArgs(
        PHONE, "VIP clients", contacts_args.GroupMove.MOVE
    )
    edited = contacts_args.editcontact("8 916 123-45-67 name=Kate Ray")
    assert edited == contacts_args.EditContactArgs(PHONE, {"name": "Kate Ray"})
    sent = senders_args.sendcode("+7 999 123-45-67 user=client1")
    assert (sent.number, sent.user) == ("79991234567", "client1")
    assert senders_args.checkcode("+7 999 123-45-67 1234") == senders_args.CheckCodeArgs(
        "79991234567", "1234", None
    )


def test_a_national_number_is_read_as_the_card_reads_it() -> None:
    # Sent as typed, 89991234567 is no sender name SMSC knows (error 3).
    assert senders_args.sendcode("89991234567").number == "79991234567"
    assert senders_args.checkcode("8 999 123 45 67 1234").number == "79991234567"
    assert senders_args.sendcode("0501234567", "ua").number == "380501234567"


# -- several readings: all of them, never a guess ------------------------------------------


def test_a_number_of_a_country_of_any_length_reads_two_ways() -> None:
    # +44 numbers vary in length: 12 may be the comment or the number's last digits.
    assert blacklist_args.block("+44 20 7946 0958 12") == (
        blacklist_args.BlockArgs(readers.Address("442079460958", False), BlockType.ALL, "12"),
        blacklist_args.BlockArgs(readers.Address("44207946095812", False), BlockType.ALL, None),
    )
    # Only readings the command's grammar takes: /unblock takes nothing after the number.
    assert blacklist_args.unblock("+44 20 7946 0958 12") == readers.Address("44207946095812", False)


def test_movecontact_offers_each_reading_with_its_group() -> None:
    assert contacts_args.movecontact("+44 20 7946 0958 3") == (
        contacts_args.MoveContactArgs(
            readers.Address("442079460958", False), "3", contacts_args.GroupMove.MOVE
        ),
        contacts_args.MoveContactArgs(
            readers.Address("4420794609583", False), None, contacts_args.GroupMove.MOVE
        ),
    )


# -- a digit short or too many: refused with that reason --------------------------------


@pytest.mark.parametrize(
    ("parser", "text", "problem"),
    [
        (
            contacts_args.addcontact,
            "7999000777",
            "“7999000777” is one digit short for a Russian number",
        ),
        (contacts_args.addcontact, "7999000777 Ivan", "is one digit short for a Russian number"),
        (blacklist_args.block, "7999000777 100", "“7999000777” is one digit short for a Russian"),
        (blacklist_args.block, "+7 916 123 45 6 spam", "“+7 916 123 45 6” is one digit short"),
        (
            blacklist_args.unblock,
            "+7 916 123 45 678 9",
            "has one digit too many for a Russian number",
        ),
        (contacts_args.delcontact, "+7 701 123 45 6", "one digit short for a Kazakh number"),
        (contacts_args.movecontact, "8 916 123 45 VIP", "2 digits short"),
        (contacts_args.editcontact, "79161234567 new=7916123456", "one digit short for a Russian"),
        (senders_args.sendcode, "7999123456", "one digit short for a Russian number"),
        (senders_args.checkcode, "7999123456 1234", "one digit short for a Russian number"),
        (contacts_args.addcontact, "+380 50 123 45 6", "one digit short for a Ukrainian number"),
        (contacts_args.addcontact, "+375 29 123 45 678", "one digit too many for a number of +375"),
        (contacts_args.addcontact, "79161234567,7916123456", "one digit short"),
    ],
)
def test_a_number_of_the_wrong_length_is_refused_with_the_reason(
    parser: object, text: str, problem: str
) -> None:
    assert problem in refusal(parser, text)


def test_the_reason_names_the_length() -> None:
    assert "(+7 and 10 digits)" in refusal(contacts_args.addcontact, "7999000777")
    assert "(+380 and 9 digits)" in refusal(contacts_args.addcontact, "38050123456")
    assert "2 digits short" in refusal(contacts_args.addcontact, "799900077")


def test_what_is_no_number_is_still_said_to_be_none() -> None:
    assert "is not a phone number" in refusal(blacklist_args.block, "+7(916)12")
    assert "is not a phone number" in refusal(contacts_args.addcontact, "12ab Ivan")
    assert "is not a digital sender name" in refusal(senders_args.sendcode, "MyShop")


def test_the_grammar_s_own_problem_wins_over_the_number_s() -> None:
    assert "exactly one" in refusal(blacklist_args.unblock, "79161234567 79161234568")
    assert "is not a confirmation code" in refusal(senders_args.checkcode, "79991234567 12ab")


def test_phone_lengths_by_country() -> None:
    assert phone_number("7999000777") is None
    assert wrong_length("7999000777") == WrongLength("7", "ru", 10, 11)
    assert wrong_length("+7 701 123 45 6", "kz") == WrongLength("7", "kz", 10, 11)
    assert wrong_length("050 123 45 6", "ua") == WrongLength("380", "ua", 11, 12)
    # Far from any length: no mistyped number, simply none.
    assert wrong_length("7916") is None
    # A country whose numbers vary in length takes any 7 to 15 digits.
    assert phone_number("+49 30 1234567") == "49301234567"
    assert phone_number("+49 30 12345678") == "493012345678"


# -- groups by name ------------------------------------------------------------------------

GROUPS = [
    Group(id=1, name="Customers"),
    Group(id=3, name="VIP"),
    Group(id=7, name="VIP clients"),
    Group(id=8, name="Staff"),
    Group(id=9, name="staff"),
    Group(id=12, name="3"),
]


def ids(ref: readers.GroupRef) -> list[int]:
    return [group.id for group in groups_meant(ref, GROUPS)]


def test_a_group_is_found_by_name_in_any_case_or_by_id() -> None:
    assert ids("vip") == [3]
    assert ids("VIP   Clients") == [7]
    assert ids("7") == [7]
    assert ids("١") == [1]
    assert ids(7) == [7]
    assert ids("Partners") == []


def test_two_groups_of_one_name_are_both_meant() -> None:
    assert ids("STAFF") == [8, 9]


def test_an_id_wins_over_a_name_that_is_digits() -> None:
    # Group 3 exists, so "3" is it; group 12 is found by its name "3" only when typed so.
    assert ids("3") == [3]
    assert ids("12") == [12]
    assert ids(12) == [12]


def test_group_names_are_read_wherever_a_group_is_asked() -> None:
    assert contacts_args.contacts("grp=VIP Ivan") == contacts_args.ContactsQuery(
        "Ivan", "VIP", False
    )
    assert contacts_args.contacts('grp="VIP clients"').group == "VIP clients"
    assert groups_args.delgroup("VIP clients") == "VIP clients"
    assert groups_args.delgroup("«VIP clients»") == "VIP clients"
    assert groups_args.renamegroup('VIP "VIP clients"') == ("VIP", "VIP clients")
    assert groups_args.renamegroup('"VIP clients" Key') == ("VIP clients", "Key")
    [added] = contacts_args.addcontact("79161234567 Kim grp=VIP,Friends")
    assert (added.name, added.groups) == ("Kim", ("VIP", "Friends"))
    [added] = contacts_args.addcontact('79161234567 grp="VIP clients" Kim')
    assert (added.name, added.groups) == ("Kim", ("VIP clients",))
    edited = contacts_args.editcontact("79161234567 grp=VIP clients,Friends comment=x")
    assert edited.changes == {"groups": ("VIP clients", "Friends"), "comment": "x"}
    [moved] = contacts_args.movecontact("79161234567 -VIP")
    assert (moved.group, moved.mode) == ("VIP", contacts_args.GroupMove.REMOVE)


def test_an_empty_group_is_refused() -> None:
    assert "Name the group" in refusal(contacts_args.movecontact, "79161234567 +")
    assert "grp= needs" in refusal(contacts_args.addcontact, "79161234567 grp=")
    assert "Give one group" in refusal(contacts_args.contacts, "grp=VIP,Staff")
