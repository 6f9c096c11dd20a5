"""Faults at both network edges. Every command answers within its timeout with a clear sentence;
no watcher job dies; no notification is lost."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import Fault, SandboxServer
from tests.conftest import LOGIN, PASSWORD
from tests.fakes.telegram import FakeTelegram
from tests.integration.bot_harness import Harness, close_harness, open_harness, sent, text_of

USER = 7301
TIMEOUT = 0.5

COMMANDS = [
    "/account",
    "/contacts",
    "/addcontact 79160001111",
    "/groups",
    "/addgroup Faulty",
    "/movecontact 79991000000 2",
    "/delgroup 1",
    "/block 79160001112",
    "/blacklist",
    "/senders",
    "/sendcode 79991234567",
    "/checkcode 79991234567 1234",
    "/invoice client1 10",
    "/getinvoice client1 101",
    "/act client1 201",
    "/downloads",
    "/download 1",
    "/watch downloads on",
]

FAULTS: dict[str, tuple[Fault | None, str | tuple[str, ...]]] = {
    "slow": (Fault("slow", delay=TIMEOUT * 4), "did not answer in time"),
    "http500": (Fault("http500"), "HTTP 500"),
    "garbage": (Fault("garbage"), "an answer I cannot read"),
    # The first command meets error 4; the rest are held back without being sent.
    "error4": (Fault("error", code=4), "SMSC has blocked this server's address for a while"),
    # The first few meet error 9; past them the account is held back without sending, so
    # that a loop of failing requests never brings an address block.
    "error9": (Fault("error", code=9), ("(error 9)", "I hold its requests back")),
    "refused": (None, "cannot reach SMSC"),
}


@pytest.fixture
async def quick(
    telegram: FakeTelegram, sandbox: SandboxServer, tmp_path: Path
) -> AsyncIterator[Harness]:
    harness = await open_harness(telegram, sandbox, tmp_path, smsc_timeout=TIMEOUT)
    await harness.say(USER, f"/login {LOGIN} {PASSWORD}")
    yield harness
    await close_harness(harness)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def said(sentence: str | tuple[str, ...], text: str) -> bool:
    return any(each in text for each in ((sentence,) if isinstance(sentence, str) else sentence))


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_every_command_answers_every_smsc_fault(quick: Harness, fault: str) -> None:
    injected, sentence = FAULTS[fault]
    if injected is None:
        factory = quick.app.dispatcher.workflow_data["accounts"].factory
        factory.forced_base_url = f"http://127.0.0.1:{closed_port()}"
    else:
        quick.sandbox.set_fault(injected)
    failures = []
    for command in COMMANDS:
        started = time.monotonic()
        calls = await quick.say(USER, command)
        elapsed = time.monotonic() - started
        replies = [c for c in calls if c.method in {"sendMessage", "editMessageText"}]
        if not replies:
            failures.append(f"{command}: silent")
        elif not said(sentence, text_of(calls)) or "Traceback" in text_of(calls):
            failures.append(f"{command}: {text_of(calls)!r}")
        elif elapsed > TIMEOUT * 2 + 2.0:
            failures.append(f"{command}: answered after {elapsed:.1f} s")
    assert failures == []


async def test_reply_survives_telegram_429(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.telegram.fail("sendMessage", 429, retry_after=7)
    with caplog.at_level(logging.INFO, logger="bot.telegram"):
        calls = await harness.say(USER, "/help")
    attempts = sent(calls)
    assert len(attempts) == 2
    assert "/login" in attempts[1].text
    [waited] = [r for r in caplog.records if r.getMessage() == "telegram asked to wait"]
    assert waited.retry_after == 7  # type: ignore[attr-defined]
    # Waited out, at the harness's wait scale: 7 s of Telegram's become a moment here.
    assert attempts[1].at - attempts[0].at >= 7 * harness.app.settings.telegram_wait_scale


async def test_reply_survives_telegram_5xx(harness: Harness) -> None:
    harness.telegram.fail("sendMessage", 502, times=2)
    calls = await harness.say(USER, "/help")
    assert len(sent(calls)) == 3
    assert harness.telegram.calls[-1].result["text"].startswith("<b>SMSC")


async def test_telegram_down_for_good_is_logged_not_crashed(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.telegram.fail("sendMessage", 500, times=10)
    with caplog.at_level(logging.INFO):
        await harness.say(USER, "/help")
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("telegram failed; retrying") == 2
    assert "telegram unavailable; reply not delivered" in messages
    assert "unhandled error" not in messages
    # The next update is served normally.
    assert "/login" in text_of(await harness.say(USER, "/help"))
