"""The grammar of sender names: /senders, /addsender, /editsender, /delsender, /sendcode,
/checkcode.

Every sender command takes user=<sub-client> anywhere: resellers manage their sub-clients' names
with it (senders.php "user").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from aiogram.utils.i18n import gettext as _

from handlers.number_readings import nearest_miss, number_readings
from handlers.phones import ascii_digits
from handlers.readers import (
    MAX_COMMENT,
    Address,
    ArgumentError,
    address_readings,
    clip,
    email,
    exactly,
    free_text,
    only,
    positive_id,
    quoted_head,
    require,
    sub_client,
    take_options,
    words_of,
)

T = TypeVar("T")

_ALPHA_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 .\-_!&']{1,11}$")
_DIGITAL_SENDER = re.compile(r"^\+?[0-9]{10,15}$")
_CODE = re.compile(r"^[0-9]{3,8}$")
_SITE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,62}\.[A-Za-z]{2,63}$")


def _user(options: dict[str, str], usage: str) -> str | None:
    return sub_client(options["user"], usage) if "user" in options else None


def usage_senders() -> str:
    return _("/senders [user=<sub-client>]")


def senders(text: str | None) -> str | None:
    usage = usage_senders()
    words = words_of(text)
    user = _user(take_options(words, ("user",), usage), usage)
    if words:
        raise ArgumentError(_("Only user=<sub-client> can follow /senders."), usage)
    return user


@dataclass(frozen=True, slots=True)
class AddSenderArgs:
    name: str
    comment: str | None
    user: str | None = None
    is_email: bool = False


def usage_addsender() -> str:
    return _("/addsender <name-or-email> [comment…] [user=<sub-client>]")


def sender_name(raw: str, usage: str) -> str:
    raw = ascii_digits(raw)
    if _DIGITAL_SENDER.match(raw):
        return raw.lstrip("+")
    if not _ALPHA_SENDER.match(raw):
        raise ArgumentError(
            _(
                "“{value}” cannot be a sender name: use up to 11 Latin letters, digits, spaces "
                "or . - _ ! & ' (with at least one letter; a name with spaces in quotes), or a "
                "phone number of 10 to 15 digits."
            ).format(value=clip(raw)),
            usage,
        )
    return raw


def addsender(text: str | None) -> AddSenderArgs:
    usage = usage_addsender()
    words = words_of(text)
    user = _user(take_options(words, ("user",), usage), usage)
    words = quoted_head(words)
    require(words, 1, usage)
    comment = free_text(words[1:], MAX_COMMENT, _("The comment"), usage)
    if "@" in words[0]:
        # An e-mail sender address (senders.php mail=1); its comment names the owner.
        return AddSenderArgs(email(words[0], usage), comment, user, is_email=True)
    return AddSenderArgs(sender_name(words[0], usage), comment, user)


@dataclass(frozen=True, slots=True)
class SenderRef:
    name: str | None
    sender_id: int | None
    user: str | None = None

    @property
    def shown(self) -> str:
        return self.name or f"id {self.sender_id}"


def usage_delsender() -> str:
    return _("/delsender <name-or-id> [user=<sub-client>]")


def _sender_ref(raw: str, user: str | None, usage: str) -> SenderRef:
    # A short number is an id; a phone-length number is a digital sender name.
    if "@" not in raw:
        raw = ascii_digits(raw)
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        return SenderRef(None, positive_id(raw, _("A sender id"), usage), user)
    if "@" in raw:
        return SenderRef(email(raw, usage), None, user)
    return SenderRef(sender_name(raw, usage), None, user)


def delsender(text: str | None) -> SenderRef:
    usage = usage_delsender()
    words = words_of(text)
    user = _user(take_options(words, ("user",), usage), usage)
    words = quoted_head(words)
    exactly(words, 1, usage, _("Give exactly one sender name or id."))
    return _sender_ref(words[0], user, usage)


@dataclass(frozen=True, slots=True)
class EditSenderArgs:
    sender: SenderRef
    comment: str | None


def usage_editsender() -> str:
    return _("/editsender <name-or-id> [new comment…] [user=<sub-client>]")


def editsender(text: str | None) -> EditSenderArgs:
    usage = usage_editsender()
    words = words_of(text)
    user = _user(take_options(words, ("user",), usage), usage)
    words = quoted_head(words)
    require(words, 1, usage)
    ref = _sender_ref(words[0], user, usage)
    return EditSenderArgs(ref, free_text(words[1:], MAX_COMMENT, _("The comment"), usage))


@dataclass(frozen=True, slots=True)
class SendCodeArgs:
    number: str
    site: str | None
    site_name: str | None
    user: str | None


def usage_sendcode() -> str:
    return _("/sendcode <number> [site=<sender-name>] [site_name=<site>] [user=<sub-client>]")


def _not_digital(raw: str, usage: str) -> ArgumentError:
    return ArgumentError(
        _("“{value}” is not a digital sender name: use the phone number, 10 to 15 digits.").format(
            value=clip(raw)
        ),
        usage,
    )


def _digital_readings(
    words: list[str], usage: str, region: str | None, then: Callable[[str, list[str]], T]
) -> tuple[T, ...]:
    """A digital sender name is a phone number, read as the card reads one (8 999 123-45-67
    is 79991234567), in any spacing; ``then`` reads the words after it."""
    if "@" in words[0] or (
        not number_readings(words, region) and nearest_miss(words, region) is None
    ):
        raise _not_digital(words[0], usage)

    def digital(found: Address, rest: list[str]) -> T:
        if not _DIGITAL_SENDER.match(found.value):
            raise _not_digital(found.value, usage)
        return then(found.value, rest)

    return address_readings(words, usage, region, digital)


def sendcode(text: str | None, region: str | None = None) -> SendCodeArgs:
    usage = usage_sendcode()
    words = words_of(text)
    options = take_options(words, ("site", "site_name", "user"), usage)
    require(words, 1, usage)
    # site: an approved sender name the code comes from; site_name: a site named in the text.
    site = sender_name(options["site"], usage) if "site" in options else None
    site_name = options.get("site_name")
    if site_name is not None and not _SITE.match(site_name):
        raise ArgumentError(_("“{value}” is not a site name.").format(value=clip(site_name)), usage)
    user = _user(options, usage)

    def then(number: str, rest: list[str]) -> SendCodeArgs:
        if rest:
            raise ArgumentError(_("Give exactly one number."), usage)
        return SendCodeArgs(number, site, site_name, user)

    return only(_digital_readings(words, usage, region, then))


@dataclass(frozen=True, slots=True)
class CheckCodeArgs:
    number: str
    code: str
    user: str | None


def usage_checkcode() -> str:
    return _("/checkcode <number> <code> [user=<sub-client>]")


def checkcode(text: str | None, region: str | None = None) -> CheckCodeArgs:
    usage = usage_checkcode()
    words = words_of(text)
    user = _user(take_options(words, ("user",), usage), usage)
    require(words, 2, usage)

    def then(number: str, rest: list[str]) -> CheckCodeArgs:
        exactly(rest, 1, usage, _("Give the number and the code, nothing else."))
        code = ascii_digits(rest[0])
        if not _CODE.match(code):
            raise ArgumentError(
                _("“{value}” is not a confirmation code: it has 3 to 8 digits.").format(
                    value=clip(rest[0])
                ),
                usage,
            )
        return CheckCodeArgs(number, code, user)

    return only(_digital_readings(words, usage, region, then))
