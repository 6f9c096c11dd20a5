"""Digits of any script, wherever an id is read: a phone's keyboard in Arabic, Persian or
Devanagari, or a fullwidth one, types the same number."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from aiogram.utils.i18n import I18n

from bot.assembly.app import LOCALES
from bot.smsc import Group
from handlers import args as parse
from handlers.readings import groups_meant

# 123 as people type it around the world.
ONE_TWO_THREE = ["١٢٣", "۱۲۳", "१२३", "１２３", "১২৩"]


@pytest.fixture(autouse=True)
def i18n() -> Iterator[None]:
    with I18n(path=LOCALES, default_locale="en", domain="messages").context():
        yield


@pytest.mark.parametrize("digits", ONE_TWO_THREE)
def test_act_id(digits: str) -> None:
    assert parse.act(f"client1 {digits}") == parse.ActArgs("client1", 123, None)


def test_act_number_and_sub_client() -> None:
    assert parse.act("client١ A-٢٠١") == parse.ActArgs("client1", None, "A-201")


@pytest.mark.parametrize("digits", ONE_TWO_THREE)
def test_export_id(digits: str) -> None:
    assert parse.download(digits) == parse.TaskRef(123, None)


def test_export_name() -> None:
    assert parse.download("sent_٢٠٢٦_٠٩") == parse.TaskRef(None, "sent_2026_09")


def test_invoices() -> None:
    assert parse.getinvoice("client١ ١٠١") == ("client1", 101)
    assert parse.invoice("client١ ١٥٠٠") == parse.InvoiceArgs("client1", Decimal(1500), None)


@pytest.mark.parametrize("digits", ONE_TWO_THREE)
def test_sender_ids(digits: str) -> None:
    assert parse.delsender(digits) == parse.SenderRef(None, 123)
    assert parse.editsender(f"{digits} a new comment") == parse.EditSenderArgs(
        parse.SenderRef(None, 123), "a new comment"
    )


def test_sender_names_and_sub_clients() -> None:
    assert parse.delsender("٧٩٩٩١٢٣٤٥٦٧") == parse.SenderRef("79991234567", None)
    assert parse.delsender("Shop١ user=client١") == parse.SenderRef("Shop1", None, "client1")
    assert parse.senders("user=client١") == "client1"
    assert parse.addsender("Shop user=client١").user == "client1"
    assert parse.sendcode("79991234567 user=client١").user == "client1"
    assert parse.checkcode("79991234567 ١٢٣٤ user=client١") == parse.CheckCodeArgs(
        "79991234567", "1234", "client1"
    )


GROUPS = [Group(id=123, name="Key"), Group(id=4, name="Four")]


def meant(ref: parse.GroupRef | None) -> list[int]:
    assert ref is not None
    return [group.id for group in groups_meant(ref, GROUPS)]


@pytest.mark.parametrize("digits", ONE_TWO_THREE)
def test_group_ids(digits: str) -> None:
    ref, name = parse.renamegroup(f"{digits} Key customers")
    assert (meant(ref), name) == ([123], "Key customers")
    assert meant(parse.delgroup(digits)) == [123]
    assert meant(parse.contacts(f"grp={digits}").group) == [123]
    [added] = parse.addcontact(f"79991000000 Kim grp={digits},٤")
    assert [meant(ref) for ref in added.groups] == [[123], [4]]
    edited = parse.editcontact(f"79991000000 grp={digits},٤")
    assert [meant(ref) for ref in edited.changes["groups"]] == [[123], [4]]
    [moved] = parse.movecontact(f"79991000000 {digits}")
    assert meant(moved.group) == [123]


@pytest.mark.parametrize(("typed", "mode"), [("＋٣", "add"), ("+٣", "add"), ("-٣", "remove")])
def test_group_moves(typed: str, mode: str) -> None:
    [moved] = parse.movecontact(f"79991000000 {typed}")
    assert (moved.group, moved.mode) == ("٣", mode)
    assert moved.group is not None
    assert groups_meant(moved.group, [Group(id=3, name="VIP")])[0].id == 3


@pytest.mark.parametrize(
    ("payload", "group"),
    [
        ("-1001234567890", -1001234567890),
        ("-42", -42),
        ("9" * 20, None),
        ("-" + "9" * 20, None),
        ("-9007199254740992", None),
        ("12345", None),
        ("0", None),
        ("-0", None),
        ("-", None),
        ("-١٢٣", None),
        ("", None),
    ],
)
def test_login_link(payload: str, group: int | None) -> None:
    assert parse.linked_group(payload) == group
