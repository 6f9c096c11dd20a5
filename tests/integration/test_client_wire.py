"""What goes on the wire: the request the aiohttp transport sends is the one httpx's own would
send, and what a proxy may do to the answer (compression SMSC was never asked for) is undone."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qs

import httpx
import pytest
from aiohttp import web

from bot.smsc import Credentials, Endpoint, SmscClient, SmscTransport, SmscTransportError
from tests.conftest import LOGIN, PASSWORD

BALANCE = json.dumps({"balance": "12.50", "currency": "RUB"}).encode()


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], dict[str, list[str]]]] = []
        self.encode: Callable[[bytes], tuple[bytes, str | None]] = lambda body: (body, None)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(
            (request.method, request.path_qs, headers, parse_qs(body.decode("ascii")))
        )
        content, encoding = self.encode(BALANCE)
        response = web.Response(body=content, content_type="application/json")
        if encoding is not None:
            response.headers["Content-Encoding"] = encoding
        return response


@pytest.fixture
async def server() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_post("/sys/{script}.php", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield recorder, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def balance(base: str, network: httpx.AsyncBaseTransport | None = None) -> float:
    async with SmscTransport(network=network) as transport:
        client = SmscClient(transport, Credentials(LOGIN, PASSWORD), Endpoint(base))
        return float((await client.balance()).balance)


async def test_the_request_is_the_one_httpx_sends(server: tuple[Recorder, str]) -> None:
    recorder, base = server
    assert await balance(base) == 12.5  # on aiohttp
    assert await balance(base, httpx.AsyncHTTPTransport()) == 12.5  # httpx's own
    (method, path, direct, form), (method2, path2, through_httpx, form2) = recorder.requests
    assert (method, path) == (method2, path2) == ("POST", "/sys/balance.php")
    assert form == form2
    assert form["login"] == [LOGIN]
    assert form["psw"] == [PASSWORD]
    assert PASSWORD not in path
    assert direct["accept-encoding"] == "identity"  # nothing asks for compression
    for header in ("content-type", "user-agent", "content-length", "accept", "accept-encoding"):
        assert direct[header] == through_httpx[header], header


@pytest.mark.parametrize(
    ("encode", "label"),
    [
        (gzip.compress, "gzip"),
        (zlib.compress, "deflate"),  # what the RFC calls deflate: zlib-wrapped
        (lambda body: zlib.compress(body)[2:-4], "deflate"),  # what some servers send: raw
    ],
    ids=["gzip", "zlib-deflate", "raw-deflate"],
)
async def test_a_compressed_answer_is_decoded(
    server: tuple[Recorder, str], encode: Callable[[bytes], bytes], label: str
) -> None:
    recorder, base = server
    recorder.encode = lambda body: (encode(body), label)
    assert await balance(base) == 12.5


async def test_a_body_that_is_not_what_its_encoding_says_is_a_transport_error(
    server: tuple[Recorder, str],
) -> None:
    recorder, base = server
    recorder.encode = lambda body: (body, "gzip")
    with pytest.raises(SmscTransportError) as caught:
        await balance(base)
    assert PASSWORD not in str(caught.value)
