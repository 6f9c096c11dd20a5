"""The sandbox on its own: answer forms, provider limits and control hooks."""

from __future__ import annotations

import asyncio

import httpx

from bot.sandbox import SandboxServer
from tests.conftest import LOGIN, PASSWORD


async def post(sandbox: SandboxServer, script: str, **params: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(f"{sandbox.base_url}/sys/{script}.php", data=params)


async def test_error_in_all_four_forms(sandbox: SandboxServer) -> None:
    bodies = [
        (await post(sandbox, "balance", login=LOGIN, psw="wrong", fmt=str(fmt))).text
        for fmt in range(4)
    ]
    assert bodies[0] == "ERROR = 2 (authorise error)"
    assert bodies[1] == "0,-2"
    assert bodies[2] == "<result><error>authorise error</error><error_code>2</error_code></result>"
    assert bodies[3] == '{"error": "authorise error", "error_code": 2}'


async def test_success_forms(sandbox: SandboxServer) -> None:
    plain = await post(sandbox, "phones", login=LOGIN, psw=PASSWORD, add_group="1", name="G")
    assert plain.text.startswith("ID = ")
    ok = await post(
        sandbox, "phones", login=LOGIN, psw=PASSWORD, del_black="1", phone="79990000001", fmt="1"
    )
    assert ok.text == "OK"


async def test_fourth_identical_request_in_a_window_is_error_9(sandbox: SandboxServer) -> None:
    answers = [
        (await post(sandbox, "phones", login=LOGIN, psw=PASSWORD, get_group="1", fmt="3")).json()
        for _ in range(4)
    ]
    assert isinstance(answers[2], list)
    assert answers[3] == {"error": "duplicate request, wait a minute", "error_code": 9}
    assert sandbox.error9_count == 1


async def test_fifteen_concurrent_requests_get_error_9(sandbox: SandboxServer) -> None:
    sandbox.latency = 0.2
    answers = await asyncio.gather(
        *(
            post(sandbox, "phones", login=LOGIN, psw=PASSWORD, get="1", search=str(n), fmt="3")
            for n in range(16)
        )
    )
    assert any(isinstance(a.json(), dict) and a.json().get("error_code") == 9 for a in answers)


async def test_control_hooks_over_http(sandbox: SandboxServer) -> None:
    async with httpx.AsyncClient() as http:
        await http.post(f"{sandbox.base_url}/_sandbox/tasks/{LOGIN}/4", json={"status": 2})
        await http.post(
            f"{sandbox.base_url}/_sandbox/senders/{LOGIN}/2",
            json={"status": 1, "operators": {"mts_step": 2}},
        )
    account = sandbox.state.accounts[LOGIN]
    assert account.tasks[4].status == 2
    assert account.tasks[4].size > 0
    assert account.senders[2].status == 1
    assert account.senders[2].operators["mts_step"] == 2
