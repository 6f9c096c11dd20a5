"""The grammar of a sub-client's documents: /invoice, /getinvoice, /act."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from aiogram.utils.i18n import gettext as _

from handlers.phones import ascii_digits
from handlers.readers import (
    MAX_COMMENT,
    ArgumentError,
    clip,
    exactly,
    free_text,
    money,
    positive_id,
    refuse_spaced_sum,
    require,
    sub_client,
    words_of,
)

# An act asked for by its number rather than its id (``A-201``; a slash may separate parts).
_ACT_NUMBER = re.compile(r"^[\w.\-]{1,100}$")


@dataclass(frozen=True, slots=True)
class InvoiceArgs:
    sub_client: str
    amount: Decimal
    service: str | None


def usage_invoice() -> str:
    return _("/invoice <sub-client-login> <sum> [service…]")


def invoice(text: str | None) -> InvoiceArgs:
    usage = usage_invoice()
    words = words_of(text)
    require(words, 2, usage)
    refuse_spaced_sum(words[1:], usage)
    return InvoiceArgs(
        sub_client(words[0], usage),
        money(words[1], usage),
        free_text(words[2:], MAX_COMMENT, _("The service"), usage),
    )


def usage_getinvoice() -> str:
    return _("/getinvoice <sub-client-login> <invoice-id>")


def getinvoice(text: str | None) -> tuple[str, int]:
    usage = usage_getinvoice()
    words = words_of(text)
    exactly(words, 2, usage, _("Give the sub-client and the invoice id, nothing else."))
    return sub_client(words[0], usage), positive_id(words[1], _("The invoice id"), usage)


@dataclass(frozen=True, slots=True)
class ActArgs:
    sub_client: str
    act_id: int | None
    number: str | None


def usage_act() -> str:
    return _("/act <sub-client-login> <act-id-or-number>")


def act(text: str | None) -> ActArgs:
    usage = usage_act()
    words = words_of(text)
    exactly(words, 2, usage, _("Give the sub-client and the act id or number, nothing else."))
    client = sub_client(words[0], usage)
    raw = ascii_digits(words[1])
    if raw.isascii() and raw.isdigit():
        return ActArgs(client, positive_id(raw, _("The act id"), usage), None)
    if not _ACT_NUMBER.match(raw.replace("/", "")):
        raise ArgumentError(_("“{value}” is not an act number.").format(value=clip(raw)), usage)
    return ActArgs(client, None, raw)
