"""The sandbox on its own: answer forms, provider limits and control hooks."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import httpx
import pytest

from bot.sandbox import QUIRKS, SPARE, Dialect, SandboxServer, SandboxState
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
    sandbox.clock = lambda: 1000.0  # the four fall in one window however slow the machine is
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


async def test_parameters_are_read_as_windows_1251_unless_a_charset_is_named(
    sandbox: SandboxServer,
) -> None:
    name = "Клиенты"
    async with httpx.AsyncClient() as http:
        url = f"{sandbox.base_url}/sys/phones.php"
        # No charset: the provider's default, windows-1251, both ways.
        legacy = await http.post(
            url,
            content=f"login={LOGIN}&psw={PASSWORD}&add_group=1&fmt=3&name=".encode()
            + quote(name, encoding="cp1251").encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        group_id = legacy.json()["id"]
        assert sandbox.state.accounts[LOGIN].phones.groups[group_id].name == name
        listed = await http.post(url, data={"login": LOGIN, "psw": PASSWORD, "get_group": "1"})
        assert name.encode("cp1251") in listed.content
        named = await http.post(
            url,
            data={"login": LOGIN, "psw": PASSWORD, "get_group": "1", "charset": "utf-8"},
        )
        assert name.encode("utf-8") in named.content


async def test_a_flag_set_to_0_is_unset(sandbox: SandboxServer) -> None:
    answer = await post(
        sandbox, "phones", login=LOGIN, psw=PASSWORD, get="0", get_group="1", fmt="3"
    )
    assert isinstance(answer.json(), list)
    assert "number" in answer.json()[0]  # the groups' answer, not the contacts'
    nothing = await post(sandbox, "phones", login=LOGIN, psw=PASSWORD, get="0", fmt="3")
    assert nothing.json()["error_code"] == 1
    only_approved = await post(
        sandbox, "senders", login=LOGIN, psw=PASSWORD, get="1", all="0", fmt="3"
    )
    assert {s["status"] for s in only_approved.json()} == {1}


async def test_an_empty_export_list_is_an_empty_list(sandbox: SandboxServer) -> None:
    sandbox.state.accounts[LOGIN].tasks.clear()
    answer = await post(sandbox, "downloads", login=LOGIN, psw=PASSWORD, get_list="1", fmt="3")
    assert answer.json() == []


async def test_an_address_that_keeps_failing_is_blocked_for_every_login(
    sandbox_state: SandboxState,
) -> None:
    sandbox_state.add_account("other", "other-pw")
    async with SandboxServer(sandbox_state, ip_block_after=5, ip_block_for=30) as server:
        for _ in range(5):
            wrong = await post(server, "balance", login=LOGIN, psw="wrong", fmt="3")
            assert wrong.json()["error_code"] == 2
        blocked = await post(server, "balance", login=LOGIN, psw=PASSWORD, fmt="3")
        assert blocked.json()["error_code"] == 4
        other = await post(server, "balance", login="other", psw="other-pw", fmt="3")
        assert other.json()["error_code"] == 4
        assert server.error4_count == 2
        server.unblock_address("127.0.0.1")
        fine = await post(server, "balance", login="other", psw="other-pw", fmt="3")
        assert "balance" in fine.json()


@pytest.mark.parametrize("dialect", [QUIRKS, SPARE], ids=lambda d: d.name)
async def test_dialects_word_the_same_answer_differently(
    sandbox_state: SandboxState, dialect: Dialect
) -> None:
    async with SandboxServer(sandbox_state, dialect=dialect) as server:
        contacts = await post(
            server, "phones", login=LOGIN, psw=PASSWORD, get="1", fmt="3", charset="utf-8"
        )
        invoice = await post(
            server,
            "documents",
            login=LOGIN,
            psw=PASSWORD,
            get_account="1",
            user="client1",
            id="101",
        )
    [first, *_] = contacts.json()
    assert first["id"] == ""  # the customer's own id, blank unless given
    if dialect is QUIRKS:
        assert first["int_id"] == "1"
        assert contacts.headers["content-type"] == "application/json; charset=windows-1251"
        assert invoice.headers["content-type"] == "application/x-pdf"
    else:
        assert "int_id" not in first
        assert contacts.headers["content-type"].startswith("text/html")
        assert "content-type" not in invoice.headers
    assert invoice.content.startswith(b"%PDF")
