"""The one place where SMSC requests are built, sent, limited and decoded."""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any

import httpx

from bot.smsc.aiohttp_transport import AiohttpTransport
from bot.smsc.answers import (
    HEAD_BYTES,
    RawAnswer,
    listing_body,
    looks_like_answer,
    parse_json_answer,
    refuse_non_file,
)
from bot.smsc.credentials import Account, Credentials
from bot.smsc.errors import (
    SmscApiError,
    SmscConnectionError,
    SmscError,
    SmscHttpError,
    SmscTimeoutError,
    SmscTransportError,
)
from bot.smsc.limiter import Limiter, RateLimiter
from bot.smsc.policy import Operation
from bot.smsc.regions import Endpoint
from bot.smsc.streams import guarded, read_until, replayed

log = logging.getLogger("bot.smsc")

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# Accept-Encoding written out: SMSC's answers are small, and nothing has to be undone.
_HEADERS = {"User-Agent": "smsc-bot", "Accept": "*/*", "Accept-Encoding": "identity"}
# An error answer is short; a body that starts like one is read this far to say which it is.
_MAX_ERROR_BODY = 64 * 1024


# Told about every finished call: script, action, outcome ("ok" or the error's name), seconds.
CallObserver = Callable[[str, str, str, float], None]


class AnswerForm(StrEnum):
    """What a call expects back: decoded JSON, a file, or a list kept as its bytes."""

    JSON = "json"
    FILE = "file"
    LISTING = "listing"


@dataclass(frozen=True, slots=True)
class Upload:
    field: str
    filename: str
    content: bytes
    content_type: str


