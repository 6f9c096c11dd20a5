from __future__ import annotations

import resource
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from bot.sandbox import DIALECTS, Dialect, SandboxServer, SandboxState
from bot.smsc import Credentials, Endpoint, RateLimiter, SmscClient, SmscTransport

if TYPE_CHECKING:
    from tests.fakes.telegram import FakeTelegram
    from tests.integration.bot_harness import Harness
    from tests.postgres_service import OwnPostgres

# Short rate windows on both sides keep limiter tests fast; the client's is never shorter.
RATE_WINDOW = 0.15
LOGIN, PASSWORD, APIKEY = "demo", "s3cret-Pa55", "k3y-0123456789abcdef"


@pytest.fixture
def sandbox_state() -> SandboxState:
    state = SandboxState()
    state.add_account(LOGIN, PASSWORD, apikey=APIKEY)
    return state


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the bot processes of e2e tests
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_STARTED: dict[str, float] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    _STARTED.update(wall=time.perf_counter(), cpu=_cpu_seconds())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    cpu = _cpu_seconds() - _STARTED["cpu"]
    wall = time.perf_counter() - _STARTED["wall"]
    terminalreporter.write_line(
        f"suite time: wall {wall:.1f} s, CPU {cpu:.1f} s ({wall / max(cpu, 0.001):.2f}x)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # The client is tested against every way the sandbox can word an answer; the pages allow
    # them all, and the real service is not here to ask.
    if "dialect" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[
        -1
    ].startswith("test_client_"):
        metafunc.parametrize("dialect", sorted(DIALECTS), indirect=True)


@pytest.fixture
def dialect(request: pytest.FixtureRequest) -> Dialect:
    return DIALECTS[getattr(request, "param", "plain")]


@pytest.fixture
async def sandbox(sandbox_state: SandboxState, dialect: Dialect) -> AsyncIterator[SandboxServer]:
    async with SandboxServer(sandbox_state, rate_window=RATE_WINDOW, dialect=dialect) as server:
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


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    from tests.fakes.telegram import FakeTelegram

    fake = FakeTelegram("123456789:TEST-fake-token-for-handler-tests-0")
    await fake.start()
    yield fake
    await fake.stop()
    # Whatever a test was about, every text the bot sent must have reached the person.
    assert [(c.method, c.refused) for c in fake.refusals()] == []


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database of the test's own, dropped after it (skips with one line
    where PostgreSQL is absent; fails under ``CI=true``)."""
    from tests.postgres_service import fresh_database

    yield from fresh_database()


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL server of the test's own, which it may stop and start (skips with one line
    where PostgreSQL's programs cannot run here)."""
    from tests.postgres_service import own_postgres

    yield from own_postgres()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a repository test keeps its data, once on each engine."""
    if request.param == "sqlite":
        return tmp_path / "bot.sqlite3"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def harness(
    telegram: FakeTelegram, sandbox: SandboxServer, tmp_path: Path
) -> AsyncIterator[Harness]:
    from tests.integration.bot_harness import close_harness, open_harness

    opened = await open_harness(telegram, sandbox, tmp_path)
    yield opened
    await close_harness(opened)


@pytest.fixture
async def pace(tmp_path: Path) -> AsyncIterator[Harness]:
    """A chat logged in to a sandbox that keeps SMSC's real minute (bench.phone_pace's set-up,
    with the bot's waits injected): what quick edits at a phone's pace run against."""
    from bench.phone_pace import logged_in
    from tests.integration.bot_harness import close_harness

    opened, telegram, sandbox = await logged_in(tmp_path)
    yield opened
    await close_harness(opened)
    await telegram.stop()
    await sandbox.stop()
