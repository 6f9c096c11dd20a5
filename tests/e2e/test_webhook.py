"""Webhook mode: the secret-token header is checked, updates are handled, /healthz answers."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox import SandboxServer
from tests.e2e.harness import BotProcess
from tests.fakes.telegram import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

SECRET = "webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_webhook_checks_the_secret_header(
    tmp_path: Path, telegram: FakeTelegram, sandbox: SandboxServer
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    since = telegram.mark()
    process = BotProcess(
        tmp_path,
        telegram,
        sandbox.base_url,
        WEBHOOK_URL=url,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),
    )
    import asyncio
    import sys

    from tests.e2e.harness import ROOT

    log = process.log_path.open("ab")
    process.process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=process.env, stdout=log, stderr=log
    )
    log.close()
    try:
        registered = await telegram.wait_for("setWebhook", since=since, timeout=30)
        assert registered.params["url"] == url
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
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                assert json.loads(await response.text())["ok"] is True
    finally:
        await process.stop()
    assert SECRET not in process.log
