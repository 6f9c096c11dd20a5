"""/help on a phone: one screen of the usual commands by domain, a button for all of them, and
/help <command> for one."""

from __future__ import annotations

import pytest

from handlers.commands import COMMANDS
from tests.integration.bot_harness import Harness, sent, text_of

USER = 8201
# A phone shows about this many lines of a message at once.
SCREEN_LINES = 20


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
async def test_help_fits_one_screen_and_a_button_shows_every_command(
    harness: Harness, language: str
) -> None:
    [first] = sent(await harness.say(USER, "/help", language=language))
    assert len(first.text.splitlines()) <= SCREEN_LINES
    for command in ("/block", "/contacts", "/senders", "/invoice", "/downloads", "/login"):
        assert command in first.text
    assert "/editsender" not in first.text  # a button away
    calls = await harness.feed(
        harness.telegram.callback_update(first, "📖", USER, language=language)
    )
    [full] = [c for c in calls if c.method == "editMessageText"]
    for each in COMMANDS:
        assert f"/{each.name} — " in full.text, each.name
    # And back to the short one.
    calls = await harness.feed(harness.telegram.callback_update(full, "◀", USER, language=language))
    [short] = [c for c in calls if c.method == "editMessageText"]
    assert short.text == first.text


@pytest.mark.parametrize("typed", ["block", "/block", "BLOCK", "/Block@smsc_test_bot"])
async def test_help_for_one_command_shows_it_alone(harness: Harness, typed: str) -> None:
    [reply] = sent(await harness.say(USER, f"/help {typed}"))
    assert reply.text.startswith("/block — add a number or an e-mail address to the blacklist")
    assert "Usage: <code>/block &lt;phone-or-email&gt; [all|mass|single]" in reply.text
    assert "/unblock" not in reply.text
    assert len(reply.text.splitlines()) == 2


async def test_help_for_every_command(harness: Harness) -> None:
    for each in COMMANDS:
        [reply] = sent(await harness.say(USER, f"/help {each.name}"))
        assert reply.text.startswith(f"/{each.name} — "), each.name
        assert "<code>/" in reply.text


async def test_help_for_an_unknown_name_suggests_the_closest_and_never_repeats_it(
    harness: Harness,
) -> None:
    [reply] = sent(await harness.say(USER, "/help blok"))
    assert "Did you mean /block?" in reply.text
    assert "/block — add a number" in reply.text
    assert "blok" not in reply.text
    [reply] = sent(await harness.say(USER, "/help идщсл"))  # the wrong keyboard layout
    assert "Did you mean /block?" in reply.text
    reply_text = text_of(await harness.say(USER, "/help stats"))
    assert "I do not know this command" in reply_text
    assert "stats" not in reply_text
    # A word shaped like a secret after /help is taken for one: deleted, never repeated.
    calls = await harness.say(USER, "/help Xq7Zr-secret")
    assert any(c.method == "deleteMessage" for c in calls)
    assert "Send /login" in text_of(calls)
    assert "Xq7Zr" not in text_of(calls)
