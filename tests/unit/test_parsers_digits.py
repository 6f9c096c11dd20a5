"""Digits of any script, wherever an id is read: a phone's keyboard in Arabic, Persian or
Devanagari, or a fullwidth one, types the same number."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from aiogram.utils.i18n import I18n

from bot.assembly.app import LOCALES
from bot.smsc import Group
from handlers import (
    account_args,
    contacts_args,
    downloads_args,
    groups_args,
    invoices_args,
    readers,
    senders_args,
)
from handlers.group_names import groups_meant

# 123 as people type it around the world.
ONE_TWO_THREE = ["١٢٣", "۱۲۳", "१२३", "１２３", "১২৩"]


@pytest.fixture(autouse=True)
def i18n() -> Iterator[None]:
    with I18n(path=LOCALES, default_locale="en", domain="messages").context():
        yield


@pytest.mark.parametrize("digits", ONE_TWO_THREE)
def test_act_id(digits: str) -> None:
    assert invoices_args.act(f"client1 {digits}") == invoices_args.ActArgs("client1", 123, None)


def test_act_number_and_sub_client() -> None:
    assert invoices_args.act("client١ A-٢٠١") == invoices_args.ActArgs("client1", None, "A-201")


@pytest.mark.parametrize("digits", ONE_TWO_THREE)
def test_export_id(digits: str) -> None:
    assert downloads_args.download(digits) == downloads_args.TaskRef(123, None)


def test_export_name() -> None:
    assert downloads_args.download("sent_٢٠٢٦_٠٩") == downloads_args.TaskRef(None, "sent_2026_09")


def test_invoices() -> None:
    assert invoices_args.getinvoice("client١ ١٠١") == ("client1", 101)
    assert invoices_args.invoice("client١ ١٥٠٠") == invoices_args.InvoiceArgs(
        "client1", Decimal(1500), None
    )


@pytest.mark.parametrize("digits", ONE_TWO_THREE)
def test_sender_ids(digits: str) -> None:
    assert senders_args.delsender(digits) == senders_args.SenderRef(None, 123)
    assert senders_args.editsender(f"{digits} a new comment") == senders_args.EditSenderArgs(
        senders_args.SenderRef(None, 123), "a new comment"
    )


def test_sender_names_and_sub_clients() -> None:
    assert senders_args.delsender("٧٩٩٩١٢٣٤٥٦٧") == senders_args.SenderRef("79991234567", None)
    assert senders_args.delsender("Shop١ user=client١") == senders_args.SenderRef(
        "Shop1", None, "client1"
    )
    assert senders_args.senders("user=client١") == "client1"
    assert senders_args.addsender("Shop user=client١").user == "client1"
    assert senders_args.sendcode("79991234567 user=client١").user == "client1"
    assert senders_args.checkcode("79991234567 ١٢٣٤ user=client١") == senders_args.CheckCodeArgs(
        "79991234567", "1234", "client1"
    )


GROUPS = [Group(id=123, name="Key"), Group(id=4, name="Four")]


def meant(ref: readers.GroupRef | None) -> list[int]:
    assert ref is not None
    return [group.id for group in groups_meant(ref, GROUPS)]


@pytest.mark.parametrize("digits", ONE_TWO_THREE)
def test_group_ids(digits: str) -> None:
    ref, name = groups_args.renamegroup(f"{digits} Key customers")
    assert (meant(ref), name) == ([123], "Key customers")
    assert meant(groups_args.delgroup(digits)) == [123]
    assert meant(contacts_args.contacts(f"grp={digits}").group) == [123]
    [added] = contacts_args.addcontact(f"79991000000 Kim grp={digits},٤")
    assert [meant(ref) for ref in added.groups] == [[123], [4]]
    edited = contacts_args.editcontact(f"79991000000 grp={digits},٤")
    assert [meant(ref) for ref in edited.changes["groups"]] == [[123], [4]]
    [moved] = contacts_args.movecontact(f"79991000000 {digits}")
    assert meant(moved.group) == [123]


@pytest.mark.parametrize(("typed", "mode"), [("＋٣", "add"), ("+٣", "add"), ("-٣", "remove")])
def test_group_moves(typed: str, mode: str) -> None:
    [moved] = contacts_args.movecontact(f"79991000000 {typed}")
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
    assert account_args.linked_group(payload) == group
