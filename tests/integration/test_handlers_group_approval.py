"""Money and paid operations in a group need an administrator: anyone may ask for an invoice,
a paid sender name registration, a contact's new number, a group's new name or its deletion;
a member pressing Yes is refused, an administrator's Yes carries it out. An administrator's
own request, and everything in a private chat, goes ahead as before."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from bot.sandbox import Fault
from bot.sandbox.state import Account
from storage import AuthKind
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import Call
from tests.fakes.telegram_text import plain_text
from tests.integration.bot_harness import Harness, sent, text_of

USER = 7801
GROUP = -1007801
ADMIN, MEMBER, OTHER_ADMIN = 7811, 7812, 7813


def account(harness: Harness) -> Account:
    return harness.sandbox.state.accounts[LOGIN]


@pytest.fixture
async def team(harness: Harness) -> Harness:
    harness.telegram.admins[GROUP].add(ADMIN)
    await harness.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=harness.sandbox.base_url,
        set_by=ADMIN,
    )
    return harness


@pytest.fixture
async def alone(harness: Harness) -> Harness:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    return harness


def invoices_for(harness: Harness, client: str) -> list[object]:
    return [i for i in account(harness).invoices.values() if i.user == client]


def has_number(harness: Harness, number: str) -> bool:
    return account(harness).phones.find_contact(number) is not None


def sender_named(harness: Harness, name: str) -> object | None:
    return next((s for s in account(harness).senders.values() if s.name == name), None)


@dataclass(frozen=True)
class Case:
    command: str
    done: Callable[[Harness], bool]


CASES = {
    "invoice": Case("/invoice client2 99.90 SMS", lambda h: bool(invoices_for(h, "client2"))),
    "editcontact new=": Case(
        "/editcontact 79991000000 new=79990002222", lambda h: has_number(h, "79990002222")
    ),
    "renamegroup": Case(
        "/renamegroup 1 Key customers", lambda h: account(h).phones.groups[1].name != "Customers"
    ),
    "delgroup": Case("/delgroup 3", lambda h: 3 not in account(h).phones.groups),
    "renamegroup, e-mail": Case(
        "/renamegroup newsletter Partners",
        lambda h: account(h).mails.groups[10].name != "Newsletter",
    ),
    "delgroup, e-mail": Case("/delgroup Newsletter", lambda h: 10 not in account(h).mails.groups),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_member_asks_and_only_an_administrators_yes_does_it(
    team: Harness, name: str
) -> None:
    case = CASES[name]
    question = sent(await team.say(GROUP, case.command, user_id=MEMBER))[-1]
    assert "An administrator of this chat must confirm" in question.text
    assert not case.done(team)
    refused = await team.press(question, "Yes", user_id=MEMBER)
    assert "Only administrators" in text_of(refused)
    assert not case.done(team)
    await team.press(question, "Yes", user_id=ADMIN)
    assert case.done(team)


async def test_an_invoice_confirmed_by_an_administrator_arrives_as_its_pdf(team: Harness) -> None:
    question = sent(await team.say(GROUP, "/invoice client2 99.90", user_id=MEMBER))[-1]
    assert "client2" in question.text
    assert "99.90" in question.text
    calls = await team.press(question, "Yes", user_id=ADMIN)
    [document] = sent(calls, "sendDocument")
    assert document.chat_id == GROUP
    assert document.files["document"][1].startswith(b"%PDF")
    assert "Invoice" in text_of([c for c in calls if c.method == "editMessageText"])


async def test_the_whole_edit_waits_with_the_new_number(team: Harness) -> None:
    question = sent(
        await team.say(GROUP, "/editcontact 79991000000 name=Olga new=79990003333", user_id=MEMBER)
    )[-1]
    assert "79990003333" in question.text
    assert account(team).phones.find_contact("79991000000") is not None
    await team.press(question, "Yes", user_id=ADMIN)
    changed = account(team).phones.find_contact("79990003333")
    assert changed is not None
    assert changed.name == "Olga"


async def test_a_member_may_still_edit_other_fields_at_once(team: Harness) -> None:
    calls = await team.say(GROUP, "/editcontact 79991000000 name=Olga", user_id=MEMBER)
    assert "changed" in text_of(calls)
    assert account(team).phones.find_contact("79991000000").name == "Olga"  # type: ignore[union-attr]


async def toggle(harness: Harness, dialog: Call, flag: str, user: int) -> Call:
    """Presses the operator button whose data is exactly ``op:<flag>`` (``op:tele2`` is also
    the start of ``op:tele2_step``)."""
    update = harness.telegram.callback_update(dialog, "Continue", user)
    update["callback_query"]["data"] = f"op:{flag}"
    assert f"op:{flag}" in [b["callback_data"] for b in dialog.buttons()]
    calls = await harness.feed(update)
    return next(c for c in calls if c.method == "editMessageReplyMarkup")


async def register_sender(harness: Harness, chat: int, user: int, name: str, *flags: str) -> None:
    """/addsender, press the operators, Continue, then Submit without a document."""
    dialog = sent(await harness.say(chat, f"/addsender {name}", user_id=user))[-1]
    for flag in flags:
        dialog = await toggle(harness, dialog, flag, user)
    calls = await harness.press(dialog, "Continue", user_id=user)
    step = next(c for c in calls if c.method == "editMessageText")
    await harness.press(step, "Submit without", user_id=user)


def last_edit(harness: Harness) -> object:
    return [c for c in harness.telegram.calls if c.method == "editMessageText"][-1]


async def test_a_paid_sender_registration_by_a_member_waits_for_an_administrator(
    team: Harness,
) -> None:
    await register_sender(team, GROUP, MEMBER, "TeamPaid", "mts_step", "tele2")
    question = [c for c in team.telegram.calls if c.method == "editMessageText"][-1]
    assert "An administrator of this chat must confirm" in question.text
    assert sender_named(team, "TeamPaid") is None
    refused = await team.press(question, "Yes", user_id=MEMBER)
    assert "Only administrators" in text_of(refused)
    assert sender_named(team, "TeamPaid") is None
    calls = await team.press(question, "Yes", user_id=ADMIN)
    assert "submitted" in text_of(calls)
    registered = sender_named(team, "TeamPaid")
    assert registered is not None
    assert set(registered.operators) == {"mts_step", "tele2"}  # type: ignore[attr-defined]


async def test_a_paid_sender_with_its_document_waits_and_the_document_follows(
    team: Harness,
) -> None:
    dialog = sent(await team.say(GROUP, "/addsender TeamDoc", user_id=MEMBER))[-1]
    dialog = await toggle(team, dialog, "bee_step", MEMBER)
    prompt = next(
        c
        for c in await team.press(dialog, "Continue", user_id=MEMBER)
        if c.method == "editMessageText"
    )
    calls = await team.upload(GROUP, MEMBER, b"%PDF-1.4 cert", "cert.pdf", reply_to=prompt.result)
    question = sent(calls)[-1]
    assert "must confirm" in question.text
    assert "cert.pdf" in question.text
    assert sender_named(team, "TeamDoc") is None
    await team.press(question, "Yes", user_id=ADMIN)
    registered = sender_named(team, "TeamDoc")
    assert registered is not None
    assert [f.file for f in registered.files] == ["cert.pdf"]  # type: ignore[attr-defined]


async def test_a_free_registration_by_a_member_goes_ahead(team: Harness) -> None:
    await register_sender(team, GROUP, MEMBER, "TeamFree", "tele2", "motiv")
    assert "submitted" in last_edit(team).text  # type: ignore[attr-defined]
    assert sender_named(team, "TeamFree") is not None


async def test_an_administrators_own_request_goes_ahead(team: Harness) -> None:
    calls = await team.say(GROUP, "/invoice client2 10", user_id=ADMIN)
    assert sent(calls, "sendDocument")
    assert "Key" in text_of(await team.say(GROUP, "/renamegroup 1 Key", user_id=ADMIN))
    await register_sender(team, GROUP, ADMIN, "AdminPaid", "mts_step")
    assert sender_named(team, "AdminPaid") is not None


async def test_in_a_private_chat_nothing_new_is_asked(alone: Harness) -> None:
    calls = await alone.say(USER, "/invoice client2 10")
    assert sent(calls, "sendDocument")
    assert "must confirm" not in text_of(calls)
    assert "changed" in text_of(await alone.say(USER, "/editcontact 79991000000 new=79990004444"))
    assert has_number(alone, "79990004444")
    assert "Key" in text_of(await alone.say(USER, "/renamegroup 1 Key"))
    await register_sender(alone, USER, USER, "MinePaid", "mts_step")
    assert "submitted" in last_edit(alone).text  # type: ignore[attr-defined]
    # /delgroup asked before and still does: the person's own Yes does it.
    question = sent(await alone.say(USER, "/delgroup 3"))[-1]
    assert "Delete the group “VIP”" in question.text
    await alone.press(question, "Yes", user_id=USER)
    assert 3 not in account(alone).phones.groups


async def test_the_administrator_sees_who_a_paid_name_is_for_and_its_comment(
    team: Harness,
) -> None:
    dialog = sent(
        await team.say(
            GROUP, "/addsender TeamSub Our shop's <b>name</b> user=client1", user_id=MEMBER
        )
    )[-1]
    dialog = await toggle(team, dialog, "mts_step", MEMBER)
    calls = await team.press(dialog, "Continue", user_id=MEMBER)
    step = next(c for c in calls if c.method == "editMessageText")
    await team.press(step, "Submit without", user_id=MEMBER)
    question = last_edit(team)
    shown = plain_text(question.text, "HTML")  # type: ignore[attr-defined]
    assert "must confirm" in shown
    assert "For the sub-client: client1" in shown
    assert "Comment: Our shop's <b>name</b>" in shown


async def ask_as(harness: Harness, user: int, command: str) -> Call:
    return sent(await harness.say(GROUP, command, user_id=user))[-1]


async def ask_paid_registration(harness: Harness) -> Call:
    await register_sender(harness, GROUP, MEMBER, "TeamLate", "mts_step")
    return last_edit(harness)  # type: ignore[return-value]


async def logged_out(harness: Harness) -> bool:
    return not await harness.app.storage.credentials.exists(GROUP)


def synchronous(check: Callable[[Harness], bool]) -> Callable[[Harness], Awaitable[bool]]:
    async def done(harness: Harness) -> bool:
        return check(harness)

    return done


# How each is asked in the group, and whether it was done.
Ask = Callable[[Harness], Awaitable[Call]]
Done = Callable[[Harness], Awaitable[bool]]
DEMOTION_CASES: dict[str, tuple[Ask, Done]] = {
    **{
        name: (functools.partial(ask_as, user=MEMBER, command=case.command), synchronous(case.done))
        for name, case in CASES.items()
    },
    "unblock": (
        functools.partial(ask_as, user=MEMBER, command="/unblock 79990000001"),
        synchronous(lambda h: account(h).phones.find_blacklisted("79990000001") is None),
    ),
    "addsender": (
        ask_paid_registration,
        synchronous(lambda h: sender_named(h, "TeamLate") is not None),
    ),
    # Only an administrator may ask for this one.
    "logout": (functools.partial(ask_as, user=ADMIN, command="/logout"), logged_out),
}


@pytest.mark.parametrize("name", sorted(DEMOTION_CASES))
async def test_an_administrator_demoted_a_moment_ago_cannot_press_yes(
    team: Harness, name: str
) -> None:
    ask, done = DEMOTION_CASES[name]
    # The bot has just seen him as an administrator: that answer is remembered for a minute.
    calls = await team.say(GROUP, "/watch downloads off", user_id=ADMIN)
    assert "Only administrators" not in text_of(calls)
    question = await ask(team)
    assert "Yes" in str(question.buttons())
    team.telegram.admins[GROUP].discard(ADMIN)
    refused = await team.press(question, "Yes", user_id=ADMIN)
    assert "Only administrators" in text_of(refused)
    assert not await done(team)
    # The question still waits for someone who is an administrator now.
    team.telegram.admins[GROUP].add(OTHER_ADMIN)
    await team.press(question, "Yes", user_id=OTHER_ADMIN)
    assert await done(team)


async def test_a_change_made_is_reported_made_when_the_groups_cannot_be_read_after_it(
    alone: Harness,
) -> None:
    await alone.say(USER, "/groups")  # the groups' names are kept from here
    alone.sandbox.set_fault(Fault("error", code=9, script="phones", action="get_group"))
    reply = text_of(await alone.say(USER, "/editcontact 79991000000 grp=1"))
    alone.sandbox.clear_faults()
    assert "changed" in reply
    assert "try again" not in reply.lower()
    contact = account(alone).phones.find_contact("79991000000")
    assert contact is not None
    assert contact.groups == [1]
