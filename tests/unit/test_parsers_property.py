"""Random text at every argument parser: a result or an ArgumentError, never anything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiogram.utils.i18n import I18n
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import LOCALES
from handlers import args as parse

PARSERS: dict[str, Callable[[str | None], Any]] = {
    "login": parse.login,
    "secret_reply": parse.secret_reply,
    "addcontact": parse.addcontact,
    "contacts": parse.contacts,
    "delcontact": parse.delcontact,
    "addgroup": parse.addgroup,
    "delgroup": parse.delgroup,
    "movecontact": parse.movecontact,
    "block": parse.block,
    "unblock": parse.unblock,
    "addsender": parse.addsender,
    "delsender": parse.delsender,
    "sendcode": parse.sendcode,
    "checkcode": parse.checkcode,
    "invoice": parse.invoice,
    "getinvoice": parse.getinvoice,
    "act": parse.act,
    "download": parse.download,
    "watch": parse.watch,
    "lang": parse.lang,
    "blacklist": parse.blacklist,
    "senders": parse.senders,
    "editsender": parse.editsender,
    "editcontact": parse.editcontact,
    "renamegroup": parse.renamegroup,
}

# Words that mean something to some parser, mixed with anything at all.
MEANINGFUL = st.sampled_from(
    [
        "ru",
        "ua",
        "kz",
        "com",
        "all",
        "mass",
        "single",
        "on",
        "off",
        "every",
        "downloads",
        "senders",
        "grp=",
        "grp=1,2",
        "+79161234567",
        "79161234567",
        "a@b.co",
        "@",
        "1",
        "0",
        "-1",
        "+1",
        "12.50",
        "1,5",
        "1e5",
        "client1",
        "A-201",
        "Shop",
        "7999123456789",
        "8 (999) 000-77-66",
        "user=client1",
        "site=Shop",
        "site_name=shop.example",
        "name=Kate",
        "birthday=01.02.1990",
        "new=79161234568",
        "mail",
    ]
)
WORDS = st.one_of(MEANINGFUL, st.text(min_size=1, max_size=20))
TEXTS = st.one_of(st.none(), st.text(max_size=300), st.lists(WORDS, max_size=8).map(" ".join))

i18n = I18n(path=LOCALES, default_locale="en", domain="messages")


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, language=st.sampled_from(["en", "ru", "uk"]))
def test_parser_is_total(name: str, text: str | None, language: str) -> None:
    with i18n.context(), i18n.use_locale(language):
        try:
            PARSERS[name](text)
        except parse.ArgumentError as error:
            assert error.problem
            assert error.usage.startswith("/")


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=6).map(" ".join))
def test_accepted_phones_are_digits(text: str) -> None:
    with i18n.context():
        try:
            result = parse.block(text)
        except parse.ArgumentError:
            return
    if result.address.is_email:
        assert "@" in result.address.value
        return
    # International digits, no "+", whatever form was typed.
    assert result.address.value.isascii()
    assert result.address.value.isdigit()
    assert 7 <= len(result.address.value) <= 15


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, min_size=2, max_size=4).map(" ".join))
def test_accepted_sums_are_positive_with_two_decimals(text: str) -> None:
    with i18n.context():
        try:
            result = parse.invoice(text)
        except parse.ArgumentError:
            return
    assert result.amount > 0
    assert result.amount == result.amount.quantize(result.amount.__class__("0.01"))
