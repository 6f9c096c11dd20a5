from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sandbox import SandboxServer, SandboxState
from bot.smsc import Credentials, Endpoint, RateLimiter, SmscClient, SmscTransport

# Short rate windows on both sides keep limiter tests fast; the client's is never shorter.
RATE_WINDOW = 0.4
LOGIN, PASSWORD, APIKEY = "demo", "s3cret-Pa55", "k3y-0123456789abcdef"


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState()
    state.add_account(LOGIN, PASSWORD, apikey=APIKEY)
    return state


@pytest.fixture
async def sandbox(sandbox_state: SandboxState) -> AsyncIterator[SandboxServer]:
    async with SandboxServer(sandbox_state, rate_window=RATE_WINDOW) as server:
        yield server


@pytest.fixture
async def transport() -> AsyncIterator[SmscTransport]:
    async with SmscTransport(
        limiter=RateLimiter(window=RATE_WINDOW), timeout=httpx.Timeout(5.0, connect=2.0)
    ) as shared:
        yield shared


@pytest.fixture
def client(transport: SmscTransport, sandbox: SandboxServer) -> SmscClient:
    return SmscClient(transport, Credentials(LOGIN, PASSWORD), Endpoint(sandbox.base_url))
