"""/login, /logout, /account: secrets deleted, credentials checked and stored, group rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox import Fault, SandboxServer
from storage import AuthKind
from tests.conftest import APIKEY, LOGIN, PASSWORD
from tests.fakes.telegram import BOT_USERNAME, FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, sent, text_of

USER = 7001
GROUP = -1007001
ADMIN, MEMBER = 7101, 7102


async def test_one_shot_login_checks_stores_and_deletes_the_secret(harness: Harness) -> None:
    calls = await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    deletes = [c for c in calls if c.method == "deleteMessage"]
    assert len(deletes) == 1
    assert deletes[0].chat_id == USER
    reply = sent(calls)[-1].text
    assert "Logged in to SMSC as demo" in reply
    assert "I deleted your message" in reply
    assert "1871.62" in reply
    stored = await harness.app.storage.credentials.get(USER)
    assert stored is not None
    assert stored.login == LOGIN
    assert stored.secret == PASSWORD
    assert [r.script for r in harness.sandbox.requests] == ["balance"]


async def test_login_with_region_word_and_api_key(harness: Harness) -> None:
    calls = await harness.say(USER, f"/login kz {APIKEY}")
    assert "Logged in" in text_of(calls)
    stored = await harness.app.storage.credentials.get(USER)
    assert stored is not None
    assert stored.auth_kind == "apikey"
    assert stored.secret == APIKEY


async def test_rejected_credentials_are_not_stored_but_still_deleted(harness: Harness) -> None:
    calls = await harness.say(USER, f"/login {LOGIN} wrong-password")
    assert any(c.method == "deleteMessage" for c in calls)
    assert "rejected these credentials (error 2)" in text_of(calls)
    assert "Nothing was saved" in text_of(calls)
    assert await harness.app.storage.credentials.get(USER) is None


async def test_login_dialog_asks_the_region_with_buttons(
    telegram: FakeTelegram, sandbox: SandboxServer, tmp_path: Path
) -> None:
    regional = await open_harness(telegram, sandbox, tmp_path, smsc_base_url=None)
    try:
        calls = await regional.say(USER, "/login")
        question = sent(calls)[-1]
        assert "Which SMSC site" in question.text
        assert len(question.buttons()) == 4
        calls = await regional.say(USER, "hello")
        assert "Choose the region with the buttons" in text_of(calls)
        calls = await regional.press(question, "smsc.kz", user_id=USER)
        assert "Region: Kazakhstan" in text_of(calls)
        assert "Send the API key" in text_of(calls)
        assert "Cancelled" in text_of(await regional.say(USER, "/cancel"))
    finally:
        await close_harness(regional)


async def test_login_dialog_with_a_forced_address_goes_straight_to_the_secret(
    harness: Harness,
) -> None:
    calls = await harness.say(USER, "/login")
    assert "Which SMSC site" not in text_of(calls)
    assert "Send the API key" in text_of(calls)
    calls = await harness.say(USER, f"{LOGIN} {PASSWORD}")
    assert [c.method for c in calls].count("deleteMessage") == 1
    assert "Logged in" in text_of(calls)
    stored = await harness.app.storage.credentials.get(USER)
    assert stored is not None
    # SMSC_BASE_URL forces the address; the region is not stored then.
    assert stored.base_url == harness.sandbox.base_url


async def test_cancel_leaves_the_dialog_and_a_late_secret_is_deleted_unused(
    harness: Harness,
) -> None:
    await harness.say(USER, "/login ru")
    assert "Cancelled" in text_of(await harness.say(USER, "/cancel"))
    calls = await harness.say(USER, f"{LOGIN} {PASSWORD}")
    assert any(c.method == "deleteMessage" for c in calls)
    assert "Send /login" in text_of(calls)
    assert await harness.app.storage.credentials.get(USER) is None
    assert harness.sandbox.requests == []


async def test_malformed_login_is_deleted_and_explained(harness: Harness) -> None:
    calls = await harness.say(USER, "/login ru a b c")
    assert any(c.method == "deleteMessage" for c in calls)
    assert "Usage:" in text_of(calls)
    assert harness.sandbox.requests == []


async def test_login_in_group_with_secret_is_deleted_and_moved_to_private(
    harness: Harness,
) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    calls = await harness.say(GROUP, f"/login@{BOT_USERNAME} {LOGIN} {PASSWORD}", user_id=ADMIN)
    assert any(c.method == "deleteMessage" and c.chat_id == GROUP for c in calls)
    reply = sent(calls)[-1]
    assert "I deleted your message" in reply.text
    link = reply.button("private")["url"]
    assert link == f"https://t.me/{BOT_USERNAME}?start=login_{GROUP}"
    assert harness.sandbox.requests == []
    assert await harness.app.storage.credentials.get(GROUP) is None


async def test_group_secret_that_cannot_be_deleted_is_said_loudly(harness: Harness) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    harness.telegram.undeletable_chats.add(GROUP)
    calls = await harness.say(GROUP, f"/login {LOGIN} {PASSWORD}", user_id=ADMIN)
    reply = text_of(calls)
    assert "could NOT delete" in reply
    assert "change the password" in reply
    assert "I deleted" not in reply


async def test_group_login_through_private_deep_link(harness: Harness) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    calls = await harness.say(ADMIN, f"/start login_{GROUP}", user_id=ADMIN)
    assert "Send the API key" in text_of(calls)
    calls = await harness.say(ADMIN, f"{LOGIN} {PASSWORD}", user_id=ADMIN)
    assert [c.chat_id for c in calls if c.method == "deleteMessage"] == [ADMIN]
    assert "for the group" in text_of(calls)
    group_notice = [c for c in calls if c.method == "sendMessage" and c.chat_id == GROUP]
    assert "connected this group to SMSC" in group_notice[0].text
    assert PASSWORD not in group_notice[0].text
    stored = await harness.app.storage.credentials.get(GROUP)
    assert stored is not None
    assert stored.set_by == ADMIN
    audit = await harness.app.storage.audit.recent(GROUP)
    assert any(a.action == "message" and a.target == LOGIN for a in audit)


async def test_a_members_secret_in_a_group_is_deleted_too(harness: Harness) -> None:
    calls = await harness.say(GROUP, f"/login {LOGIN} {PASSWORD}", user_id=MEMBER)
    assert any(c.method == "deleteMessage" and c.chat_id == GROUP for c in calls)
    reply = sent(calls)[-1]
    assert "I deleted your message" in reply.text
    assert "Only administrators" in reply.text
    assert reply.buttons() == []
    assert harness.sandbox.requests == []


async def test_non_admin_cannot_login_for_a_group(harness: Harness) -> None:
    calls = await harness.say(GROUP, "/login", user_id=MEMBER)
    assert "Only administrators" in text_of(calls)
    calls = await harness.say(MEMBER, f"/start login_{GROUP}", user_id=MEMBER)
    assert "Only administrators of that group" in text_of(calls)
    audit = await harness.app.storage.audit.recent(GROUP)
    assert audit[0].result.startswith("denied")


async def test_logout_asks_and_only_an_admin_confirms(harness: Harness) -> None:
    harness.telegram.admins[GROUP].add(ADMIN)
    await harness.app.storage.credentials.save(
        GROUP,
        auth_kind=AuthKind.PASSWORD,
        secret=PASSWORD,
        login=LOGIN,
        base_url=harness.sandbox.base_url,
        set_by=ADMIN,
    )
    calls = await harness.say(GROUP, "/logout", user_id=ADMIN)
    question = sent(calls)[-1]
    assert "Disconnect this chat" in question.text
    # A member pressing Yes changes nothing.
    calls = await harness.press(question, "Yes", user_id=MEMBER)
    assert "Only administrators" in text_of(calls)
    assert await harness.app.storage.credentials.exists(GROUP)
    calls = await harness.press(question, "Yes", user_id=ADMIN)
    assert "Logged out" in text_of(calls)
    assert "An administrator can connect it again with /login." in text_of(calls)
    assert not await harness.app.storage.credentials.exists(GROUP)
    # Pressed again: stale, and harmless.
    calls = await harness.press(question, "Yes", user_id=ADMIN)
    assert "not connected" in text_of(calls) or "expired" in text_of(calls)
    calls = await harness.say(GROUP, "/contacts", user_id=MEMBER)
    assert "An administrator can do it with /login." in text_of(calls)


async def test_account_shows_login_and_balance_never_the_secret(harness: Harness) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    calls = await harness.say(USER, "/account")
    reply = text_of(calls)
    assert "demo" in reply
    assert "1871.62" in reply
    assert PASSWORD not in reply


async def test_commands_need_a_login_first(harness: Harness) -> None:
    calls = await harness.say(USER, "/contacts")
    assert "This chat is not connected to SMSC yet: send /login." in text_of(calls)
    assert "dministrator" not in text_of(calls)
    assert harness.sandbox.requests == []


async def test_login_when_smsc_is_down_saves_nothing(harness: Harness) -> None:
    harness.sandbox.set_fault(Fault("http500"))
    calls = await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    assert "HTTP 500" in text_of(calls)
    assert "Nothing was saved" in text_of(calls)
    assert await harness.app.storage.credentials.get(USER) is None


@pytest.mark.parametrize("language", ["ru", "uk"])
async def test_replies_follow_the_telegram_language(harness: Harness, language: str) -> None:
    calls = await harness.say(USER, "/help", language=language)
    assert "/login" in text_of(calls)
    assert "Commands" not in text_of(calls)


async def test_lang_changes_the_chat_language(harness: Harness) -> None:
    calls = await harness.say(USER, "/lang")
    chooser = sent(calls)[-1]
    assert [b["text"] for b in chooser.buttons()] == ["English", "Русский", "Українська"]
    calls = await harness.press(chooser, "Українська", user_id=USER)
    assert "Мова: українська." in text_of(calls)
    assert "Команди:" in text_of(await harness.say(USER, "/help", language="en"))
    assert "Язык: русский." in text_of(await harness.say(USER, "/lang ru"))
    assert "Команды:" in text_of(await harness.say(USER, "/help", language="uk"))
    assert (await harness.app.storage.settings.get(USER)).language == "ru"


async def test_unreadable_credentials_tell_a_private_chat_to_send_login(harness: Harness) -> None:
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    async with harness.app.storage.database.transaction() as tx:
        # As after a lost key: the stored secret no longer opens.
        await tx.execute("UPDATE credentials SET nonce = zeroblob(12) WHERE chat_id = ?", (USER,))
    for command in ("/senders", "/watch senders on"):
        reply = text_of(await harness.say(USER, command))
        assert "cannot read this chat's stored SMSC credentials" in reply
        assert "Send /login again." in reply
        assert "dministrator" not in reply
