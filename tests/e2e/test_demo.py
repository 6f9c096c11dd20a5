"""The README's first command: ``python -m bot demo`` in a terminal, with nothing configured."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def unconfigured_environment() -> dict[str, str]:
    """This process's environment without any of the bot's settings: a newcomer's shell."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "SMSC_", "DATABASE_", "ENCRYPTION_", "WATCH_"))
    }


class Terminal:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.seen: list[str] = []

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()

    async def expect(self, text: str, timeout: float = 30.0) -> str:
        assert self.process.stdout is not None

        async def read() -> str:
            while True:
                raw = await self.process.stdout.readline()  # type: ignore[union-attr]
                if not raw:
                    raise AssertionError(f"the demo ended before {text!r}:\n" + "".join(self.seen))
                line = raw.decode()
                self.seen.append(line)
                if text in line:
                    return line

        try:
            return await asyncio.wait_for(read(), timeout)
        except TimeoutError:
            raise AssertionError(f"no {text!r} in:\n" + "".join(self.seen)) from None

    async def exits(self, timeout: float = 30.0) -> int:
        assert self.process.stdout is not None
        try:
            rest = await asyncio.wait_for(self.process.stdout.read(), timeout)
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            raise AssertionError("the demo did not exit:\n" + "".join(self.seen)) from None
        finally:
            self.seen.append(locals().get("rest", b"").decode(errors="replace"))


async def test_demo_runs_in_the_terminal_with_no_settings(tmp_path: Path) -> None:
    env = unconfigured_environment()
    env.update(WATCH_INTERVAL="1", DEMO_DOWNLOADS=str(tmp_path / "files"), PYTHONUNBUFFERED="1")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    terminal = Terminal(process)
    try:
        await terminal.expect("Type commands as in Telegram")
        await terminal.type("/block 79161234567 mass")
        await terminal.expect("is blacklisted: mass mailings blocked")
        await terminal.expect("SMSC sandbox")
        await terminal.type("/unblock 79161234567")
        await terminal.expect("[1] Yes, do it")
        await terminal.type("1")
        await terminal.expect("removed from the blacklist")
        await terminal.type("/download 2")
        saved = await terminal.expect("saved to")
        assert Path(saved.split("saved to ")[1].split(" (")[0]).stat().st_size == 48_000
        await terminal.type("/watch downloads on")
        await terminal.expect("known now")
        await terminal.type(":finish 4")
        await terminal.expect("is ready")
        notified = await terminal.expect("saved to")
        assert "sent_2026_11.csv" in notified
        # Only a message of the user's is shown deleted: the "⏳ fetching" one goes quietly.
        await terminal.type("/logn demo demo")
        await terminal.expect("looked like /login")
        await terminal.type(":quit")
        assert await terminal.exits() == 0
        assert "".join(terminal.seen).count("(message deleted from the chat)") == 1
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_demo_with_a_token_runs_in_telegram(tmp_path: Path) -> None:
    from tests.e2e.harness import TOKEN
    from tests.fakes.telegram import FakeTelegram

    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    env = unconfigured_environment()
    env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.base_url, PYTHONUNBUFFERED="1")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await telegram.wait_polling()
        # No /login: any chat starts logged in to the sandbox's account.
        reply = await telegram.reply_to(9001, 9001, "/blacklist")
        assert "79990000001" in reply.text
        assert "SMSC sandbox" in reply.text
        reply = await telegram.reply_to(-100900, 9002, "/senders")
        assert "MyShop" in reply.text
        assert "SMSC sandbox" in reply.text
        # The demo logs a chat in once: /logout and /login can be tried too.
        question = await telegram.reply_to(9001, 9001, "/logout", contains="Disconnect")
        since = telegram.mark()
        telegram.press(question, "Yes", 9001)
        await telegram.wait_for("editMessageText", chat_id=9001, since=since, contains="Logged out")
        reply = await telegram.reply_to(9001, 9001, "/blacklist")
        assert "not connected to SMSC" in reply.text
        reply = await telegram.reply_to(9001, 9001, "/login demo demo", contains="Logged in")
        # The sandbox notice speaks the chat's language like every other text.
        await telegram.reply_to(9001, 9001, "/lang ru")
        reply = await telegram.reply_to(9001, 9001, "/account")
        assert "Песочница SMSC" in reply.text
        assert "SMSC sandbox" not in reply.text
    finally:
        process.terminate()
        await process.wait()
        await telegram.stop()


def readme_demo_login() -> str:
    """The login command the README's set-up section gives for the demo."""
    setup = (ROOT / "README.md").read_text().split("## Running it for real")[0]
    found = re.search(r"`(/login \S+ \S+)`", setup)
    assert found is not None, "the README does not say how to log in to the demo"
    return found.group(1)


async def test_demo_shows_the_start_keys_and_the_readme_login_works_after_logout(
    tmp_path: Path,
) -> None:
    env = unconfigured_environment()
    env.update(DEMO_DOWNLOADS=str(tmp_path / "files"), PYTHONUNBUFFERED="1")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    terminal = Terminal(process)
    try:
        await terminal.expect("Type commands as in Telegram")
        await terminal.type("/start")
        keys = await terminal.expect("⌨ [/contacts]")
        assert "[/contacts]  [/blacklist]" in keys
        assert "[/help]" in keys
        # A key is pressed by typing it.
        await terminal.type("/account")
        await terminal.expect("Balance")
        await terminal.type("/logout")
        await terminal.expect("Yes")
        await terminal.type("1")
        await terminal.expect("Logged out")
        await terminal.type(readme_demo_login())
        await terminal.expect("Logged in")
        # A command sent bare asks for what it needs; its buttons are numbered as any.
        await terminal.type("/download")
        offered = await terminal.expect("✖ Cancel")
        assert "[1] ⬇ 2 sent_2026_09" in offered
        await terminal.type("1")
        await terminal.expect("Export 2")
        await terminal.type(":quit")
        assert await terminal.exits() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
