"""Work a request leaves behind it, run on its own: its caller goes on, and whoever must see
it done waits for it (a login's next request, the limiter's close)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("work left behind by a request failed", exc_info=task.exception())


class WorkBehind:
    def __init__(self) -> None:
        self._all: set[asyncio.Task[None]] = set()
        # Per login: the work its next request waits for (its answers being stamped).
        self._of: dict[str, set[asyncio.Task[None]]] = {}

    def start(self, work: Coroutine[Any, Any, None], *, login: str | None = None) -> None:
        task = asyncio.get_running_loop().create_task(work)
        task.add_done_callback(_log_failure)
        self._all.add(task)
        task.add_done_callback(self._all.discard)
        if login is not None:
            self._of.setdefault(login, set()).add(task)
            task.add_done_callback(lambda done: self._done(login, done))

    def _done(self, login: str, task: asyncio.Task[None]) -> None:
        tasks = self._of.get(login, set())
        tasks.discard(task)
        if not tasks:
            self._of.pop(login, None)

    async def of(self, login: str) -> None:
        """Wait for the work left behind by ``login``'s requests. A waiter cancelled meanwhile
        leaves that work running (``asyncio.wait``, not ``gather``, which would cancel it)."""
        tasks = self._of.get(login)
        if tasks:
            await asyncio.wait(set(tasks))

    async def settled(self) -> None:
        """Wait for all of it, including what finishing work started meanwhile."""
        while self._all:
            await asyncio.wait(set(self._all))
