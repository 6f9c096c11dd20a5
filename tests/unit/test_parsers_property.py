"""Random text at every argument parser: a result or an ArgumentError, never anything else; and
at the reading of a command: every mistyped /login with something after it is seen as one, no
other command ever is; credentials after a command that reads no words, or without a slash,
are seen, and ordinary talk in a group never is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiogram.utils.i18n import I18n
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.assembly.app import LOCALES
from bot.command_text import SLASH_STAND_INS, CommandText, command_of
from handlers import (
    account_args,
    blacklist_args,
    contacts_args,
    downloads_args,
    groups_args,
    invoices_args,
    lang_args,
    readers,
    senders_args,
    watch_args,
)
from handlers.commands import KNOWN_COMMANDS, TAKE_NO_ARGUMENTS, carries_login_secret, suggestion
from handlers.secret_shapes import credentials_after, plain_login, stand_in_login

PARSERS: dict[str, Callable[[str | None], Any]] = {
    "login": account_args.login,
    "secret_reply": account_args.secret_reply,
    "addcontact": contacts_args.addcontact,
    "contacts": contacts_args.contacts,
    "delcontact": contacts_args.delcontact,
    "addgroup": groups_args.addgroup,
    "delgroup": groups_args.delgroup,
    "movecontact": contacts_args.movecontact,
    "block": blacklist_args.block,
    "unblock": blacklist_args.unblock,
    "addsender": senders_args.addsender,
    "delsender": senders_args.delsender,
    "sendcode": senders_args.sendcode,
    "checkcode": senders_args.checkcode,
    "invoice": invoices_args.invoice,
    "getinvoice": invoices_args.getinvoice,
    "act": invoices_args.act,
    "download": downloads_args.download,
    "watch": watch_args.watch,
    "lang": lang_args.lang,
    "blacklist": blacklist_args.blacklist,
    "senders": senders_args.senders,
    "editsender": senders_args.editsender,
    "editcontact": contacts_args.editcontact,
    "renamegroup": groups_args.renamegroup,
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
        except readers.ArgumentError as error:
            assert error.problem
            assert error.usage.startswith("/")


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=6).map(" ".join))
def test_accepted_phones_are_digits(text: str) -> None:
    with i18n.context():
        try:
            readings = blacklist_args.block(text)
        except readers.ArgumentError:
            return
    assert readings
    for result in readings:
        if result.address.is_email:
            assert "@" in result.address.value
            continue
        # International digits, no "+", whatever form was typed; +7 numbers are 11 digits.
        assert result.address.value.isascii()
        assert result.address.value.isdigit()
        assert 7 <= len(result.address.value) <= 15
        assert not result.address.value.startswith("7") or len(result.address.value) == 11
    # Each reading reads the words differently: never the same number twice.
    numbers = [result.address.value for result in readings]
    assert len(numbers) == len(set(numbers))


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, min_size=2, max_size=4).map(" ".join))
def test_accepted_sums_are_positive_with_two_decimals(text: str) -> None:
    with i18n.context():
        try:
            result = invoices_args.invoice(text)
        except readers.ArgumentError:
            return
    assert result.amount > 0
    assert result.amount == result.amount.quantize(result.amount.__class__("0.01"))


# /login as people mistype it, and what may glue it to the secret.
LOGIN_TYPOS = {
    "login": ["", ":", "_", ".", ",", " "],
    "Login": ["", " "],
    "logn": [":", "_", " "],
    "lgoin": [" "],
    "логин": ["", ":", " "],
    "ЛОГІН": ["", " "],
    "вход": [":", " "],
    "вхід": [".", " "],
    "пароль": ["", " "],
    "password": ["", " "],
    "pass": [":", " "],
    "apikey": ["", " "],
    "auth": ["_", " "],
    "дщпшт": ["", " ", "."],
    "kjuby": ["", " "],
    "signin": [" "],
    "connect": [" "],
    "Key": [" "],
    "подключить": [" "],
    "підключити": [" "],
}
SECRET_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Z", "C"]), min_size=1, max_size=30
).filter(lambda s: s.strip() == s)


@settings(max_examples=500, deadline=None)
@given(
    typo=st.sampled_from(sorted(LOGIN_TYPOS)),
    data=st.data(),
    secret=SECRET_TEXT,
    mention=st.sampled_from(["", "@smsc_test_bot", "@Other_Bot"]),
)
def test_every_mistyped_login_with_a_secret_carries_it(
    typo: str, data: st.DataObject, secret: str, mention: str
) -> None:
    glue = data.draw(st.sampled_from(LOGIN_TYPOS[typo]))
    # "/login@name" glued that way is a bot's name, or a secret when it cannot be one.
    assume(glue or not secret.startswith("@"))
    text = f"/{typo}{mention}{glue}{secret}" if glue == " " else f"/{typo}{glue}{secret}{mention}"
    found = command_of(text)
    assert found is not None
    assert carries_login_secret(found), text


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(WORDS, max_size=5).map(" ".join)))
def test_reading_a_command_is_total(text: str) -> None:
    found = command_of("/" + text)
    assert found is not None
    carries_login_secret(found)
    suggestion(found.name)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(KNOWN_COMMANDS - {"login"})),
    words=st.lists(WORDS, min_size=1, max_size=5).map(" ".join),
)
def test_the_other_commands_with_words_are_never_taken_for_a_login(name: str, words: str) -> None:
    found = command_of(f"/{name} {words}")
    assert found is not None
    assert not carries_login_secret(found)


@settings(max_examples=300, deadline=None)
@given(
    typo=st.sampled_from(sorted(LOGIN_TYPOS)),
    data=st.data(),
    secret=SECRET_TEXT,
    stand_in=st.sampled_from(SLASH_STAND_INS),
)
def test_every_mistyped_login_with_a_stand_in_for_its_slash_carries_it(
    typo: str, data: st.DataObject, secret: str, stand_in: str
) -> None:
    glue = data.draw(st.sampled_from(LOGIN_TYPOS[typo]))
    assume(glue or not secret.startswith("@"))
    assert stand_in_login(f"{stand_in}{typo}{glue}{secret}")


OUR_NAME = "smsc_test_bot"
# A login as people have them, and a secret no sentence holds: a digit or a sign in it.
LOGINS = st.from_regex(r"[a-z][a-z0-9_.]{0,15}", fullmatch=True)
SECRETS = st.tuples(
    st.text(alphabet=st.characters(categories=["L", "N"]), max_size=12),
    st.sampled_from(["7", "!", "#", "@", "-", "_", "0"]),
    st.text(alphabet=st.characters(blacklist_categories=["Z", "C"]), max_size=12),
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from([*sorted(TAKE_NO_ARGUMENTS), "nosuch", "balance", "acount"]),
    login=st.one_of(st.none(), LOGINS),
    secret=SECRETS,
    in_group=st.booleans(),
)
def test_credentials_after_a_command_that_reads_none_are_seen(
    name: str, login: str | None, secret: str, in_group: bool
) -> None:
    args = secret if login is None else f"{login} {secret}"
    assume(len(args.split()) == (1 if login is None else 2))
    assume(login is not None or len(secret) >= 4)
    assume(not args.casefold().startswith("login_"))
    mention = OUR_NAME if name == "nosuch" else ""
    found = CommandText(name, mention, args)
    assert credentials_after(found, in_group=in_group, ours=OUR_NAME), (name, args)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from([*sorted(KNOWN_COMMANDS - TAKE_NO_ARGUMENTS), "blok", "contact"]),
    words=st.lists(WORDS, min_size=1, max_size=5).map(" ".join),
    in_group=st.booleans(),
)
def test_commands_that_read_words_never_have_credentials_after_them(
    name: str, words: str, in_group: bool
) -> None:
    found = command_of(f"/{name} {words}")
    assert found is not None
    assert not credentials_after(found, in_group=in_group, ours=OUR_NAME)


# Words of a sentence, in the scripts the bot's people write in. A lone capital ("P") is not
# one: it stands for a password as often as for "I".
ORDINARY = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10),
    st.text(alphabet="абвгдежзийклмнопрстуфхцчшщыьэюяіїєґ", min_size=1, max_size=10),
).flatmap(lambda word: st.sampled_from([word, word.capitalize() if len(word) > 1 else word]))
LOGIN_WORDS = st.sampled_from(
    ["login", "Login", "password", "пароль", "логин", "логін", "apikey", "pass", "вход", "key"]
)


@settings(max_examples=500, deadline=None)
@given(head=LOGIN_WORDS, words=st.lists(ORDINARY, min_size=1, max_size=4))
def test_ordinary_talk_in_a_group_is_never_taken_for_a_login(head: str, words: list[str]) -> None:
    text = " ".join([head, *words])
    assert not plain_login(text, in_group=True), text


@settings(max_examples=300, deadline=None)
@given(
    head=st.sampled_from(["login", "Login", "LOGIN", "password", "пароль", "логин", "дщпшт"]),
    login=st.one_of(st.none(), LOGINS),
    secret=SECRETS,
)
def test_a_login_without_a_slash_in_a_group_is_seen(
    head: str, login: str | None, secret: str
) -> None:
    rest = secret if login is None else f"{login} {secret}"
    assume(len(rest.split()) == (1 if login is None else 2))
    assume(login is not None or len(secret) >= 4)
    assume(rest.split()[0].casefold() not in KNOWN_COMMANDS)
    assert plain_login(f"{head} {rest}", in_group=True)
