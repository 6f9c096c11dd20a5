"""Every bad argument of every command is refused with what is wrong and the command's right
form: the parsers alone, as each command's handler calls them with the words after the command.
That the refusal reaches the chat, and that nothing reaches SMSC, is tested once per command
family through the dispatcher (tests/integration/test_handlers_errors.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiogram.utils.i18n import I18n

from bot.assembly.app import LOCALES
from handlers import (
    account_args,
    blacklist_args,
    contacts_args,
    downloads_args,
    groups_args,
    invoices_args,
    lang_args,
    senders_args,
    watch_args,
)
from handlers.commands import COMMANDS
from handlers.readers import ArgumentError

# Each command's parser, as its handler calls it.
PARSERS: dict[str, Callable[[str | None], Any]] = {
    "login": account_args.login,
    "addcontact": contacts_args.addcontact,
    "contacts": contacts_args.contacts,
    "delcontact": contacts_args.delcontact,
    "editcontact": contacts_args.editcontact,
    "movecontact": contacts_args.movecontact,
    "addgroup": groups_args.addgroup,
    "renamegroup": groups_args.renamegroup,
    "delgroup": groups_args.delgroup,
    "block": blacklist_args.block,
    "unblock": blacklist_args.unblock,
    "blacklist": blacklist_args.blacklist,
    "senders": senders_args.senders,
    "addsender": senders_args.addsender,
    "editsender": senders_args.editsender,
    "delsender": senders_args.delsender,
    "sendcode": senders_args.sendcode,
    "checkcode": senders_args.checkcode,
    "invoice": invoices_args.invoice,
    "getinvoice": invoices_args.getinvoice,
    "act": invoices_args.act,
    "download": downloads_args.download,
    "watch": watch_args.watch,
    "lang": lang_args.lang,
}

BAD_ARGUMENTS = [
    ("/login ru a b c", "Too many words"),
    ("/login пароль demo", "That is not a login and a password"),
    ("/addcontact", "Some arguments are missing"),
    ("/addcontact 12ab", "is not a phone number"),
    ("/addcontact 79161234567,a@b.co", "separate commands"),
    ("/addcontact kate@", "is not an e-mail address"),
    ("/addcontact 7999000777 Kate", "one digit short for a Russian number"),
    ("/addcontact 79161234567 grp=", "grp= needs"),
    ("/contacts " + "x" * 61, "too long"),
    ("/delcontact", "Some arguments are missing"),
    ("/delcontact 123", "is not a phone number"),
    ("/delcontact 79161234567 79161234568", "exactly one"),
    ("/addgroup", "Give the new group a name"),
    ("/movecontact", "Some arguments are missing"),
    ("/movecontact 79161234567 +", "Name the group"),
    ("/delgroup", "Some arguments are missing"),
    ("/delgroup " + "x" * 101, "at most 100 characters"),
    ("/block", "Some arguments are missing"),
    ("/block +7(916)12", "is not a phone number"),
    ("/block 79161234567 all " + "c" * 301, "too long"),
    ("/unblock", "Some arguments are missing"),
    ("/unblock phone", "is not a phone number"),
    ("/addsender", "Some arguments are missing"),
    ("/addsender TooLongSenderName", "cannot be a sender name"),
    ("/addsender Шоп", "cannot be a sender name"),
    ("/delsender", "Some arguments are missing"),
    ("/delsender bad/name", "cannot be a sender name"),
    ("/sendcode", "Some arguments are missing"),
    ("/sendcode MyShop", "is not a digital sender name"),
    ("/checkcode 79991234567", "Some arguments are missing"),
    ("/checkcode 79991234567 12ab", "is not a confirmation code"),
    ("/invoice client1", "Some arguments are missing"),
    ("/invoice client1 -5", "is not a sum"),
    ("/invoice client1 0", "greater than zero"),
    ("/invoice client1 10.555", "at most two decimals"),
    ("/invoice client1 1e5", "is not a sum"),
    ("/invoice bad/login 10", "is not a sub-client login"),
    ("/getinvoice client1", "Some arguments are missing"),
    ("/getinvoice client1 x1", "The invoice id must be"),
    ("/act client1", "Some arguments are missing"),
    ("/act client1 <script>", "is not an act number"),
    ("/download", "Some arguments are missing"),
    ("/download a b", "exactly one"),
    ("/download ../../etc", "is not a task name"),
    ("/watch exports on", "I can watch"),
    ("/watch senders maybe", "Say on or off"),
    ("/watch every 0", "The interval is from 1 min to 24 h (a day), in minutes, hours or days"),
    ("/watch downloads", "Give what to watch"),
    ("/lang fr", "Choose en, ru or uk"),
    ("/editcontact", "Some arguments are missing"),
    ("/editcontact 79161234567", "Say what to change"),
    ("/editcontact 79161234567 nick=Kate", "is not one"),
    ("/editcontact 79161234567 birthday=31.13.1990", "is not a birthday"),
    ("/editcontact 79161234567 birthday=31.02.1990", "no day “31.02.1990” in the calendar"),
    ("/editcontact 79161234567 birthday=29.02.2023", "write the birthday as dd.mm.yyyy"),
    ("/editcontact 79161234567 birthday=31.04.1990", "no day “31.04.1990”"),
    ("/editcontact 79161234567 birthday=01.01.2099", "has not come yet: a birthday is a day "),
    ("/editcontact 79161234567 birthday=01.01.2099", "written dd.mm.yyyy, like 28.02.1990"),
    ("/editcontact 12ab name=Kate", "is not a phone number"),
    ("/editcontact 79161234567 new=12ab", "is not a phone number"),
    ("/editcontact 7916123456 name=Kate", "one digit short for a Russian number"),
    ("/renamegroup", "Some arguments are missing"),
    ('/renamegroup "" Partners', "Some arguments are missing"),
    ("/editsender", "Some arguments are missing"),
    ("/editsender bad/name new comment", "cannot be a sender name"),
    ("/blacklist phones", "Say mail"),
    ("/senders everything", "Only user="),
    ("/sendcode 79991234567 site_name=not_a_site", "is not a site name"),
    ("/addsender Shop user=bad/login", "is not a sub-client login"),
    ("/contacts grp=VIP,Staff", "Give one group"),
    ("/block kate@", "is not an e-mail address"),
    # A number a digit or two short or long for its country: refused with the reason.
    ("/addcontact +7 916 123-45-6 Ivan", "“+7 916 123-45-6” is one digit short for a Russian"),
    ("/block +7 916 123 45 6 spam", "is one digit short for a Russian number"),
    ("/block 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6", "is not a phone number"),  # no one number in it
    ("/unblock 8 916 123 45 678", "has one digit too many for a Russian number"),
    ("/delcontact +380 50 123 45 6", "one digit short for a Ukrainian number"),
    ("/movecontact ８ ９１６ １２３ ４５ VIP", "2 digits short for a Russian number"),
    ("/sendcode 7 999 123-45-6", "one digit short for a Russian number"),
    ("/checkcode 7999123456 1234", "one digit short for a Russian number"),
    ("/watch every 5 5", "The interval is from 1 min to 24 h"),
    ("/watch every 25h", "The interval is from 1 min to 24 h"),
    ("/watch every 2 days", "in minutes, hours or days: 15 min, 2 h, 1 day."),
    ('/renamegroup 1 ""', "Some arguments are missing"),
    # A sum in groups of thousands: 1 with a service "000,50", or 1000,50?
    ("/invoice client1 1 000,50", "Is the sum 1 or 1000,50?"),
    ("/invoice client1 5 100 SMS", "Is the sum 5 or 5100? Write 5100 without spaces, or 5.00"),
    ("/invoice client1 1\u00a0000\u00a0000", "Is the sum 1 or 1000000?"),
]


@pytest.fixture(autouse=True)
def i18n() -> Iterator[None]:
    with I18n(path=LOCALES, default_locale="en", domain="messages").context():
        yield


def refusal(typed: str) -> ArgumentError:
    """What the command's parser raises for ``typed``, split as aiogram splits a command."""
    name, *args = typed.split(maxsplit=1)
    with pytest.raises(ArgumentError) as refused:
        PARSERS[name.removeprefix("/")](args[0] if args else None)
    return refused.value


