"""The watcher: polls each SMSC login once per interval and tells every chat that watches it.

State moves forward per chat only after Telegram accepted the notification, so a restart
repeats nothing and misses nothing. Every run is safe to cut anywhere and to run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiogram.exceptions import TelegramAPIError
from aiogram.types import FSInputFile, Message
from aiogram.utils.i18n import I18n
from pydantic import BaseModel

from bot.accounts import ChatAccounts, ChatGuard
from bot.exports import csv_filename, discard, fetch_export
from bot.smsc import (
    AddressBlockedError,
    AuthenticationError,
    ClientRateLimitError,
    DownloadTask,
    FileTooLargeError,
    IpBlockedError,
    Listing,
    OperationFailedError,
    Sender,
    SmscClient,
    SmscError,
    TaskStatus,
)
from bot.watcher import messages
from bot.watcher.changes import (
    SenderEvent,
    SenderUpdate,
    TaskUpdate,
    baseline_senders,
    baseline_tasks,
    sender_updates,
    task_updates,
)
from bot.watcher.notifier import ChatGone, Notifier
from storage import (
    ChatCredentials,
    ChatSettings,
    CredentialsUnreadableError,
    NotificationKind,
    SeenSender,
    SeenTask,
    Storage,
    WatchSnapshot,
)

log = logging.getLogger("bot.watcher")

M = TypeVar("M", bound=BaseModel)

AUTH_FAILURES_BEFORE_PAUSE = 3
# How long a stopping bot lets a sweep finish the notifications it is sending.
STOP_GRACE = 10.0
# Logins whose chats' watch state is in memory at once during a sweep. 100 rather than 250:
# 1 MB less at the peak of a 10,000-chat sweep, for 2 % more of the bot's own instructions
# per poll (bench.poll_cost under callgrind), with the peak 1 MB under its goal.
SWEEP_PART = 100


class Baselines:
    """What exists when a chat starts watching is recorded, so that only later changes count.

    ``polled`` is told about the chat: the request just made is its first poll, and the
    watcher does not repeat it on its next sweep.
    """

    def __init__(
        self, storage: Storage, interval: int, polled: Callable[[int], None] | None = None
    ) -> None:
        self._storage = storage
        self.interval = interval
        self._polled = polled

    async def take(self, chat_id: int, kind: NotificationKind, client: SmscClient) -> int:
        if kind is NotificationKind.DOWNLOADS:
            tasks = _Answer(await client.downloads.listing())
            await self._storage.watch.replace_download_baseline(
                chat_id, baseline_tasks(tasks.records), tasks.key
            )
            count = len(tasks.records)
        else:
            senders = _Answer(await client.senders.listing(all=True, operators=True))
            await self._storage.watch.replace_sender_baseline(
                chat_id, baseline_senders(senders.records), senders.key
            )
            count = len(senders.records)
        if self._polled is not None:
            self._polled(chat_id)
        return count


@dataclass
class _Answer(Generic[M]):
    """One poll's answer, the whole list; ``key`` names it (its digest)."""

    listing: Listing[M]
    # Its records in the stored form, made once and shared by every chat that takes the answer
    # as its baseline: a first sweep over thousands of chats holds one copy per account.
    _seen: list[Any] | None = field(default=None, repr=False)
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = self.listing.digest

    def seen(self, baseline: Callable[[list[M]], list[Any]]) -> list[Any]:
        if self._seen is None:
            self._seen = baseline(self.records)
        return self._seen

    @property
    def records(self) -> list[M]:
        return self.listing.records()


@dataclass(slots=True)
class _Login:
    """The chats that share one SMSC account in this sweep."""

    key: str
    client: SmscClient
    chats: list[ChatSettings] = field(default_factory=list)
    # Each chat's account generation when the sweep began (see bot.accounts.ChatGuard), in
    # the order of ``chats``: a list, not a dict, at thousands of logins a sweep.
    generations: list[int] = field(default_factory=list)

    def watches(self, kind: NotificationKind) -> bool:
        return any(chat.notifies(kind) for chat in self.chats)


