"""Webhook mode: the secret-token header is checked, updates are handled, /healthz answers."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox import SandboxServer
from tests.e2e.harness import ROOT, BotProcess
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

SECRET = "webhook-secret-0123456789"
HOOK_PATH = "/tg/hook"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def start_webhook_bot(
    tmp_path: Path, telegram: FakeTelegram, sandbox: SandboxServer, **env: str
) -> tuple[BotProcess, str]:
    """The bot in webhook mode, once it has told Telegram where it listens; and where."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = base + HOOK_PATH
    since = telegram.mark()
    process = BotProcess(
        tmp_path,
        telegram,
        sandbox.base_url,
        WEBHOOK_URL=url,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),
        **env,
    )
    log = process.log_path.open("ab")
    process.process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=process.env, stdout=log, stderr=log
    )
    log.close()
    try:
        registered = await telegram.wait_for("setWebhook", since=since, timeout=30)
    except BaseException:
        await process.stop()
        raise
    assert registered.params["url"] == url
    return process, base


async def test_webhook_checks_the_secret_header(
    tmp_path: Path, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    since = telegram.mark()
    process, base = await start_webhook_bot(tmp_path, telegram, sandbox)
    url = base + HOOK_PATH
    try:
        registered = telegram.find("setWebhook", since=since)[0]
        assert registered.params["secret_token"] == SECRET
        update = telegram.message_update(4242, 4242, "/help")
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 401
            assert telegram.find("sendMessage", chat_id=4242) == []
            async with http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            ) as response:
                assert response.status == 200
            reply = await telegram.wait_for("sendMessage", chat_id=4242, since=since)
            assert "/login" in reply.text
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
                assert json.loads(await response.text())["ok"] is True
    finally:
        await process.stop()
    assert SECRET not in process.log


async def raw_post(base: str, headers: list[bytes], body: bytes) -> int:
    """The status of a POST sent byte for byte: HTTP clients refuse a header outside ASCII,
    and Telegram's servers are not the only ones that can reach a webhook."""
    host = base.removeprefix("http://")
    name, _, port = host.partition(":")
    reader, writer = await asyncio.open_connection(name, int(port))
    head = [f"POST {HOOK_PATH} HTTP/1.1".encode(), f"Host: {host}".encode(), *headers]
    head += [b"Content-Type: application/json", f"Content-Length: {len(body)}".encode()]
    head += [b"Connection: close"]
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


async def test_webhook_refuses_what_it_cannot_read_without_a_traceback(
    tmp_path: Path, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    process, base = await start_webhook_bot(tmp_path, telegram, sandbox)
    right = f"X-Telegram-Bot-Api-Secret-Token: {SECRET}".encode()
    update = json.dumps(telegram.message_update(4343, 4343, "/help")).encode()
    try:
        for secret in ("ключ".encode(), "ключ".encode("cp1251"), b"\xff\xfe" + SECRET.encode()):
            header = b"X-Telegram-Bot-Api-Secret-Token: " + secret
            assert await raw_post(base, [header], update) == 401
        assert telegram.find("sendMessage", chat_id=4343) == []
        depth = 100_000
        unreadable = [
            b"{not json",
            b"\xff\xfe{}",
            b"[" * depth + b"]" * depth,
            b'{"update_id": 1, "message": ' + b"[" * depth + b"]" * depth + b"}",
            b"[]",
            b'{"update_id": "one", "message": {}}',
        ]
        for body in unreadable:
            assert await raw_post(base, [right], body) == 400
        since = telegram.mark()
        assert await raw_post(base, [right], update) == 200
        reply = await telegram.wait_for("sendMessage", chat_id=4343, since=since)
        assert "/login" in reply.text
    finally:
        await process.stop()
    log = process.log
    assert "Traceback" not in log
    assert log.count('"event": "webhook request refused"') == len(unreadable)
    assert '"level": "error"' not in log
    assert SECRET not in log
