"""Typed answers of the SMSC API.

The fmt=3 samples quote their values (``"status": "status"``) and the provider adds fields over time
(a new ``*_status`` per operator, for one): every model accepts a number or a numeric string for
every integer, code and amount, an empty string for a missing value, and extra keys. A code the
client does not know is kept (``TaskStatus(7)`` is ``UNKNOWN_7``), never a validation error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.smsc.errors import SmscBadResponseError


def whole_number(value: Any) -> Any:
    """``7``, ``"7"``, ``" 7 "`` and ``7.0`` are 7; anything else is left for pydantic to refuse."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isascii() and text.lstrip("+-").isdigit():
            return int(text)
    return value


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _optional_whole_number(value: Any) -> Any:
    return whole_number(_blank_to_none(value))


# Integers and codes as the provider may send them: a number or a numeric string.
WholeNumber = Annotated[int, BeforeValidator(whole_number)]
OptionalWholeNumber = Annotated[int | None, BeforeValidator(_optional_whole_number)]


class _OpenIntEnum(IntEnum):
    """An IntEnum that keeps undocumented codes instead of failing on them."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        value = whole_number(value)
        if isinstance(value, int) and not isinstance(value, bool):
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None

    @property
    def known(self) -> bool:
        return not self.name.startswith("UNKNOWN_")


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


M = TypeVar("M", bound=BaseModel)


class Records(list[M]):
    """The records of a list answer that could be read, and what is known of the others.

    One record that cannot be read is skipped, so that it never hides the rest of the list;
    and it is remembered, so that it never passes for one that is not there: ``unread`` holds
    the ids of those whose id could still be read, ``unidentified`` counts the others.
    """

    def __init__(
        self,
        records: Iterable[M] = (),
        *,
        unread: frozenset[int] = frozenset(),
        unidentified: int = 0,
    ) -> None:
        super().__init__(records)
        self.unread = unread
        self.unidentified = unidentified

    @property
    def whole(self) -> bool:
        """Every record of the answer was read: an id it lacks is not there."""
        return not self.unread and not self.unidentified


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class Contact(_Model):
    """A phone (``phones.php``) or e-mail (``mails.php``) contact; ``address`` holds either.

    The list's ``id`` is the id *the customer* assigned (``myid``): a string, usually blank.
    Paging with ``after_id`` takes the internal ``int_id``, which the documented sample does not
    show: expected, never required.
    """

    myid: str | None = None
    int_id: OptionalWholeNumber = None
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
        # Popped so that nobody reads the customer's id where the internal one is meant.
        raw_id = _blank_to_none(data.pop("id", None))
        if "myid" not in data:
            data["myid"] = None if raw_id is None else str(raw_id).strip()
        data.setdefault("address", data.get("phone", data.get("mail", "")) or "")
        data.setdefault("other", data.get("phone_other", data.get("mail_other", "")) or "")
        if "groups" not in data:
            data["groups"] = _parse_id_list(data.get("group"))
        for key in (
            "address",
            "other",
            "name",
            "first_name",
            "last_name",
            "middle_name",
            "birthday",
            "comments",
            "tags",
        ):
            value = data.get(key)
            data[key] = "" if value is None else str(value)
        return data


def _parse_id_list(raw: Any) -> tuple[int, ...]:
    """Group ids as ``3``, ``"1,2"``, ``"1; 2"`` or ``[1, "2"]``; what is not an id is dropped."""
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else str(raw).replace(";", ",").split(",")
    ids = [whole_number(item) for item in items]
    return tuple(item for item in ids if isinstance(item, int) and not isinstance(item, bool))


class Group(_Model):
    id: WholeNumber
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
        return _optional_whole_number(value) or 0


class BlacklistEntry(_Model):
    id: WholeNumber
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
            data["phone"] = str(data["phone"])
            data["comment"] = "" if data.get("comment") is None else str(data["comment"])
            if _blank_to_none(data.get("type")) is None:
                data.pop("type", None)
        return data


class SenderFile(_Model):
    file: str = ""
    fid: OptionalWholeNumber = None
    fstatus: FileStatus = FileStatus.CHECKING
    fcomment: str = ""

    @field_validator("file", "fcomment", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else str(value)


class Sender(_Model):
    id: WholeNumber
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
                code = _optional_whole_number(value)
                if code is not None:
                    operators[key.removesuffix("_status")] = code
            else:
                rest[key] = value
        rest["operators"] = operators
        if not isinstance(rest.get("files"), list):
            rest["files"] = ()
        rest["sender"] = str(rest.get("sender") or "")
        return rest


class DownloadTask(_Model):
    id: WholeNumber
    name: str = ""
    status: TaskStatus = TaskStatus.WAITING
    created: str = ""
    time: str = ""
    file: str = ""

    @field_validator("created", "time", "file", "name", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else str(value)


# A balance as SMSC sends it: a number, or a string of one ("1871.62"), never in exponent form.
_AMOUNT = re.compile(r"^[+-]?[0-9]{1,15}(?:[.,][0-9]{1,6})?$")
# A currency's code or short word: RUR, UAH, KZT, руб.
_CURRENCY = re.compile(r"^[^\W\d_]{1,8}\.?$")


class Balance(_Model):
    """Read strictly: the bot shows it as it is, so what is not plainly an amount is no answer
    (:class:`SmscBadResponseError`) rather than a value to guess at or to echo."""

    balance: Decimal
    currency: str | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _readable(cls, data: Any, handler: ModelWrapValidatorHandler[Balance]) -> Balance:
        try:
            return handler(data)
        except ValidationError:
            # Not chained: the validation error would carry the value SMSC sent.
            raise SmscBadResponseError("SMSC sent a balance that cannot be read") from None

    @field_validator("balance", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("not an amount")
        text = str(value).strip()
        if not _AMOUNT.match(text):
            raise ValueError("not an amount")
        return Decimal(text.replace(",", "."))

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> str | None:
        # Shown next to the amount; anything but a plain code or word is left out.
        text = str(value).strip() if isinstance(value, str) else ""
        return text if _CURRENCY.match(text) else None


class Invoice(_Model):
    id: WholeNumber
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
    # Not strftime: this is on every watcher poll, and formatting fields is much cheaper.
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
