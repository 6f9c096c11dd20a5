from __future__ import annotations

from decimal import Decimal

import pytest

from bot.smsc import (
    Balance,
    BlacklistEntry,
    BlockType,
    Contact,
    DownloadTask,
    Group,
    OperatorStatus,
    Sender,
    TaskStatus,
)
from bot.smsc.answers import parse_json_answer
from bot.smsc.errors import (
    AuthenticationError,
    RateLimitError,
    SmscBadResponseError,
    UnknownApiError,
)


def test_numbers_as_strings_are_normalised() -> None:
    group = Group.model_validate({"id": "7", "name": "VIP", "number": "", "cnt": "12"})
    assert group.id == 7
    assert group.count == 12
    assert group.number is None
    assert Balance.model_validate({"balance": "1871.62"}).balance == Decimal("1871.62")
    task = DownloadTask.model_validate({"id": "3", "name": "x", "status": "2", "file": "x.csv"})
    assert task.status is TaskStatus.DONE


def test_contact_groups_and_mail_fields() -> None:
    contact = Contact.model_validate({"id": "5", "phone": "7999", "group": "1,2", "extra": "ok"})
    assert contact.groups == (1, 2)
    assert contact.model_extra == {"phone": "7999", "group": "1,2", "extra": "ok"}
    mail = Contact.model_validate({"id": 6, "mail": "a@b.c", "group": 3, "mail_other": "d@e.f"})
    assert mail.address == "a@b.c"
    assert mail.groups == (3,)
    assert mail.other == "d@e.f"
    assert Contact.model_validate({"id": 1, "group": ""}).groups == ()


@pytest.mark.parametrize(
    ("wire", "myid", "int_id"),
    [
        ({"id": "", "int_id": "42"}, None, 42),
        ({"id": "CRM-7", "int_id": 43}, "CRM-7", 43),
        ({"id": "  "}, None, None),
        ({"id": 17}, "17", None),
        ({}, None, None),
        ({"id": None, "int_id": ""}, None, None),
    ],
)
def test_contact_id_is_the_customers_and_int_id_is_the_providers(
    wire: dict[str, object], myid: str | None, int_id: int | None
) -> None:
    contact = Contact.model_validate({"phone": "79990001122", **wire})
    assert contact.myid == myid
    assert contact.int_id == int_id
    assert not hasattr(contact, "id")


def test_unknown_codes_are_kept_not_refused() -> None:
    task = DownloadTask.model_validate({"id": "8", "status": "7"})
    assert task.status == 7
    assert not task.status.known
    entry = BlacklistEntry.model_validate({"id": "3", "phone": "7999", "type": "5"})
    assert entry.type == 5
    assert entry.type.name == "UNKNOWN_5"
    sender = Sender.model_validate({"id": 1, "sender": "X", "status": "9", "mts_status": "9"})
    assert sender.status == 9
    assert sender.operators["mts"] == 9


def test_sender_collects_every_operator_status_and_unknown_codes() -> None:
    sender = Sender.model_validate(
        {
            "id": "9",
            "sender": "Shop",
            "status": "1",
            "mts_step_status": "2",
            "brand_new_status": 6,
            "ua_int_status": "",
        }
    )
    assert sender.operators["mts_step"] is OperatorStatus.APPROVED
    assert sender.operators["brand_new"] == 6
    assert sender.operators["brand_new"].name == "UNKNOWN_6"
    assert "ua_int" not in sender.operators


def test_blacklist_entry_from_mails() -> None:
    entry = BlacklistEntry.model_validate({"id": 1, "mail": "a@b.c", "type": "1", "comment": None})
    assert entry.phone == "a@b.c"
    assert entry.type is BlockType.MASS
    assert entry.comment == ""


def test_error_forms() -> None:
    with pytest.raises(AuthenticationError) as plain:
        parse_json_answer(b"ERROR = 2 (authorise error)", "balance")
    assert plain.value.text == "authorise error"
    with pytest.raises(RateLimitError):
        parse_json_answer(b'{"error": "duplicate request, wait a minute", "error_code": 9}', "x")
    with pytest.raises(RateLimitError):
        parse_json_answer(b'{"error": "x", "error_code": "9"}', "x")
    with pytest.raises(UnknownApiError):
        parse_json_answer(b'{"error": "odd"}', "x")
    with pytest.raises(SmscBadResponseError, match="not JSON"):
        parse_json_answer(b"<html>502</html>", "x")


def test_body_labelled_cp1251_but_utf8_and_real_cp1251() -> None:
    assert parse_json_answer('{"name": "Группа"}'.encode(), "x") == {"name": "Группа"}
    assert parse_json_answer('{"name": "Группа"}'.encode("cp1251"), "x") == {"name": "Группа"}


def test_a_list_tells_which_records_it_could_not_read() -> None:
    from bot.smsc._resource import read_list

    payload = [
        {"id": 1, "sender": "A", "status": 1},
        {"id": "2", "sender": "B", "status": ""},
        {"id": 3, "sender": "C", "status": 1, "mts_status": "n/a"},
        {"id": 4, "sender": "D", "status": 1, "files": [{"file": "x.pdf", "fstatus": ""}]},
        {"id": "", "sender": "E", "status": 1},
        "not a record",
    ]
    records = read_list(payload, Sender, "senders", "get")
    assert [s.id for s in records] == [1]
    assert records.unread == {2, 3, 4}
    assert records.unidentified == 2
    assert not records.whole
    assert read_list(payload[:1], Sender, "senders", "get").whole
