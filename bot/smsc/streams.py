"""An answer streamed chunk by chunk (an export's CSV): its head read first, to tell an error
answer from the file, then replayed before the rest; transport errors mapped to the client's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from bot.smsc.errors import SmscTimeoutError, SmscTransportError


async def read_until(chunks: AsyncIterator[bytes], size: int) -> bytes:
    """At least ``size`` bytes from the stream, or all of it if it is shorter."""
    head = bytearray()
    while len(head) < size:
        try:
            head += await anext(chunks)
        except StopAsyncIteration:
            break
    return bytes(head)


async def replayed(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if head:
        yield head
    async for chunk in rest:
        yield chunk


async def guarded(chunks: AsyncIterator[bytes], script: str) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield chunk
    except httpx.TimeoutException as exc:
        raise SmscTimeoutError(
            f"SMSC stopped sending {script}.php in time ({type(exc).__name__})"
        ) from None
    except httpx.HTTPError as exc:
        raise SmscTransportError(
            f"download from {script}.php failed ({type(exc).__name__})"
        ) from None
