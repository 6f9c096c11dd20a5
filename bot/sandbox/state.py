"""The sandbox's accounts and their data, in memory, with believable sample data.

Tests and the demo change this state through the methods marked "control": they stand for
what happens at the provider's side (an export finishes, an operator approves a name).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any


@dataclass
class SbContact:
    id: int
    address: str
    name: str = ""
    groups: list[int] = field(default_factory=list)
    first_name: str = ""
    last_name: str = ""
    middle_name: str = ""
    birthday: str = ""
    my_id: str = ""
    comment: str = ""
    tags: str = ""
    other: str = ""


@dataclass
class SbGroup:
    id: int
    name: str
    number: str = ""


@dataclass
class SbBlacklisted:
    id: int
    address: str
    type: int
    comment: str = ""


@dataclass
class AddressBook:
    """phones.php or mails.php of one account."""

    contacts: dict[int, SbContact] = field(default_factory=dict)
    groups: dict[int, SbGroup] = field(default_factory=dict)
    blacklist: dict[int, SbBlacklisted] = field(default_factory=dict)

    def find_contact(self, address: str) -> SbContact | None:
        for contact in self.contacts.values():
            if address in split_addresses(contact.address):
                return contact
        return None

    def find_blacklisted(self, address: str) -> SbBlacklisted | None:
        return next((e for e in self.blacklist.values() if e.address == address), None)


@dataclass
class SbFile:
    fid: int
    file: str
    status: int = 0
    comment: str = ""


@dataclass
class SbSender:
    id: int
    name: str
    status: int = 0
    operators: dict[str, int] = field(default_factory=dict)
    comment: str = ""
    files: list[SbFile] = field(default_factory=list)
    # When its status at an operator last changed: what ``from_date`` narrows by (the page
    # promises those names only, not new ones or those whose moderation moved).
    changed: date = date.min
    # Fields of its record answered as given, whatever was asked: the odd record a provider
    # sends now and then ({"status": ""}, {"mts_step_status": "n/a"}).
    quirks: dict[str, Any] = field(default_factory=dict)


@dataclass
class SbTask:
    id: int
    name: str
    status: int
    created: datetime
    size: int = 0

    @property
    def file(self) -> str:
        return f"{self.name}.csv" if self.status == 2 else ""


@dataclass
class SbInvoice:
    id: int
    user: str
    sum: Decimal
    service: str = ""


@dataclass
class SbAct:
    id: int
    number: str
    user: str
    sum: Decimal


@dataclass
class SbCode:
    code: str
    sent_at: datetime


@dataclass
class Account:
    login: str
    password: str
    apikey: str | None = None
    balance: Decimal = Decimal("1871.62")
    currency: str = "RUR"
    phones: AddressBook = field(default_factory=AddressBook)
    mails: AddressBook = field(default_factory=AddressBook)
    senders: dict[int, SbSender] = field(default_factory=dict)
    tasks: dict[int, SbTask] = field(default_factory=dict)
    sub_clients: dict[int, str] = field(default_factory=dict)
    # A reseller's sub-clients' sender names, by the sub-client's login.
    client_senders: dict[str, dict[int, SbSender]] = field(default_factory=dict)
    invoices: dict[int, SbInvoice] = field(default_factory=dict)
    acts: dict[int, SbAct] = field(default_factory=dict)
    codes: dict[str, SbCode] = field(default_factory=dict)
    _next_id: Iterator[int] = field(default_factory=lambda: iter(range(1000, 10**9)), repr=False)

    def new_id(self) -> int:
        return next(self._next_id)

    def __repr__(self) -> str:
        return f"Account(login={self.login!r})"

    def book(self, script: str) -> AddressBook:
        return self.mails if script == "mails" else self.phones

    def sender(self, *, name: str | None = None, sender_id: int | None = None) -> SbSender | None:
        for sender in self.senders.values():
            if (sender_id is not None and sender.id == sender_id) or (
                name is not None and sender.name == name
            ):
                return sender
        return None

    def sub_client(self, *, login: str | None, user_id: int | None) -> str | None:
        if user_id is not None:
            return self.sub_clients.get(user_id)
        return login if login in self.sub_clients.values() else None


# Numbers for which the sandbox cannot deliver a confirmation code (error 8).
UNDELIVERABLE_PREFIX = "7000"


def split_addresses(raw: str) -> list[str]:
    for separator in ";\n\r\t ":
        raw = raw.replace(separator, ",")
    return [part for part in raw.split(",") if part]


class SandboxState:
    """Every account of the sandbox. ``clock`` gives the provider's wall time."""

    def __init__(self, clock: Callable[[], datetime] = datetime.now) -> None:
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self._by_apikey: dict[str, Account] = {}

    def add_account(
        self,
        login: str,
        password: str,
        *,
        apikey: str | None = None,
        sample_data: bool = True,
    ) -> Account:
        account = Account(login=login, password=password, apikey=apikey)
        self.accounts[login] = account
        if apikey:
            self._by_apikey[apikey] = account
        if sample_data:
            _fill_sample_data(account, self.clock())
        return account

    def authenticate(
        self, login: str | None, password: str | None, apikey: str | None
    ) -> Account | None:
        if apikey:
            account = self._by_apikey.get(apikey)
            if account and secrets.compare_digest(account.apikey or "", apikey):
                return account
            return None
        account = self.accounts.get(login or "")
        if account and password is not None and secrets.compare_digest(account.password, password):
            return account
        return None

    # -- control: what happens at the provider's side --------------------------------------

    def set_task_status(self, login: str, task_id: int, status: int, *, size: int = 4096) -> None:
        task = self.accounts[login].tasks[task_id]
        task.status = status
        if status == 2 and not task.size:
            task.size = size

    def add_task(self, login: str, name: str, status: int = 0, *, size: int = 0) -> SbTask:
        account = self.accounts[login]
        task = SbTask(account.new_id(), name, status, self.clock(), size)
        account.tasks[task.id] = task
        return task

    def set_operator_status(self, login: str, sender_id: int, operator: str, status: int) -> None:
        sender = self.accounts[login].senders[sender_id]
        sender.operators[operator] = status
        sender.changed = self.clock().date()

    def set_sender_status(self, login: str, sender_id: int, status: int) -> None:
        sender = self.accounts[login].senders[sender_id]
        sender.status = status

    def add_sender(
        self, login: str, name: str, *, status: int = 0, operators: dict[str, int] | None = None
    ) -> SbSender:
        account = self.accounts[login]
        sender = SbSender(account.new_id(), name, status, dict(operators or {}))
        if operators:
            sender.changed = self.clock().date()
        account.senders[sender.id] = sender
        return sender

    def remove_sender(self, login: str, sender_id: int) -> None:
        del self.accounts[login].senders[sender_id]

    def sent_code(self, login: str, sender: str) -> str | None:
        code = self.accounts[login].codes.get(sender)
        return code.code if code else None


