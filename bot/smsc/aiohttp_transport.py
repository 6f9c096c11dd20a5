"""An httpx transport that sends requests with aiohttp.

Why it is here rather than httpcore (httpx's own transport) or the ``httpx-aiohttp`` package:

- **CPU per request.** Under the watcher's concurrency, httpcore's connection pool spends many
  times the CPU of this transport per request on bookkeeping (it scans every connection and
  probes every idle socket on each request; the upstream fixes are unmerged): see
  ``bench/watcher_sweep.py``. aiohttp is already installed with aiogram.
- **Writes are never repeated.** A request cut off after it was sent (the server closed the
  connection) may have reached SMSC, so it must never be sent again on the backup host.
  httpx-aiohttp 0.2 maps aiohttp's "server disconnected" to ``httpx.ConnectTimeout``, which the
  client treats as "never arrived" and would repeat, a second contact created or a second
  invoice. Here only a request that never reached a socket becomes a connect error.

The client speaks httpx (``httpx.Request`` in, ``httpx.Response`` out, httpx's timeouts and
limits); requests go to this transport directly, not through an ``httpx.AsyncClient`` (see
``SmscTransport._send``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import httpx

_CHUNK = 64 * 1024


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, limits: httpx.Limits | None = None, keepalive: float = 30.0) -> None:
        limits = limits or httpx.Limits()
        self._max_connections = limits.max_connections or 0
        self._keepalive = keepalive
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop, as aiohttp requires.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, limit_per_host=0, keepalive_timeout=self._keepalive
            )
            # httpx decodes Content-Encoding itself; aiohttp must hand over the raw bytes.
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._open()
        body = await request.aread()
        try:
            response = await session.request(
                request.method,
                str(request.url),
                data=body or None,
                headers=[
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
                ],
                timeout=_timeout(request.extensions.get("timeout", {})),
                allow_redirects=False,
            )
        except Exception as error:
            raise _mapped(error, request) from error
        return httpx.Response(
            status_code=response.status,
            headers=[(k, v) for k, v in response.raw_headers],
            stream=_Body(response, request),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("latin-1"),
            },
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(_CHUNK):
                yield chunk
        except Exception as error:
            raise _mapped(error, self._request) from error

    async def aclose(self) -> None:
        self._response.release()


def _timeout(config: Mapping[str, Any]) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=None,
        connect=config.get("pool"),
        sock_connect=config.get("connect"),
        sock_read=config.get("read"),
    )


def _mapped(error: Exception, request: httpx.Request | None) -> Exception:
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(str(error) or "connect timeout", request=request)
    if isinstance(error, aiohttp.ClientConnectorError):
        # Refused, unreachable, DNS: nothing was sent.
        return httpx.ConnectError(str(error), request=request)
    if isinstance(error, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
        return httpx.ReadTimeout(str(error) or "read timeout", request=request)
    if isinstance(error, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
        # The request may have arrived: never a reason to send it elsewhere.
        return httpx.RemoteProtocolError(str(error) or "server disconnected", request=request)
    if isinstance(error, aiohttp.ClientError):
        return httpx.ReadError(str(error) or type(error).__name__, request=request)
    return error