class SmscTransport:
    """Shared by every chat: one aiohttp connection pool behind httpx's requests and
    responses (see :mod:`bot.smsc.aiohttp_transport`), one limiter, one table of shared
    reads."""

    def __init__(
        self,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        limiter: Limiter | None = None,
        max_connections: int = 200,
        network: httpx.AsyncBaseTransport | None = None,
        on_call: CallObserver | None = None,
        names_key: bytes | None = None,
    ) -> None:
        """``network`` replaces only how bytes travel (tests and benchmarks fake SMSC there).

        ``names_key`` keys the names of accounts and requests (see :class:`Account`): the bot
        derives it from its encryption keys, so that the limiter's journal keeps its names
        across restarts; a random one otherwise.
        """
        self.limiter = limiter or RateLimiter()
        self.on_call = on_call
        self.names_key = names_key or secrets.token_bytes(32)
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._network = network or AiohttpTransport(limits)
        timeouts = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._extensions = {"timeout": timeouts.as_dict()}
        self._in_flight: dict[Hashable, asyncio.Future[Any]] = {}

    async def aclose(self) -> None:
        await self._network.aclose()

    async def __aenter__(self) -> SmscTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def account(self, endpoint: Endpoint, credentials: Credentials) -> Account:
        return Account.of(endpoint, credentials, self.names_key)

    async def call(
        self,
        account: Account,
        operation: Operation,
        *,
        form: AnswerForm = AnswerForm.JSON,
        upload: Upload | None = None,
        max_wait: float | None = None,
        untried: bool = False,
    ) -> Any:
        """Send one operation; the decoded JSON, a :class:`RawAnswer` for a file, or the bytes
        of a list (``form``). ``untried``: credentials being checked (see the limiter); they
        are accepted only by the answer to their own request, never a shared one."""
        if untried or not operation.is_read or upload is not None:
            return await self._limited(account, operation, form, upload, max_wait, untried)
        # Identical reads at the same moment share one request: the provider would count each
        # copy against its limit of three identical requests a minute. The first caller sends
        # it itself (no task of its own, which every watcher poll would pay for) and hands the
        # answer to the others. Only within one account (credentials, secret
        # included): a wrong password must never be answered by another chat's request.
        key = (account.key, operation.key, form)
        while (shared := self._in_flight.get(key)) is not None:
            try:
                return await asyncio.shield(shared)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not shared.cancelled() or (task is not None and task.cancelling()):
                    raise
                # The caller that was sending it was stopped: this one sends it.
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = answer
        try:
            result = await self._limited(account, operation, form, None, max_wait)
        except Exception as error:
            answer.set_exception(error)
            answer.exception()  # retrieved, whether or not anyone else was waiting
            raise
        except BaseException:
            answer.cancel()  # stopped: whoever waits sends it again
            raise
        else:
            answer.set_result(result)
            return result
        finally:
            if self._in_flight.get(key) is answer:
                del self._in_flight[key]

    async def _limited(
        self,
        account: Account,
        operation: Operation,
        form: AnswerForm,
        upload: Upload | None,
        max_wait: float | None,
        untried: bool = False,
    ) -> Any:
        with self._observed(operation):
            async with self._slot(account, operation, max_wait, untried):
                response = await self._post(account, operation, upload)
                # Decoded inside the slot: an error 9 or 4 in the answer teaches the limiter.
                return self._decode(operation, response, form)

    def _slot(
        self, account: Account, operation: Operation, max_wait: float | None, untried: bool = False
    ) -> AbstractAsyncContextManager[None]:
        # A login being tried counts in its own credentials' windows, never the login's:
        # a stranger's wrong attempts must not use up the budget of the account they name.
        bucket = account.key if untried else account.budget
        return self.limiter.acquire(
            bucket,
            operation.limits(),
            max_wait,
            site=account.endpoint.site,
            who=account.key,
            untried=untried,
        )

    def _observed(self, operation: Operation) -> _Observed:
        """Tell ``on_call`` how the operation ended and how long it took."""
        return _Observed(self.on_call, operation)

    @staticmethod
    def _decode(operation: Operation, response: httpx.Response, form: AnswerForm) -> Any:
        answer = RawAnswer(_content_type(response), response.content)
        if form is AnswerForm.JSON:
            return parse_json_answer(answer.body, operation.script)
        if form is AnswerForm.LISTING:
            return listing_body(answer.body, operation.script)
        # No page names a file's content type: whatever is not an error answer or a web page
        # is the file, however it is labelled.
        if not answer.media_type.startswith("multipart/") and looks_like_answer(
            answer.body[:HEAD_BYTES]
        ):
            refuse_non_file(answer.body, operation.script)
        return answer

    @asynccontextmanager
    async def stream(
        self,
        account: Account,
        operation: Operation,
        *,
        max_wait: float | None = None,
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Stream a file answer chunk by chunk; error answers raise before the first chunk."""
        with self._observed(operation):
            async with (
                self._slot(account, operation, max_wait),
                self._open_stream(account, operation) as response,
            ):
                chunks = guarded(response.aiter_bytes(), operation.script).__aiter__()
                head = await read_until(chunks, HEAD_BYTES)
                if looks_like_answer(head):
                    refuse_non_file(
                        head + await read_until(chunks, _MAX_ERROR_BODY), operation.script
                    )
                yield replayed(head, chunks)

    async def _post(
        self, account: Account, operation: Operation, upload: Upload | None
    ) -> httpx.Response:
        files = None
        if upload is not None:
            files = {upload.field: (upload.filename, upload.content, upload.content_type)}
        data = _form(account.credentials, operation)

        async def send(url: httpx.URL) -> httpx.Response:
            response = await self._send(url, data, files)
            try:
                # Read whole: the connection goes back to the pool before it is decoded.
                await response.aread()
            finally:
                await response.aclose()
            return response

        return await self._send_with_fallback(account.endpoint, operation, send)

    @asynccontextmanager
    async def _open_stream(
        self, account: Account, operation: Operation
    ) -> AsyncIterator[httpx.Response]:
        data = _form(account.credentials, operation)

        async def send(url: httpx.URL) -> httpx.Response:
            return await self._send(url, data)

        response = await self._send_with_fallback(account.endpoint, operation, send)
        try:
            yield response
        finally:
            await response.aclose()

    async def _send(
        self, url: httpx.URL, data: dict[str, str], files: dict[str, Any] | None = None
    ) -> httpx.Response:
        # Straight to the transport, past httpx.AsyncClient's pipeline (cookies, auth,
        # redirects, event hooks: SMSC uses none of them). Through the client a watcher poll
        # no longer stays inside its guard rails (bench/README.md, "weighing the tricks").
        request = httpx.Request(
            "POST", url, data=data, files=files, headers=_HEADERS, extensions=self._extensions
        )
        response = await self._network.handle_async_request(request)
        response.request = request
        return response

    async def _send_with_fallback(
        self,
        endpoint: Endpoint,
        operation: Operation,
        send: Callable[[httpx.URL], Awaitable[httpx.Response]],
    ) -> httpx.Response:
        hosts = _hosts(endpoint)
        for attempt, base in enumerate(hosts):
            try:
                response = await send(_script_url(base, operation.script))
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Only a request that never reached a host is safe to repeat elsewhere,
                # writes included.
                if attempt + 1 < len(hosts):
                    log.warning(
                        "smsc host unreachable, trying backup",
                        extra={"script": operation.script, "error": type(exc).__name__},
                    )
                    continue
                raise SmscConnectionError(
                    f"cannot reach SMSC at {_host_of(base)} ({type(exc).__name__})"
                ) from None
            except httpx.TimeoutException as exc:
                raise SmscTimeoutError(
                    f"SMSC did not answer {operation.script}.php in time ({type(exc).__name__})"
                ) from None
            except httpx.HTTPError as exc:
                raise SmscTransportError(
                    f"request to {operation.script}.php failed ({type(exc).__name__})"
                ) from None
            if response.status_code >= 400:
                await response.aclose()
                raise SmscHttpError(response.status_code, operation.script)
            return response
        raise AssertionError("unreachable: an endpoint always has a host")


class _Observed(AbstractContextManager[None]):
    """A class rather than a generator: entered once per request, thousands a sweep."""

    __slots__ = ("_on_call", "_operation", "_started")

    def __init__(self, on_call: CallObserver | None, operation: Operation) -> None:
        self._on_call = on_call
        self._operation = operation
        self._started = time.perf_counter()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._on_call is not None:
            outcome = _outcome(error) if isinstance(error, SmscError) else "ok"
            operation = self._operation
            elapsed = time.perf_counter() - self._started
            self._on_call(operation.script, operation.action, outcome, elapsed)


def _outcome(error: SmscError) -> str:
    if isinstance(error, SmscApiError):
        return f"error {error.code}"
    return type(error).__name__


@functools.lru_cache(maxsize=4096)
def _script_url(base: str, script: str) -> httpx.URL:
    # Parsed once, not on every request: a few scripts on a few hosts.
    return httpx.URL(Endpoint.script_url(base, script))


def _hosts(endpoint: Endpoint) -> tuple[str, ...]:
    # One retry on one backup host: more would multiply the load of an outage.
    return endpoint.hosts[:2]


def _host_of(base: str) -> str:
    return httpx.URL(base).host


def _form(credentials: Credentials, operation: Operation) -> dict[str, str]:
    # Credentials go in the POST body only: URLs end up in proxy and httpx logs.
    form = dict(operation.params)
    form.update(credentials.auth_params())
    form["fmt"] = "3"
    form["charset"] = "utf-8"
    return form


def _content_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", ""))