def csv_rows(task: SbTask) -> Iterator[bytes]:
    """The export's CSV, generated on the fly so that large files cost no memory."""
    header = b"id;phone;sender;sent;status;cost;text\r\n"
    yield header
    produced = len(header)
    rng = random.Random(task.id)
    row_id = 0
    while produced < task.size:
        row_id += 1
        sent = task.created - timedelta(minutes=row_id)
        row = (
            f"{row_id};7{rng.randrange(9000000000, 9999999999)};SMSC;"
            f"{sent:%d.%m.%Y %H:%M:%S};delivered;{rng.choice(['1.85', '2.10', '3.70'])};"
            f"Your code is {rng.randrange(1000, 9999)}\r\n"
        ).encode()
        row = row[: task.size - produced] if produced + len(row) > task.size else row
        produced += len(row)
        yield row


def _fill_sample_data(account: Account, now: datetime) -> None:
    _fill_contacts(account)
    _fill_senders(account, now)
    _fill_documents(account, now)


def _fill_contacts(account: Account) -> None:
    phones = account.phones
    names = [
        ("Ivan Petrov", "Ivan", "Petrov"),
        ("Olga Smirnova", "Olga", "Smirnova"),
        ("Alexey Ivanov", "Alexey", "Ivanov"),
        ("Maria Kuznetsova", "Maria", "Kuznetsova"),
        ("Dmitry Sokolov", "Dmitry", "Sokolov"),
        ("Anna Popova", "Anna", "Popova"),
        ("Sergey Lebedev", "Sergey", "Lebedev"),
        ("Elena Kozlova", "Elena", "Kozlova"),
        ("Pavel Novikov", "Pavel", "Novikov"),
        ("Natalia Morozova", "Natalia", "Morozova"),
        ("Andrey Volkov", "Andrey", "Volkov"),
        ("Tatiana Pavlova", "Tatiana", "Pavlova"),
        ("Mikhail Fedorov", "Mikhail", "Fedorov"),
        ("Irina Orlova", "Irina", "Orlova"),
        ("Nikolai Egorov", "Nikolai", "Egorov"),
        ("Svetlana Belova", "Svetlana", "Belova"),
        ("Oleksii Shevchenko", "Oleksii", "Shevchenko"),
        ("Daria Bondar", "Daria", "Bondar"),
        ("Aidos Nurlanov", "Aidos", "Nurlanov"),
        ("Aigerim Seitkali", "Aigerim", "Seitkali"),
        ("John Smith", "John", "Smith"),
        ("Emma Brown", "Emma", "Brown"),
    ]
    for group_id, group_name in ((1, "Customers"), (2, "Staff"), (3, "VIP")):
        phones.groups[group_id] = SbGroup(group_id, group_name, str(100 + group_id))
    for index, (full, first, last) in enumerate(names):
        groups = [1] if index % 3 else [1, 3]
        if index % 5 == 0:
            groups = [2]
        phones.contacts[index + 1] = SbContact(
            index + 1,
            f"7999{1000000 + index * 1111:07d}",
            full,
            groups,
            first,
            last,
            tags="sample",
        )
    account.mails.groups[10] = SbGroup(10, "Newsletter", "")
    for index, (full, first, last) in enumerate(names[:3]):
        account.mails.contacts[100 + index] = SbContact(
            100 + index, f"{first.lower()}.{last.lower()}@example.com", full, [10], first, last
        )
    for index, (phone, kind, comment) in enumerate(
        [
            ("79990000001", 0, "asked to stop"),
            ("79990000002", 1, "no marketing"),
            ("79990000003", 2, ""),
            ("380501234567", 0, "complaint"),
            ("77011234567", 1, ""),
        ]
    ):
        phones.blacklist[index + 1] = SbBlacklisted(index + 1, phone, kind, comment)


