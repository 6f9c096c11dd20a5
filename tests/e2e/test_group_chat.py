"""Every command, end to end, in a team's group chat: credentials belong to the group, only its
administrators log in, log out or confirm destructive actions, and every action is audited."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_asyncio

from bot.sandbox import SandboxServer
from storage import Keyring, Storage
from tests.e2e.conftest import LOGIN, PASSWORD, new_group, new_user
from tests.e2e.harness import BotProcess
from tests.fakes.telegram import BOT_USERNAME, FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


class Team:
    def __init__(self, chat: int, admin: int, member: int) -> None:
        self.chat, self.admin, self.member = chat, admin, member


@pytest_asyncio.fixture(loop_scope="session")
async def team(bot: BotProcess, telegram: FakeTelegram) -> Team:
    team = Team(new_group(), new_user(), new_user())
    telegram.admins[team.chat].add(team.admin)
    # The admin follows the group's deep link to a private chat and logs in there.
    reply = await telegram.reply_to(team.chat, team.admin, f"/login@{BOT_USERNAME}")
    link = reply.button("private")["url"]
    payload = link.split("start=")[1]
    prompt = await telegram.reply_to(team.admin, team.admin, f"/start {payload}")
    assert "Send the API key" in prompt.text
    since = telegram.mark()
    telegram.send(team.admin, team.admin, f"{LOGIN} {PASSWORD}")
    notice = await telegram.wait_for(
        "sendMessage", chat_id=team.chat, since=since, contains="connected this group"
    )
    assert PASSWORD not in notice.text
    deleted = telegram.find("deleteMessage", chat_id=team.admin, since=since)
    assert len(deleted) == 1
    return team


Audit = list[tuple[str, str | None, str, int | None]]


async def audit_of(bot: BotProcess, chat: int) -> Audit:
    storage = await Storage.open(Path(bot.env["DATABASE_PATH"]), Keyring.from_text(bot.key))
    try:
        entries = await storage.audit.recent(chat, 100)
    finally:
        await storage.close()
    return [(a.action, a.target, a.result, a.user_id) for a in entries]


async def audit_when(bot: BotProcess, chat: int, ready: Callable[[Audit], bool]) -> Audit:
    """The chat's audit log once it shows what the test expects (the bot writes in batches)."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        audit = await audit_of(bot, chat)
        if ready(audit) or asyncio.get_running_loop().time() > deadline:
            return audit
        await asyncio.sleep(0.05)


async def test_member_commands_work_and_are_audited(
    team: Team, telegram: FakeTelegram, sandbox: SandboxServer, bot: BotProcess
) -> None:
    account = sandbox.state.accounts[LOGIN]
    chat, member = team.chat, team.member
    reply = await telegram.reply_to(chat, member, f"/block@{BOT_USERNAME} 79167770001 mass")
    assert "blacklisted" in reply.text
    assert account.phones.find_blacklisted("79167770001") is not None
    await telegram.reply_to(chat, member, "/addcontact 79167770002 Team Contact grp=2")
    assert account.phones.find_contact("79167770002").groups == [2]  # type: ignore[union-attr]
    await telegram.reply_to(chat, member, "/addgroup Team group")
    assert any(g.name == "Team group" for g in account.phones.groups.values())
    await telegram.reply_to(chat, member, "/movecontact 79167770002 1")
    assert account.phones.find_contact("79167770002").groups == [1]  # type: ignore[union-attr]
    for command, expected in [
        ("/contacts Team", "Team Contact"),
        ("/groups", "Customers"),
        ("/blacklist", "79167770001"),
        ("/senders", "MyShop"),
        ("/downloads", "sent_2026_08"),
        ("/account", LOGIN),
        ("/help", "/watch"),
        ("/watch", "Notifications"),
    ]:
        reply = await telegram.reply_to(chat, member, command)
        assert expected in reply.text, command
    document = await telegram.reply_to(chat, member, "/download 1", method="sendDocument")
    assert document.files["document"][1].startswith(b"id;phone")
    document = await telegram.reply_to(
        chat, member, "/getinvoice client1 101", method="sendDocument"
    )
    assert document.files["document"][1].startswith(b"%PDF")
    document = await telegram.reply_to(chat, member, "/act client1 201", method="sendDocument")
    assert document.files["document"][1].startswith(b"%PDF")
    # Money: a member asks, an administrator confirms.
    question = await telegram.reply_to(chat, member, "/invoice client2 99.90")
    assert "An administrator of this chat must confirm" in question.text
    since = telegram.mark()
    telegram.press(question, "Yes", team.admin)
    document = await telegram.wait_for("sendDocument", chat_id=chat, since=since)
    assert document.files["document"][1].startswith(b"%PDF")
    assert any(i.user == "client2" for i in account.invoices.values())

    audit = await audit_when(bot, chat, lambda a: any(e[0] == "/invoice" for e in a))
    actions = [(action, target, user) for action, target, _, user in audit]
    assert ("/block", "79167770001", member) in actions
    assert ("/addcontact", "79167770002", member) in actions
    assert ("/invoice", "client2 99.90", member) in actions
    assert any(
        action == "message" and target == LOGIN and user == team.admin
        for action, target, _, user in audit
    )