@dataclass(frozen=True, slots=True)
class _Account:
    """The client of one set of credentials, shared by the chats that stored them."""

    same: tuple[object, ...] = field(repr=False)  # what they stored, the secret included
    key: str
    client: SmscClient


@dataclass
class _Part:
    """Logins whose chats' state is read and written together."""

    logins: list[_Login]
    seen: asyncio.Future[WatchSnapshot] | None = None
    left: int = 0

    def __post_init__(self) -> None:
        self.left = len(self.logins)


@dataclass
class SweepReport:
    logins: int = 0
    chats: int = 0
    polls: int = 0
    notifications: int = 0
    failures: int = 0


class Watcher:
    def __init__(
        self,
        storage: Storage,
        accounts: ChatAccounts,
        notifier: Notifier,
        i18n: I18n,
        *,
        interval: int,
        concurrency: int = 50,
        file_limit: int = 50 * 1024 * 1024,
        part_size: int = SWEEP_PART,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage = storage
        self.accounts = accounts
        self.notifier = notifier
        self.i18n = i18n
        self.interval = interval
        self.baselines = Baselines(storage, interval, polled=self._baseline_taken)
        accounts.baselines = self.baselines
        self._concurrency = asyncio.Semaphore(concurrency)
        self._workers = concurrency
        self._file_limit = file_limit
        self._part_size = part_size
        self._clock = clock
        self._polled_at: dict[int, float] = {}
        # The accounts of the last sweep by the version of the stored row each chat's came
        # from: a version names one row of one chat (see _accounts_of).
        self._known: dict[int, _Account] = {}
        self._auth_failures: dict[str, int] = {}
        # Accounts that found no free slot in the limiter: polled first in the next sweep.
        self._starved: set[str] = set()
        self._sweeps: set[asyncio.Task[Any]] = set()
        self._stopping = False

    # -- one sweep ----------------------------------------------------------------------------

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Let a sweep under way finish the notifications it is sending, and start no more.

        A notification sent but not yet recorded would go out again after a restart, so the
        sweep is cancelled only when ``grace`` runs out (any run is safe to cut anywhere).
        """
        self._stopping = True
        running = [task for task in self._sweeps if not task.done()]
        if not running:
            return
        _done, late = await asyncio.wait(running, timeout=grace)
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
        # What the chats have seen is read, and what they now see written, a part at a time:
        # a few queries per part rather than a few per chat (at thousands of chats per-chat
        # reads would cost more than the polls), and memory bounded by a part, not the sweep.
        size = self._part_size
        parts = [_Part(logins[at : at + size]) for at in range(0, len(logins), size)]
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

    def _reading(self, part: _Part) -> asyncio.Future[WatchSnapshot]:
        if part.seen is None:
            chats = [chat.chat_id for login in part.logins for chat in login.chats]
            part.seen = asyncio.ensure_future(self.storage.watch.snapshot(chats))
        return part.seen

    async def _seen(self, part: _Part) -> WatchSnapshot:
        # Shielded: one worker stopped while waiting must not cancel the read for the others.
        return await asyncio.shield(self._reading(part))

    async def _part_done(self, part: _Part, report: SweepReport) -> None:
        """Write what the part's chats now see: their new baselines and the answers they took
        in, one transaction each. A failure here is retried by the next sweep, which finds
        the same chats without a baseline or with the old digest."""
        try:
            seen = await self._seen(part)
            if seen.new_tasks or seen.new_senders:
                await self.storage.watch.replace_baselines(
                    downloads=seen.new_tasks, senders=seen.new_senders, digests=seen.new_digests
                )
                # A chat whose account changed meanwhile (a logout, another login) keeps no
                # baseline of the old account: undone at once, and taken again if it watches.
                generations = {
                    chat.chat_id: generation
                    for login in part.logins
                    for chat, generation in zip(login.chats, login.generations, strict=True)
                }
                for chat_id in seen.new_tasks.keys() | seen.new_senders.keys():
                    if self.accounts.guard.generation(chat_id) != generations.get(chat_id):
                        await self.storage.chats.forget_watch_state(chat_id)
            await self.storage.watch.save_digests(seen.taken)
        except Exception as error:
            report.failures += 1
            log.error("recording a sweep's results failed", exc_info=error)
        finally:
            part.seen, part.logins = None, []

    async def _due_logins(self) -> list[_Login]:
        now = self._clock()
        watching = await self.storage.settings.watching()
        due = [s for s in watching if not s.watch_paused and self._due(s, now)]
        accounts = await self._accounts_of(due)
        logins: dict[str, _Login] = {}
        guard = self.accounts.guard
        for settings in due:
            account = accounts.get(settings.chat_id)
            if account is None:
                continue
            login = logins.get(account.key)
            if login is None:
                login = logins[account.key] = _Login(account.key, account.client)
            login.chats.append(settings)
            login.generations.append(guard.generation(settings.chat_id))
        return sorted(logins.values(), key=lambda login: login.key not in self._starved)

    async def _accounts_of(self, due: list[ChatSettings]) -> dict[int, _Account]:
        """Each due chat's account. A row is decrypted only when it changed since the chat's
        last sweep: decrypting every row each sweep was a tenth of a steady sweep of 10,000
        chats."""
        known = self._known
        fresh: dict[int, _Account] = {}
        found: dict[int, _Account] = {}
        changed: list[tuple[int, int]] = []
        async for chat_id, version in self.storage.credentials.versions([s.chat_id for s in due]):
            account = known.get(version)
            if account is None:
                changed.append((chat_id, version))
            else:
                fresh[version] = found[chat_id] = account
        if changed:
            # Most chats share an account with others: one client per set of credentials.
            shared = {account.same: account for account in known.values()}
            # Decrypted a thousand at a time: only the accounts outlive their batch.
            for at in range(0, len(changed), 1000):
                batch = changed[at : at + 1000]
                stored = await self.storage.credentials.many([chat_id for chat_id, _ in batch])
                for chat_id, version in batch:
                    account = self._account(chat_id, stored.get(chat_id), shared)
                    if account is not None:
                        fresh[version] = found[chat_id] = account
        # Rows that changed, and chats that logged out, stopped watching or are not due, are
        # forgotten: decrypted again when they are next due.
        self._known = fresh
        return found

    def _account(
        self,
        chat_id: int,
        credentials: ChatCredentials | CredentialsUnreadableError | None,
        shared: dict[tuple[object, ...], _Account],
    ) -> _Account | None:
        if isinstance(credentials, CredentialsUnreadableError):
            log.error("cannot watch a chat", extra={"chat_id": chat_id, "error": str(credentials)})
            return None
        if credentials is None:
            return None
        same = (
            credentials.region,
            credentials.base_url,
            credentials.auth_kind,
            credentials.login,
            credentials.secret,
        )
        account = shared.get(same)
        if account is None:
            # Never waits for a slot: an account without one is skipped this sweep, so
            # that no other account's notifications wait on it.
            client = self.accounts.client(credentials, max_wait=0)
            account = shared[same] = _Account(same, client.account.key, client)
        return account

    def _baseline_taken(self, chat_id: int) -> None:
        self._polled_at[chat_id] = self._clock()

    def _due(self, settings: ChatSettings, now: float) -> bool:
        last = self._polled_at.get(settings.chat_id)
        if last is None:
            return True
        every = max(settings.poll_interval or 0, self.interval)
        # Half an interval of slack absorbs the scheduler's jitter.
        return now - last >= every - self.interval / 2

    async def _watch_login(self, login: _Login, report: SweepReport, part: _Part) -> None:
        # What the part's chats have seen is read while the first of its logins are polled,
        # not before: workers reaching a new part would otherwise all wait for the read.
        self._reading(part)
        tasks: _Answer[DownloadTask] | None = None
        senders: _Answer[Sender] | None = None
        async with self._concurrency:
            if self._stopping:
                return
            try:
                if login.watches(NotificationKind.DOWNLOADS):
                    report.polls += 1
                    tasks = _Answer(await login.client.downloads.listing())
                if login.watches(NotificationKind.SENDERS):
                    report.polls += 1
                    senders = await self._poll_senders(login)
            except AuthenticationError:
                await self._auth_failed(login)
                return
            except ClientRateLimitError:
                self._starved.add(login.key)
                log.info("poll skipped: no free slot for the account", extra={"login": login.key})
                if tasks is None and senders is None:
                    return
            except (AddressBlockedError, IpBlockedError) as error:
                # The limiter holds every account on that site back, then probes once.
                log.warning(
                    "smsc blocked this server's address; polls wait",
                    extra={"login": login.key, "retry_after": error.retry_after},
                )
                return
            except SmscError as error:
                # A slow or failing login is skipped this time; the others go on.
                log.warning(
                    "poll failed", extra={"login": login.key, "error": type(error).__name__}
                )
                if tasks is None and senders is None:
                    return
            else:
                self._starved.discard(login.key)
        self._auth_failures.pop(login.key, None)
        seen = await self._seen(part)
        now = self._clock()
        polled_at = self._polled_at
        for chat in login.chats:
            polled_at[chat.chat_id] = now
        behind_tasks = _behind(login, NotificationKind.DOWNLOADS, tasks, seen)
        behind_senders = _behind(login, NotificationKind.SENDERS, senders, seen)
        if not behind_tasks and not behind_senders:
            return  # most logins in most sweeps: no rows, no lock, no locale, nothing to write
        # Rows are read only for chats whose last answer differs.
        seen_tasks = await self._compared(NotificationKind.DOWNLOADS, behind_tasks, seen)
        seen_senders = await self._compared(NotificationKind.SENDERS, behind_senders, seen)
        behind = behind_tasks.keys() | behind_senders.keys()
        guard = self.accounts.guard
        with _file_cache() as files:
            for chat, generation in zip(login.chats, login.generations, strict=True):
                if chat.chat_id not in behind:
                    continue
                gone = False
                async with guard.holding(chat.chat_id):
                    delivery = _Delivery(guard, chat.chat_id, generation)
                    try:
                        sent = await self._tell_chat(
                            chat,
                            login,
                            files,
                            seen,
                            delivery,
                            tasks,
                            senders,
                            seen_tasks,
                            seen_senders,
                        )
                        # Added after the await: ``report.notifications += await …`` would
                        # read the count before it and lose what other logins added meanwhile.
                        report.notifications += sent
                    except ChatGone:
                        gone = True
                    except TelegramAPIError as error:
                        # Not recorded: the same notification goes out on the next sweep.
                        log.warning(
                            "notification not delivered",
                            extra={"chat_id": chat.chat_id, "error": type(error).__name__},
                        )
                if gone:
                    await self._stop_watching(chat.chat_id)

    async def _poll_senders(self, login: _Login) -> _Answer[Sender]:
        # The whole list every time, not the one narrowed by ``from_date``: the page promises
        # there only the names whose status changed at an operator, so a new name or a change
        # of moderation would wait for the next whole list. An unchanged answer costs its
        # digest alone.
        return _Answer(await login.client.senders.listing(all=True, operators=True))

    async def _compared(
        self, kind: NotificationKind, behind: dict[int, bool], seen: WatchSnapshot
    ) -> dict[int, Any]:
        """What the chats behind an answer have seen, for those that have a baseline."""
        chats = [chat_id for chat_id, has_baseline in behind.items() if has_baseline]
        if not chats:
            return {}
        if kind is NotificationKind.DOWNLOADS:
            return await self.storage.watch.seen_tasks_of(chats)
        return await self.storage.watch.seen_senders_of(chats)

    async def _auth_failed(self, login: _Login) -> None:
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
            with self._locale(chat), contextlib.suppress(ChatGone, TelegramAPIError):
                await self.notifier.send_message(chat.chat_id, messages.paused_message())

    async def _stop_watching(self, chat_id: int) -> None:
        log.info("chat gone; watching stopped", extra={"chat_id": chat_id})
        await self.accounts.stop_watching(chat_id)
        self._polled_at.pop(chat_id, None)

    # -- one chat -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locale(self, chat: ChatSettings) -> Iterator[None]:
        language = chat.language if chat.language in self.i18n.available_locales else None
        with self.i18n.context(), self.i18n.use_locale(language or self.i18n.default_locale):
            yield

    async def _tell_chat(
        self,
        chat: ChatSettings,
        login: _Login,
        files: dict[Any, _Export | None],
        seen: WatchSnapshot,
        delivery: _Delivery,
        tasks: _Answer[DownloadTask] | None,
        senders: _Answer[Sender] | None,
        seen_tasks: dict[int, dict[int, SeenTask]],
        seen_senders: dict[int, dict[int, SeenSender]],
    ) -> int:
        sent = 0
        with self._locale(chat):
            if tasks is not None and chat.notify_downloads:
                sent += await self._tell_tasks(
                    chat.chat_id, login, tasks, seen_tasks, files, seen, delivery
                )
            if senders is not None and chat.notify_senders:
                sent += await self._tell_senders(
                    chat.chat_id, senders, seen_senders, seen, delivery
                )
        return sent

    async def _tell_tasks(
        self,
        chat_id: int,
        login: _Login,
        tasks: _Answer[DownloadTask],
        seen_tasks: dict[int, dict[int, SeenTask]],
        files: dict[Any, _Export | None],
        seen: WatchSnapshot,
        delivery: _Delivery,
    ) -> int:
        kind = NotificationKind.DOWNLOADS
        if not delivery.current:
            return 0
        if not seen.has_baseline(chat_id, kind):
            # From the list just fetched: another request would count against the limits.
            seen.new_tasks[chat_id] = tasks.seen(baseline_tasks)
            seen.new_digests[(chat_id, kind)] = tasks.key
            return 0
        if seen.unchanged(chat_id, kind, tasks.key):
            return 0
        sent, whole = 0, True
        for update in task_updates(seen_tasks.get(chat_id, {}), tasks.records):
            if self._stopping or not delivery.current:
                whole = False
                break
            if not update.announce:
                await self.storage.watch.record_task(chat_id, update.seen, change=None)
                continue
            message = await self._announce_task(chat_id, login, update, files)
            if message is None:
                whole = False
                continue
            if not delivery.current:
                return sent  # logged out while it was being sent: nothing is written back
            # Under the chat id that received it: a group may have become a supergroup.
            await self.storage.watch.record_task(
                message.chat.id,
                update.seen,
                change=str(int(update.task.status)),
                message_id=message.message_id,
            )
            sent += 1
        if whole:
            seen.took_in(chat_id, kind, tasks.key)
        return sent

    async def _announce_task(
        self, chat_id: int, login: _Login, update: TaskUpdate, files: dict[Any, _Export | None]
    ) -> Message | None:
        """The announcement, or None to try again on the next sweep."""
        task = update.task
        text = messages.task_message(task)
        if task.status is not TaskStatus.DONE:
            return await self.notifier.send_message(chat_id, text)
        key = (login.key, task.id)
        if key not in files:
            files[key] = await self._fetch(login.client, task)
        export = files[key]
        if export is None:
            return None
        if export.too_large:
            limit = self._file_limit // (1024 * 1024)
            return await self.notifier.send_message(
                chat_id, messages.too_large_message(task, limit)
            )
        if export.missing:
            return await self.notifier.send_message(chat_id, messages.no_file_message(task))
        document: FSInputFile | str = export.file_id or FSInputFile(
            export.path or "", filename=_csv_name(task)
        )
        message = await self.notifier.send_document(chat_id, document, caption=text)
        if message.document is not None:
            # Later chats get the same file by id, without another upload.
            export.file_id = message.document.file_id
        return message

    async def _fetch(self, client: SmscClient, task: DownloadTask) -> _Export | None:
        try:
            path = await fetch_export(client, task_id=task.id, limit=self._file_limit)
        except FileTooLargeError:
            return _Export(too_large=True)
        except OperationFailedError:
            return _Export(missing=True)
        except SmscError as error:
            log.warning(
                "export not fetched; will retry",
                extra={"task_id": task.id, "error": type(error).__name__},
            )
            return None
        return _Export(path=path)

    async def _tell_senders(
        self,
        chat_id: int,
        senders: _Answer[Sender],
        seen_senders: dict[int, dict[int, SeenSender]],
        seen: WatchSnapshot,
        delivery: _Delivery,
    ) -> int:
        kind = NotificationKind.SENDERS
        if not delivery.current:
            return 0
        if not seen.has_baseline(chat_id, kind):
            seen.new_senders[chat_id] = senders.seen(baseline_senders)
            seen.new_digests[(chat_id, kind)] = senders.key
            return 0
        if seen.unchanged(chat_id, kind, senders.key):
            return 0
        sent, whole = 0, True
        updates = sender_updates(seen_senders.get(chat_id, {}), senders.records, complete=True)
        for update in updates:
            if self._stopping or not delivery.current:
                whole = False
                break
            if update.event is SenderEvent.LEARNED:
                await self.storage.watch.record_sender(chat_id, update.state, change=None)
                continue
            sent += await self._announce_sender(chat_id, update, delivery)
        if whole and delivery.current:
            seen.took_in(chat_id, kind, senders.key)
        return sent

    async def _announce_sender(
        self, chat_id: int, update: SenderUpdate, delivery: _Delivery
    ) -> int:
        message = await self.notifier.send_message(chat_id, messages.sender_message(update))
        if not delivery.current:
            return 1  # logged out while it was being sent: nothing is written back
        await self.storage.watch.record_sender(
            message.chat.id,
            update.state,
            change=update.change_key,
            message_id=message.message_id,
            deleted=update.event is SenderEvent.DELETED,
        )
        return 1


def _behind(
    login: _Login, kind: NotificationKind, answer: _Answer[Any] | None, seen: WatchSnapshot
) -> dict[int, bool]:
    """The chats watching ``kind`` that have not taken this answer in yet, each with whether
    it has a baseline (one to compare with, rather than one to take)."""
    if answer is None:
        return {}
    key = answer.key
    return {
        chat.chat_id: seen.has_baseline(chat.chat_id, kind)
        for chat in login.chats
        if chat.notifies(kind) and not seen.unchanged(chat.chat_id, kind, key)
    }


def _csv_name(task: DownloadTask) -> str:
    return csv_filename(task.file or task.name or f"export_{task.id}")


@dataclass(frozen=True, slots=True)
class _Delivery:
    """One chat's deliveries in a sweep: allowed while its account has not changed."""

    guard: ChatGuard
    chat_id: int
    generation: int

    @property
    def current(self) -> bool:
        return self.guard.generation(self.chat_id) == self.generation


@dataclass
class _Export:
    """One export fetched during a login's fan-out: a temporary file, then a Telegram file id."""

    path: str | None = None
    file_id: str | None = None
    too_large: bool = False
    missing: bool = False

    def discard(self) -> None:
        if self.path is not None:
            discard(self.path)
            self.path = None


@contextlib.contextmanager
def _file_cache() -> Iterator[dict[Any, _Export | None]]:
    files: dict[Any, _Export | None] = {}
    try:
        yield files
    finally:
        for export in files.values():
            if export is not None:
                export.discard()
