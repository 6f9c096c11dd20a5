"""A contract test per documented answer: every fmt=3 sample of the five pages decodes.

The samples are copied from the provider's pages (``../shared/smsc-api/seeds``), placeholders
and all; each is filled twice, once with every value a string and once with every numeric value
a bare number, because the pages quote some and not others and promise neither.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest

from bot.smsc import (
    Balance,
    BlacklistEntry,
    BlockType,
    Contact,
    DownloadTask,
    FileStatus,
    Group,
    Invoice,
    OperatorStatus,
    Sender,
    SenderStatus,
    TaskStatus,
)
from bot.smsc._resource import created_id, read_list
from bot.smsc.answers import parse_json_answer
from bot.smsc.errors import NotFoundError, OperationFailedError, RateLimitError

# phones.php (seed 002), as printed.
CONTACTS = """[{
  "phone": "<phone>",
  "name": "<name>",
  "group": <group>,
  "first_name": "<first_name>",
  "last_name": "<last_name>",
  "middle_name": "<middle_name>",
  "birthday": "<birthday>",
  "id": "<id>",
  "comments": "<comments>",
  "tags": "<tags>",
  "phone_other": "<phone_other>"
  }]"""
GROUPS = """[{
  "id": <id>,
  "name": "<name>",
  "number": <number>,
  "cnt": "<cnt>"
  }]"""
BLACKLIST = """[{
  "id": <id>,
  "phone": "<phone>",
  "type": <type>,
  "comment": "<comment>"
  }]"""
CREATED = """{
  "id": <id>
  }"""
CHANGED = """{
  "result": "OK"
  }"""
ERROR = """{
  "error": "<description>",
  "error_code": <code>
  }"""
# downloads.php (seed 004) prints its placeholders without brackets; marked here as the rest.
TASKS = """[{ "id": <id>,
    "name": "<name>",
    "status": "<status>",
    "created": "<created>",
    "time": "<time>",
    "file": "<file>"
    },
    ...]"""
# senders.php (seeds 001 and 003, cut): the fields the page names, with operators=1 and files=1.
SENDERS = """[{
  "id": <id>,
  "sender": "<sender>",
  "status": <status>,
  "mega_status": <mega_status>,
  "mts_status": <mts_status>,
  "mega_step_status": <mega_step_status>,
  "bee_step_status": <bee_step_status>,
  "tele2_status": <tele2_status>,
  "ua_reg_status": <ua_reg_status>,
  "files": [{"file": "<file>", "fid": <fid>, "fstatus": <fstatus>, "fcomment": "<fcomment>"}]
  }]"""
# balance.php, with cur=1.
BALANCE = """{"balance": "<balance>", "currency": "<currency>"}"""
# documents.php add_account: the JSON part of the multipart answer.
INVOICE = """{"id": <id>, "sum": <sum>}"""

VALUES: dict[str, Any] = {
    "phone": "79990001122",
    "name": "Ivan",
    "group": 3,
    "first_name": "Ivan",
    "last_name": "Petrov",
    "middle_name": "Ivanovich",
    "birthday": "01.02.1990",
    "id": 17,
    "comments": "met at expo",
    "tags": "vip",
    "phone_other": "79990003344",
    "number": 100,
    "cnt": 5,
    "type": 1,
    "comment": "asked to stop",
    "description": "duplicate request, wait a minute",
    "code": 9,
    "status": 2,
    "created": "01.12.2026 10:00:00",
    "time": "01.12.2026 10:05:00",
    "file": "sent.csv",
    "sender": "MyShop",
    "mega_status": 2,
    "mts_status": 3,
    "mega_step_status": 1,
    "bee_step_status": 8,
    "tele2_status": 0,
    "ua_reg_status": 4,
    "fid": 55,
    "fstatus": 1,
    "fcomment": "blurred scan",
    "balance": "1871.62",
    "currency": "RUR",
    "sum": 1500.5,
}
_PLACEHOLDER = re.compile(r'"<(\w+)>"|<(\w+)>')


def filled(sample: str, mode: str) -> Any:
    """The sample with each placeholder replaced: all as strings, or numbers as bare numbers."""
    text = sample.replace(",\n    ...]", "]").replace(",\n  ...]", "]")

    def value(match: re.Match[str]) -> str:
        raw = VALUES[match.group(1) or match.group(2)]
        if mode == "strings" or isinstance(raw, str):
            return json.dumps(str(raw), ensure_ascii=False)
        return json.dumps(raw)

    return json.loads(_PLACEHOLDER.sub(value, text))


MODES = ["strings", "numbers"]


@pytest.mark.parametrize("mode", MODES)
def test_contacts_sample(mode: str) -> None:
    [contact] = read_list(filled(CONTACTS, mode), Contact, "phones", "get")
    assert contact.address == "79990001122"
    assert contact.groups == (3,)
    assert (contact.first_name, contact.last_name, contact.middle_name) == (
        "Ivan",
        "Petrov",
        "Ivanovich",
    )
    assert contact.birthday == "01.02.1990"
    # The sample's id is the one the customer assigned; the internal one is not in it.
    assert contact.myid == "17"
    assert contact.int_id is None
    assert contact.comments == "met at expo"
    assert contact.tags == "vip"
    assert contact.other == "79990003344"


@pytest.mark.parametrize("mode", MODES)
def test_groups_sample(mode: str) -> None:
    [group] = read_list(filled(GROUPS, mode), Group, "phones", "get_group")
    assert (group.id, group.name, group.number, group.count) == (17, "Ivan", "100", 5)


@pytest.mark.parametrize("mode", MODES)
def test_blacklist_sample(mode: str) -> None:
    [entry] = read_list(filled(BLACKLIST, mode), BlacklistEntry, "phones", "get_black")
    assert (entry.id, entry.phone, entry.type, entry.comment) == (
        17,
        "79990001122",
        BlockType.MASS,
        "asked to stop",
    )


@pytest.mark.parametrize("mode", MODES)
def test_created_and_changed_samples(mode: str) -> None:
    assert created_id(filled(CREATED, mode), "phones") == 17
    assert parse_json_answer(json.dumps(filled(CHANGED, mode)).encode(), "phones") == {
        "result": "OK"
    }


@pytest.mark.parametrize("mode", MODES)
def test_error_sample(mode: str) -> None:
    body = json.dumps(filled(ERROR, mode), ensure_ascii=False).encode()
    with pytest.raises(RateLimitError) as caught:
        parse_json_answer(body, "phones")
    assert caught.value.text == "duplicate request, wait a minute"


@pytest.mark.parametrize("mode", MODES)
def test_download_tasks_sample(mode: str) -> None:
    [task] = read_list(filled(TASKS, mode), DownloadTask, "downloads", "get_list")
    assert task.id == 17
    assert task.status is TaskStatus.DONE
    assert (task.name, task.created, task.time, task.file) == (
        "Ivan",
        "01.12.2026 10:00:00",
        "01.12.2026 10:05:00",
        "sent.csv",
    )


@pytest.mark.parametrize("mode", MODES)
def test_senders_sample(mode: str) -> None:
    [sender] = read_list(filled(SENDERS, mode), Sender, "senders", "get")
    assert (sender.id, sender.name, sender.status) == (17, "MyShop", SenderStatus.DISABLED)
    assert sender.operators == {
        "mega": OperatorStatus.APPROVED,
        "mts": OperatorStatus.REJECTED,
        "mega_step": OperatorStatus.SENT_FOR_REGISTRATION,
        "bee_step": OperatorStatus.DOCUMENTS_REQUIRED,
        "tele2": OperatorStatus.AWAITING_REGISTRATION,
        "ua_reg": OperatorStatus.TEMPORARILY_DISABLED,
    }
    [document] = sender.files
    assert (document.file, document.fid, document.fstatus, document.fcomment) == (
        "sent.csv",
        55,
        FileStatus.REJECTED,
        "blurred scan",
    )


@pytest.mark.parametrize("mode", MODES)
def test_balance_sample(mode: str) -> None:
    balance = Balance.model_validate(filled(BALANCE, mode))
    assert balance.balance == Decimal("1871.62")
    assert balance.currency == "RUR"


@pytest.mark.parametrize("mode", MODES)
def test_invoice_sample(mode: str) -> None:
    details = filled(INVOICE, mode)
    invoice = Invoice(id=details["id"], sum=details["sum"], pdf=b"%PDF-1.4")
    assert invoice.id == 17
    assert invoice.sum == Decimal("1500.5")


def test_the_pages_error_codes_map_to_classes() -> None:
    # phones.php: 3 is "no records" (an empty list); downloads.php: 5 is "no such task or file".
    with pytest.raises(NotFoundError):
        parse_json_answer(b'{"error": "no records found", "error_code": "3"}', "phones")
    with pytest.raises(OperationFailedError):
        parse_json_answer(b"ERROR = 5 (task not found)", "downloads")