async def test_destructive_actions_need_an_admin(
    team: Team, telegram: FakeTelegram, sandbox: SandboxServer, bot: BotProcess
) -> None:
    account = sandbox.state.accounts[LOGIN]
    chat = team.chat
    await telegram.reply_to(chat, team.member, "/block 79167770101")
    await telegram.reply_to(chat, team.member, "/addcontact 79167770102")
    await telegram.reply_to(chat, team.member, "/addgroup Doomed")
    [doomed] = [g for g in account.phones.groups.values() if g.name == "Doomed"]
    sender = sandbox.state.add_sender(LOGIN, "Doomed")
    checks: list[tuple[str, Callable[[], object]]] = [
        ("/unblock 79167770101", lambda: account.phones.find_blacklisted("79167770101")),
        ("/delcontact 79167770102", lambda: account.phones.find_contact("79167770102")),
        (f"/delgroup {doomed.id}", lambda: account.phones.groups.get(doomed.id)),
        (f"/delsender {sender.id}", lambda: account.senders.get(sender.id)),
    ]
    for command, check in checks:
        question = await telegram.reply_to(chat, team.member, command)
        assert "An administrator of this chat must confirm" in question.text
        since = telegram.mark()
        telegram.press(question, "Yes", team.member)
        denial = await telegram.wait_for("answerCallbackQuery", since=since)
        assert "Only administrators" in denial.text
        assert check() is not None, command
        since = telegram.mark()
        telegram.press(question, "Yes", team.admin)
        await telegram.wait_for("editMessageText", chat_id=chat, since=since)
        assert check() is None, command

    def denied(audit: Audit) -> bool:
        return any(
            result.startswith("denied") and user == team.member for _, _, result, user in audit
        )

    assert denied(await audit_when(bot, chat, denied))


async def test_foreign_and_forged_buttons_do_nothing(
    team: Team, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    account = sandbox.state.accounts[LOGIN]
    await telegram.reply_to(team.chat, team.member, "/block 79167770201")
    question = await telegram.reply_to(team.chat, team.member, "/unblock 79167770201")
    # The same button pressed from another chat where the presser is an admin.
    other = new_group()
    telegram.admins[other].add(team.admin)
    data = question.button("Yes")["callback_data"]
    since = telegram.mark()
    telegram.press_data(other, 1, data, team.admin)
    await telegram.wait_for("answerCallbackQuery", since=since)
    assert account.phones.find_blacklisted("79167770201") is not None
    # A forged token.
    since = telegram.mark()
    telegram.press_data(team.chat, 1, "cf:unblock:forged:1", team.admin)
    await telegram.wait_for("answerCallbackQuery", since=since)
    assert account.phones.find_blacklisted("79167770201") is not None


async def test_group_login_with_a_secret_is_deleted(team: Team, telegram: FakeTelegram) -> None:
    since = telegram.mark()
    telegram.send(team.chat, team.admin, f"/login {LOGIN} {PASSWORD}")
    reply = await telegram.wait_for("sendMessage", chat_id=team.chat, since=since)
    assert telegram.find("deleteMessage", chat_id=team.chat, since=since)
    assert "I deleted your message" in reply.text
    assert "Continue in a private chat" in str(reply.buttons())


async def test_only_admins_log_out_and_change_notifications(
    team: Team, telegram: FakeTelegram
) -> None:
    reply = await telegram.reply_to(team.chat, team.member, "/logout")
    assert "Only administrators" in reply.text
    reply = await telegram.reply_to(team.chat, team.member, "/watch senders on")
    assert "Only administrators" in reply.text
    reply = await telegram.reply_to(team.chat, team.admin, "/watch senders on")
    assert "names known now" in reply.text
    reply = await telegram.reply_to(team.chat, team.member, "/lang ru")
    assert "Only administrators" in reply.text


async def test_addsender_dialog_in_a_group_takes_the_document_as_a_reply(
    team: Team, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    start = await telegram.reply_to(team.chat, team.member, "/addsender TeamBrand")
    since = telegram.mark()
    # Someone else's press is not part of this dialog.
    telegram.press(start, "op:bee_step", team.admin)
    stale = await telegram.wait_for("answerCallbackQuery", since=since)
    assert "someone else's dialog" in stale.text
    since = telegram.mark()
    telegram.press(start, "op:bee_step", team.member)
    toggled = await telegram.wait_for("editMessageReplyMarkup", chat_id=team.chat, since=since)
    since = telegram.mark()
    telegram.press(toggled, "Continue", team.member)
    prompt = await telegram.wait_for("editMessageText", chat_id=team.chat, since=since)
    since = telegram.mark()
    telegram.send_document(
        team.chat,
        team.member,
        b"PK\x03\x04zip",
        "docs.zip",
        mime_type="application/zip",
        reply_to=prompt.result,
    )
    # Beeline charges for the name: the member's request waits for an administrator.
    question = await telegram.wait_for(
        "sendMessage", chat_id=team.chat, since=since, contains="must confirm"
    )
    assert not [s for s in sandbox.state.accounts[LOGIN].senders.values() if s.name == "TeamBrand"]
    since = telegram.mark()
    telegram.press(question, "Yes", team.admin)
    await telegram.wait_for("editMessageText", chat_id=team.chat, since=since, contains="submitted")
    [brand] = [s for s in sandbox.state.accounts[LOGIN].senders.values() if s.name == "TeamBrand"]
    assert brand.operators == {"bee_step": 0}
    assert len(brand.files) == 1


async def test_code_commands_in_a_group(
    team: Team, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    sandbox.state.add_sender(LOGIN, "79990001122")
    reply = await telegram.reply_to(team.chat, team.member, "/sendcode 79990001122")
    assert "sent a confirmation code" in reply.text
    code = sandbox.state.sent_code(LOGIN, "79990001122")
    reply = await telegram.reply_to(team.chat, team.member, f"/checkcode 79990001122 {code}")
    assert "confirmed" in reply.text
