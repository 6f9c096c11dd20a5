"""Typed answers of the SMSC API.

The provider sends numbers as strings and adds fields over time (a new ``*_status`` per operator,
for one): every model accepts strings for numbers, empty strings for missing values, and extra keys.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _OpenIntEnum(IntEnum):
    """An IntEnum that keeps undocumented codes instead of failing on them."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, int):
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None


class BlockType(_OpenIntEnum):
    ALL = 0
    MASS = 1
    SINGLE = 2


class SenderStatus(_OpenIntEnum):
    MODERATION = 0
    ALLOWED = 1
    DISABLED = 2


class OperatorStatus(_OpenIntEnum):
    AWAITING_REGISTRATION = 0
    SENT_FOR_REGISTRATION = 1
    APPROVED = 2
    REJECTED = 3
    TEMPORARILY_DISABLED = 4
    INSUFFICIENT_FUNDS = 5
    DOCUMENTS_REQUIRED = 8


class FileStatus(_OpenIntEnum):
    CHECKING = 0
    REJECTED = 1
    ACCEPTED = 2


class TaskStatus(_OpenIntEnum):
    WAITING = 0
    RUNNING = 1
    DONE = 2
    CANCELLED = 3
    FAILED = 4


class OperatorRegistration(StrEnum):
    """Flags of ``senders.php add`` asking for registration with an operator."""

    MTS_STEP = "mts_step"
    SBER_STEP = "sber_step"
    TELE2 = "tele2"
    MOTIV = "motiv"
    MEGA_STEP = "mega_step"
    BEE_STEP = "bee_step"
    MOTIV_STEP = "motiv_step"
    WINMOB_STEP = "winmob_step"
    VOLNAMOB_STEP = "volnamob_step"
    TELE2_STEP = "tele2_step"
    UA_REG = "ua_reg"
    UA_INT = "ua_int"
    BY_REG = "by_reg"
    BY_INT = "by_int"


# Registrations that the provider refuses without a company's details.
REGISTRATION_DETAILS: dict[OperatorRegistration, tuple[str, ...]] = {
    OperatorRegistration.UA_REG: ("fio", "inn", "site", "email", "address", "desc", "subj"),
    OperatorRegistration.UA_INT: ("fio", "inn", "site", "email", "address", "desc", "subj"),
    OperatorRegistration.BY_REG: (
        "by_fio",
        "by_inn",
        "by_address",
        "by_ocup",
        "by_type",
        "by_mes",
        "by_site",
    ),
    OperatorRegistration.BY_INT: (
        "by_fio",
        "by_inn",
        "by_address",
        "by_ocup",
        "by_type",
        "by_mes",
        "by_site",
    ),
}


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class Contact(_Model):
    """A phone (``phones.php``) or e-mail (``mails.php``) contact; ``address`` holds either."""

    id: int
    address: str = ""
    name: str = ""
    groups: tuple[int, ...] = ()
    first_name: str = ""
    last_name: str = ""
    middle_name: str = ""
    birthday: str = ""
    comments: str = ""
    tags: str = ""
    other: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_wire(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        data.setdefault("address", data.get("phone", data.get("mail", "")) or "")
        data.setdefault("other", data.get("phone_other", data.get("mail_other", "")) or "")
        if "groups" not in data:
            data["groups"] = _parse_id_list(data.get("group"))
        for key in (
            "name",
            "first_name",
            "last_name",
            "middle_name",
            "birthday",
            "comments",
            "tags",
        ):
            if data.get(key) is None:
                data[key] = ""
        return data


def _parse_id_list(raw: Any) -> tuple[int, ...]:
    if raw is None or raw == "":
        return ()
    if isinstance(raw, int):
        return (raw,)
    if isinstance(raw, list):
        return tuple(int(item) for item in raw if str(item).strip())
    return tuple(int(part) for part in str(raw).replace(";", ",").split(",") if part.strip())


class Group(_Model):
    id: int
    name: str = ""
    number: str | None = None
    count: int = Field(default=0, alias="cnt")

    @field_validator("number", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        return None if value is None else str(value)

    @field_validator("count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        return _blank_to_none(value) or 0


class BlacklistEntry(_Model):
    id: int
    phone: str = ""
    type: BlockType = BlockType.ALL
    comment: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_wire(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            # mails.php answers with the address under "mail" or "email".
            data.setdefault("phone", data.get("mail", data.get("email", "")) or "")
            if data.get("comment") is None:
                data["comment"] = ""
        return data


class SenderFile(_Model):
    file: str = ""
    fid: int | None = None
    fstatus: FileStatus = FileStatus.CHECKING
    fcomment: str = ""

    @field_validator("fid", mode="before")
    @classmethod
    def _fid(cls, value: Any) -> Any:
        return _blank_to_none(value)


class Sender(_Model):
    id: int
    name: str = Field(alias="sender")
    status: SenderStatus = SenderStatus.MODERATION
    operators: dict[str, OperatorStatus] = Field(default_factory=dict)
    files: tuple[SenderFile, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _collect_operators(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "operators" in data:
            return data
        operators: dict[str, int] = {}
        rest: dict[str, Any] = {}
        for key, value in data.items():
            # Any "<operator>_status" key is an operator; the provider adds new ones over time.
            if key.endswith("_status") and key != "status":
                value = _blank_to_none(value)
                if value is not None:
                    operators[key.removesuffix("_status")] = int(value)
            else:
                rest[key] = value
        rest["operators"] = operators
        if rest.get("files") is None:
            rest["files"] = ()
        return rest


class DownloadTask(_Model):
    id: int
    name: str = ""
    status: TaskStatus = TaskStatus.WAITING
    created: str = ""
    time: str = ""
    file: str = ""

    @field_validator("created", "time", "file", "name", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else str(value)


class Balance(_Model):
    balance: Decimal
    currency: str | None = None


class Invoice(_Model):
    id: int
    sum: Decimal
    pdf: bytes = Field(repr=False)

    def __repr__(self) -> str:
        return f"Invoice(id={self.id}, sum={self.sum}, pdf=<{len(self.pdf)} bytes>)"


class SenderDocument(_Model):
    """A supporting document for operators (trademark certificate, domain certificate)."""

    filename: str
    content: bytes = Field(repr=False)
    content_type: str = "application/octet-stream"


def smsc_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")
