"""A person on a phone editing the blacklist: SMSC requests per action, with SMSC's real minute.

    python -m bench.phone_pace [--short]

One chat, within one minute: looks up 20 different numbers (a card each), blocks 10 of them by
tapping, unblocks 5 (tap, then Yes) and lists the blacklist 5 times. SMSC allows three
identical requests a minute per login: were every card and list read afresh, the fourth would
be refused. The run fails (exit 1) on any refusal, error 9 or wrong reply; it prints SMSC
requests per action, which the kept copies hold at one read per list a minute.

The bot runs in this process against the fake Bot API and the SMSC sandbox over loopback,
both with SMSC's real 60 s window; nothing waits for it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.support import report
from bot.sandbox import SandboxServer, SandboxState
from tests.fakes.telegram import Call, FakeTelegram
from tests.integration.bot_harness import TOKEN, Harness, close_harness, open_harness, sent

LOGIN, PASSWORD = "phone", "pace-Pa55"
WINDOW = 60.0
CHAT = 4242
REFUSED = ("Too many similar requests", "try again", "error 9")


@dataclass
class Burst:
    """What the burst did and what it cost."""

    lookups: int = 0
    blocks: int = 0
    unblocks: int = 0
    lists: int = 0
    requests: int = 0
    writes: int = 0
    error9: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def actions(self) -> int:
        return self.lookups + self.blocks + self.unblocks + self.lists


def numbers(count: int) -> list[str]:
    # Not in the sample blacklist; one in three is a sample contact.
    return [f"7999{1000000 + n * 1111:07d}" if n % 3 == 0 else f"7916{n:07d}" for n in range(count)]


def _card(calls: list[Call]) -> Call | None:
    return next((c for c in reversed(calls) if c.text.startswith("📇")), None)


def _check(burst: Burst, calls: list[Call], wanted: str, what: str) -> None:
    text = "\n".join(c.text for c in calls)
    if wanted not in text or any(word in text for word in REFUSED):
        burst.wrong.append(f"{what}: {text[:200]!r}")


async def burst(h: Harness, lookups: int = 20, blocks: int = 10, unblocks: int = 5) -> Burst:
    """The burst against a logged-in chat; counts SMSC's requests from its first action."""
    result = Burst()
    before = len(h.sandbox.requests)
    cards: list[Call] = []
    for index, number in enumerate(numbers(lookups)):
        calls = await h.say(CHAT, number)
        result.lookups += 1
        card = _card(calls)
        if card is None or "Not blacklisted" not in card.text:
            result.wrong.append(f"card {number}: {[c.text[:80] for c in calls]}")
            continue
        if index < blocks:
            pressed = await h.press(card, "Block for mass mailings", user_id=CHAT)
            result.blocks += 1
            _check(result, pressed, "Blacklisted: mass mailings blocked", f"block {number}")
            cards.append(next(c for c in pressed if c.method == "editMessageText"))
        if index % 4 == 0 and result.lists < 5:
            listed = await h.say(CHAT, "/blacklist")
            result.lists += 1
            _check(result, listed, number if index < blocks else "Blacklist", "/blacklist")
    for card in cards[:unblocks]:
        asked = await h.press(card, "Unblock", user_id=CHAT)
        question = next(c for c in sent(asked) if "Remove" in c.text)
        done = await h.press(question, "Yes", user_id=CHAT)
        result.unblocks += 1
        _check(result, done, "removed from the blacklist", "unblock")
    while result.lists < 5:
        listed = await h.say(CHAT, "/blacklist")
        result.lists += 1
        _check(result, listed, "Blacklist", "/blacklist")
    made = h.sandbox.requests[before:]
    result.requests = len(made)
    result.writes = sum(1 for r in made if r.action in ("add_black", "del_black"))
    result.error9 = h.sandbox.error9_count
    return result


async def logged_in(
    workdir: Path, *, token: str = TOKEN, **settings: Any
) -> tuple[Harness, FakeTelegram, SandboxServer]:
    """The bot in process with SMSC's real window, ``CHAT`` logged in; ``settings`` as the
    harness takes them (a Redis to share, for a replica)."""
    state = SandboxState()
    state.add_account(LOGIN, PASSWORD)
    sandbox = SandboxServer(state, rate_window=WINDOW)
    await sandbox.start()
    telegram = FakeTelegram(token)
    await telegram.start()
    harness = await open_harness(
        telegram, sandbox, workdir, bot_token=token, smsc_rate_window=WINDOW, **settings
    )
    await harness.say(CHAT, f"/login {LOGIN} {PASSWORD}")
    return harness, telegram, sandbox


async def main(short: bool) -> int:
    with tempfile.TemporaryDirectory() as workdir:
        harness, telegram, sandbox = await logged_in(Path(workdir))
        try:
            done = await (burst(harness, 8, 4, 2) if short else burst(harness))
        finally:
            await close_harness(harness)
            await telegram.stop()
            await sandbox.stop()
    report(
        "Quick blacklist edits at a phone's pace, SMSC's real 60 s window",
        [
            (
                "actions",
                f"{done.lookups} lookups, {done.blocks} blocks, "
                f"{done.unblocks} unblocks, {done.lists} lists",
            ),
            ("SMSC requests", f"{done.requests} ({done.writes} of them writes)"),
            ("requests per action", f"{done.requests / max(done.actions, 1):.2f}"),
            ("reads besides the writes", f"{done.requests - done.writes} (goal ≤ 3)"),
            ("error-9 answers", f"{done.error9} (must be 0)"),
            ("wrong or refused replies", f"{len(done.wrong)} (must be 0)"),
        ],
    )
    for line in done.wrong:
        print("  !", line)
    failed = done.error9 or done.wrong or done.requests - done.writes > 3
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="8 lookups, 4 blocks, 2 unblocks")
    sys.exit(asyncio.run(main(parser.parse_args().short)))
