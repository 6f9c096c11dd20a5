"""The watcher: polls each SMSC account once per interval and tells every chat that watches it.

A sweep finds the chats that are due, grouped by the credentials they share
(:mod:`bot.watcher.poll`), polls each account once, leaves the chats that have taken that very
answer in already (:mod:`bot.watcher.compare`), tells the others (:mod:`bot.watcher.deliver`)
and records what they took in (:mod:`bot.watcher.record`). Every run is safe to cut anywhere
and to run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n

from bot.accounts import ChatAccounts
from bot.watcher import compare, messages
from bot.watcher.baselines import Baselines
from bot.watcher.claims import Claims
from bot.watcher.deliver import Delivery, Exports, chat_locale
from bot.watcher.notifier import ChatGone, Notifier
from bot.watcher.poll import (
    Clients,
    Login,
    Outcome,
    Polled,
    WatchedChat,
    group_by_account,
    poll,
)
from bot.watcher.record import Part, record
from storage import NotificationKind, Storage

log = logging.getLogger("bot.watcher")

AUTH_FAILURES_BEFORE_PAUSE = 3
# How long a stopping bot lets a sweep finish the notifications it is sending.
STOP_GRACE = 10.0
# Logins whose chats' watch state is in memory at once during a sweep (bench.watcher_sweep
# measures the peak memory this bounds).
SWEEP_PART = 100
# How long a delivery's claim holds (see bot.watcher.claims): a send and its record take far
# less; a replica that dies holding claims delays those notifications by this much.
CLAIM_LEASE = 120.0


@dataclass
class SweepReport:
    logins: int = 0
    chats: int = 0
    polls: int = 0
    notifications: int = 0
    failures: int = 0


class Watcher:
    """Runs sweeps. ``baselines`` (built by the assembly and shared with the chat accounts)
    knows the poll interval and when each chat was last polled."""

    def __init__(
        self,
        storage: Storage,
        accounts: ChatAccounts,
        notifier: Notifier,
        i18n: I18n,
        *,
        baselines: Baselines,
        concurrency: int = 50,
        file_limit: int = 50 * 1024 * 1024,
        part_size: int = SWEEP_PART,
        leading: Callable[[], bool] = lambda: True,
        holder: Callable[[], str] = lambda: "local",
        claim_lease: float = CLAIM_LEASE,
        stop_grace: float = STOP_GRACE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.storage = storage
        self.accounts = accounts
        self.notifier = notifier
        self.i18n = i18n
        self.baselines = baselines
        self.polls = baselines.polls
        self._concurrency = asyncio.Semaphore(concurrency)
        self._workers = concurrency
        self._file_limit = file_limit
        self._part_size = part_size
        self._clients = Clients(storage, accounts)
        self._auth_failures: dict[str, int] = {}
        # Accounts that found no free slot in the limiter: polled first in the next sweep.
        self._starved: set[str] = set()
        self._sweeps: set[asyncio.Task[Any]] = set()
        self._stopping = False
        # With replicas: whether this one still holds the watcher's lease. A replica frozen
        # past its lease wakes up mid-sweep, and must send nothing more.
        self._leading = leading
        self.claims = Claims(storage, holder, claim_lease, clock)
        self._stop_grace = stop_grace

    @property
    def interval(self) -> int:
        return self.polls.interval

    async def take_over(self) -> None:
        """Start sweeping in a replica that won the watcher's lease (again, perhaps): what the
        last holder polled is not known here, so the chats are spread over the next interval
        instead of all polled in the first sweep."""
        self._stopping = False
        watching = await self.storage.settings.watching()
        self.polls.spread(s.chat_id for s in watching)

    def stopping(self) -> bool:
        return self._stopping or not self._leading()

    async def step_down(self) -> None:
        """Another replica leads now: nothing new is sent, and a send already on its way is
        recorded, waiting for the database as long as its claim holds (the lease is often lost
        because PostgreSQL restarted). Cut short, it would go out again from the next leader
        once its claim ran out."""
        await self.stop(grace=self.claims.lease)

    async def stop(self, grace: float | None = None) -> None:
        """Let a sweep under way finish the notifications it is sending, and start no more.

        A notification sent but not yet recorded would go out again after a restart, so the
        sweep is cancelled only when ``grace`` runs out (any run is safe to cut anywhere).
        """
        self._stopping = True
        running = [task for task in self._sweeps if not task.done()]
        if not running:
            return
        wait = self._stop_grace if grace is None else grace
        _done, late = await asyncio.wait(running, timeout=wait)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def sweep(self) -> SweepReport:
        task = asyncio.current_task()
        if task is not None:
            self._sweeps.add(task)
            task.add_done_callback(self._sweeps.discard)
        report = SweepReport()
        logins = await self._due_logins()
        report.logins = len(logins)
        report.chats = sum(len(login.chats) for login in logins)
        size = self._part_size
        parts = [Part(logins[at : at + size]) for at in range(0, len(logins), size)]
        # A pool of workers rather than a task per login: thousands of waiting tasks cost memory
        # and scheduling. Twice the poll concurrency, so that logins busy telling their chats
        # (Telegram paces them) never keep the others from being polled. Workers go on into
        # the next part while the last logins of one finish: no pause at its edge.
        queue = deque((part, login) for part in parts for login in part.logins)

        async def worker() -> None:
            while queue:
                part, login = queue.popleft()
                try:
                    await self._watch_login(login, report, part)
                except Exception as error:
                    report.failures += 1
                    log.error("watching a login failed", exc_info=error, extra={"login": login.key})
                part.left -= 1
                if part.left == 0:
                    await self._part_done(part, report)

        await asyncio.gather(*(worker() for _ in range(min(len(logins), 2 * self._workers))))
        return report

    async def _due_logins(self) -> list[Login]:
        now = self.polls.clock()
        watching = await self.storage.settings.watching()
        due = [s for s in watching if not s.watch_paused and self.polls.due(s, now)]
        clients = await self._clients.of([s.chat_id for s in due])
        logins = group_by_account(due, clients)
        return sorted(logins, key=lambda login: login.key not in self._starved)

    async def _part_done(self, part: Part, report: SweepReport) -> None:
        try:
            await record(self.storage, part)
        except Exception as error:
            report.failures += 1
            log.error("recording a sweep's results failed", exc_info=error)
        finally:
            part.release()

    async def _watch_login(self, login: Login, report: SweepReport, part: Part) -> None:
        # What the part's chats have seen is read while the first of its logins are polled,
        # not before: workers reaching a new part would otherwise all wait for the read.
        part.read(self.storage)
        async with self._concurrency:
            if self.stopping():
                return
            polled = await poll(login)
        report.polls += polled.requests
        if polled.outcome is Outcome.REJECTED:
            await self._auth_failed(login)
            return
        if not self._answered(login, polled):
            return
        seen = await part.seen(self.storage)
        self.polls.polled(chat.chat_id for chat in login.chats)
        behind_tasks = compare.behind(login, NotificationKind.DOWNLOADS, polled.tasks, seen)
        behind_senders = compare.behind(login, NotificationKind.SENDERS, polled.senders, seen)
        if not behind_tasks and not behind_senders:
            return  # most logins in most sweeps: no rows, no lock, no locale, nothing to write
        exports = Exports(login.client, self._file_limit)
        delivery = Delivery(
            self.storage,
            self.notifier,
            self.i18n,
            self.claims,
            login,
            polled,
            seen,
            exports,
            self.stopping,
            await compare.seen_tasks(self.storage, behind_tasks),
            await compare.seen_senders(self.storage, behind_senders),
        )
        try:
            for chat in login.chats:
                if chat.chat_id in behind_tasks or chat.chat_id in behind_senders:
                    # Added after the await: ``report.notifications += await …`` would read
                    # the count before it and lose what other logins added meanwhile.
                    sent = await self._deliver(delivery, chat)
                    report.notifications += sent
        finally:
            exports.discard()

    def _answered(self, login: Login, polled: Polled) -> bool:
        """Learn from how the poll ended; whether it brought anything to tell."""
        if polled.outcome is Outcome.STARVED:
            self._starved.add(login.key)
        elif polled.outcome is Outcome.ANSWERED:
            self._starved.discard(login.key)
        self._auth_failures.pop(login.key, None)
        return polled.anything

    async def _deliver(self, delivery: Delivery, chat: WatchedChat) -> int:
        guard, chat_id = self.accounts.guard, chat.chat_id
        gone = False
        sent = 0
        async with guard.holding(chat_id):
            try:
                sent = await delivery.tell(chat)
            except ChatGone:
                gone = True
            except TelegramAPIError as error:
                # Not recorded: the same notification goes out on the next sweep.
                log.warning(
                    "notification not delivered",
                    extra={"chat_id": chat_id, "error": type(error).__name__},
                )
        if gone:
            log.info("chat gone; watching stopped", extra={"chat_id": chat_id})
            await self.accounts.stop_watching(chat_id)
            self.polls.forget(chat_id)
        return sent

    async def _auth_failed(self, login: Login) -> None:
        failures = self._auth_failures.get(login.key, 0) + 1
        self._auth_failures[login.key] = failures
        log.warning(
            "smsc rejected a watched login", extra={"login": login.key, "failures": failures}
        )
        if failures < AUTH_FAILURES_BEFORE_PAUSE:
            return
        self._auth_failures.pop(login.key, None)
        for chat in login.chats:
            await self.accounts.pause(chat.chat_id, "credentials rejected")
            with (
                chat_locale(self.i18n, chat.settings),
                contextlib.suppress(ChatGone, TelegramAPIError),
            ):
                text = messages.paused_message(chat.chat_id)
                await self.notifier.send_message(chat.chat_id, text)