@pytest.mark.parametrize(("command", "problem"), BAD_ARGUMENTS)
def test_a_bad_argument_is_refused_with_the_problem_and_the_usage(
    command: str, problem: str
) -> None:
    refused = refusal(command)
    assert problem in refused.problem
    assert refused.usage.startswith(command.split()[0] + " ")


def test_every_command_with_arguments_has_a_bad_argument_case() -> None:
    without_arguments = {
        "help",
        "account",
        "groups",
        "blacklist",
        "senders",
        "downloads",
        "logout",
        "cancel",
        "contacts",
    }
    covered = {command.split()[0].lstrip("/") for command, _ in BAD_ARGUMENTS}
    assert {each.name for each in COMMANDS} - without_arguments <= covered


def test_a_login_refused_never_quotes_what_may_be_the_password() -> None:
    # "пароль" cannot be a login: it is most likely the password, typed first.
    assert "пароль" not in refusal("/login пароль demo").problem
    assert "demo" not in refusal("/login ru пароль demo").problem


def test_the_dialog_s_answer_is_a_key_or_a_login_and_a_password() -> None:
    for typed in (None, "", "a b c"):
        with pytest.raises(ArgumentError) as refused:
            account_args.secret_reply(typed)
        assert "Send the API key alone" in refused.value.problem
    with pytest.raises(ArgumentError) as refused:
        account_args.secret_reply("пароль demo")
    assert "пароль" not in refused.value.problem