def _fill_senders(account: Account, now: datetime) -> None:
    today = now.date()
    for sender in (
        SbSender(
            1,
            "SMSC",
            1,
            {"mts_step": 2, "mega_step": 2, "bee_step": 2, "tele2_step": 2},
            "company name",
            changed=today - timedelta(days=90),
        ),
        SbSender(
            2,
            "MyShop",
            0,
            {"mts_step": 1, "mega_step": 2, "bee_step": 3, "tele2_step": 8},
            "online shop",
            [SbFile(7, "trademark.pdf", 0)],
            today - timedelta(days=3),
        ),
        SbSender(
            3,
            "Pizza24",
            1,
            {"mts_step": 2, "mega_step": 0, "ua_reg": 4},
            "delivery",
            changed=today - timedelta(days=20),
        ),
        SbSender(4, "79991234567", 0, {}, "digital name", changed=today - timedelta(days=1)),
    ):
        account.senders[sender.id] = sender


def _fill_documents(account: Account, now: datetime) -> None:
    for task_id, name, status, size in (
        (1, "sent_2026_08", 2, 12_000),
        (2, "sent_2026_09", 2, 48_000),
        (3, "sent_2026_10", 1, 0),
        (4, "sent_2026_11", 0, 0),
        (5, "sent_q3_cancelled", 3, 0),
        (6, "sent_all_time", 4, 0),
    ):
        account.tasks[task_id] = SbTask(
            task_id, name, status, now - timedelta(days=7 - task_id), size
        )
    account.sub_clients = {501: "client1", 502: "client2"}
    account.invoices[101] = SbInvoice(101, "client1", Decimal("1500.00"), "SMS October")
    account.acts[201] = SbAct(201, "A-201", "client1", Decimal("1500.00"))
