"""Telling one account's chats what its answers hold, and recording each notification sent.

Each notification is claimed before it is sent (:mod:`bot.watcher.claims`), and what a chat
saw moves forward only after Telegram accepted the message, and only while the chat's account
is the one the sweep began with (a logout or another login in between, on any replica, stops
it): a restart repeats nothing and misses nothing, two replicas never both send one, and
nothing of an old account reaches a chat that left it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from aiogram.types import FSInputFile, Message
from aiogram.utils.i18n import I18n

from bot.exports import discard, export_filename, fetch_export
from bot.smsc import (
    DownloadTask,
    FileTooLargeError,
    OperationFailedError,
    SmscClient,
    SmscError,
    TaskStatus,
)
from bot.watcher import messages
from bot.watcher.changes import (
    SenderEvent,
    TaskUpdate,
    baseline_senders,
    baseline_tasks,
    sender_updates,
    task_updates,
)
from bot.watcher.claims import Claims
from bot.watcher.notifier import Notifier
from bot.watcher.poll import Login, Polled, WatchedChat
from storage import (
    ChatSettings,
    Claim,
    NotificationKind,
    OutdatedError,
    SeenSender,
    SeenTask,
    Storage,
    WatchSnapshot,
)

log = logging.getLogger("bot.watcher")


@dataclass
class Export:
    """One export fetched during a login's fan-out: a temporary file, then a Telegram file id."""

    path: str | None = None
    file_id: str | None = None
    too_large: bool = False
    missing: bool = False

    def discard(self) -> None:
        if self.path is not None:
            discard(self.path)
            self.path = None


class Exports:
    """The exports one login's chats are told about, fetched once and uploaded once."""

    def __init__(self, client: SmscClient, limit: int) -> None:
        self._client = client
        self.limit = limit
        self._fetched: dict[int, Export | None] = {}

    async def get(self, task: DownloadTask) -> Export | None:
        """The export, or None to try again on the next sweep."""
        if task.id not in self._fetched:
            self._fetched[task.id] = await self._fetch(task)
        return self._fetched[task.id]

    async def _fetch(self, task: DownloadTask) -> Export | None:
        try:
            path = await fetch_export(self._client, task_id=task.id, limit=self.limit)
        except FileTooLargeError:
            return Export(too_large=True)
        except OperationFailedError:
            return Export(missing=True)
        except SmscError as error:
            log.warning(
                "export not fetched; will retry",
                extra={"task_id": task.id, "error": type(error).__name__},
            )
            return None
        return Export(path=path)

    def discard(self) -> None:
        for export in self._fetched.values():
            if export is not None:
                export.discard()


@dataclass
class Delivery:
    """One login's answers, told in a sweep to each of its chats that has not taken them in."""

    storage: Storage
    notifier: Notifier
    i18n: I18n
    claims: Claims
    login: Login
    polled: Polled
    seen: WatchSnapshot
    exports: Exports
    stopping: Callable[[], bool]
    seen_tasks: dict[int, dict[int, SeenTask]] = field(default_factory=dict)
    seen_senders: dict[int, dict[int, SeenSender]] = field(default_factory=dict)

    async def tell(self, chat: WatchedChat) -> int:
        """Tell one chat (holding its lock); returns how many notifications were sent."""
        sent = 0
        settings = chat.settings
        claim = self.claims.of(chat.chat_id, chat.generation)
        with chat_locale(self.i18n, settings), contextlib.suppress(OutdatedError):
            # Told until what the sweep read of it no longer holds (its account changed, or
            # another replica moved its state on; the claim or the record says so): what was
            # sent until then is counted.
            if self.polled.tasks is not None and settings.notify_downloads:
                sent += await self._tell_tasks(chat, claim)
            if self.polled.senders is not None and settings.notify_senders:
                sent += await self._tell_senders(chat, claim)
        return sent

    async def _tell_tasks(self, chat: WatchedChat, claim: Claim) -> int:
        tasks, seen, kind = self.polled.tasks, self.seen, NotificationKind.DOWNLOADS
        assert tasks is not None
        if not seen.has_baseline(chat.chat_id, kind):
            # From the list just fetched: another request would count against the limits.
            seen.new_tasks[chat.chat_id] = tasks.seen(baseline_tasks)
            seen.new_digests[(chat.chat_id, kind)] = tasks.key
            return 0
        if seen.unchanged(chat.chat_id, kind, tasks.key):
            return 0
        sent, whole = 0, True
        before = self.seen_tasks.get(chat.chat_id, {})
        for update in task_updates(before, tasks.records):
            if self.stopping():
                whole = False
                break
            was = before.get(update.task.id)
            if not update.announce:
                await self.storage.watch.record_task(claim, update.seen, before=was, change=None)
                continue
            item, change = str(update.seen.task_id), str(int(update.task.status))
            hand = await self.claims.take(claim, kind, item, change)
            if hand is None:
                whole = False  # another replica has it in hand, or sent it
                continue
            message = await self.claims.sending(hand, self._announce_task(chat.chat_id, update))
            if message is None:
                await self.claims.give_back(hand)
                whole = False
                continue
            await self.claims.record(
                hand,
                functools.partial(
                    self.storage.watch.record_task,
                    claim,
                    update.seen,
                    before=was,
                    change=change,
                    to_chat=message.chat.id,
                    message_id=message.message_id,
                ),
            )
            sent += 1
        if whole:
            seen.took_in(chat.chat_id, kind, tasks.key)
        return sent

    async def _announce_task(self, chat_id: int, update: TaskUpdate) -> Message | None:
        """The announcement, or None to try again on the next sweep."""
        task = update.task
        text = messages.task_message(task)
        if task.status is not TaskStatus.DONE:
            return await self.notifier.send_message(chat_id, text)
        export = await self.exports.get(task)
        if export is None:
            return None
        if export.too_large:
            limit = self.exports.limit // (1024 * 1024)
            return await self.notifier.send_message(
                chat_id, messages.too_large_message(task, limit)
            )
        if export.missing:
            return await self.notifier.send_message(chat_id, messages.no_file_message(task))
        document: FSInputFile | str = export.file_id or FSInputFile(
            export.path or "", filename=export_filename(task)
        )
        message = await self.notifier.send_document(chat_id, document, caption=text)
        if message.document is not None:
            # Later chats get the same file by id, without another upload.
            export.file_id = message.document.file_id
        return message

    async def _tell_senders(self, chat: WatchedChat, claim: Claim) -> int:
        senders, seen, kind = self.polled.senders, self.seen, NotificationKind.SENDERS
        assert senders is not None
        if not seen.has_baseline(chat.chat_id, kind):
            seen.new_senders[chat.chat_id] = senders.seen(baseline_senders)
            seen.new_digests[(chat.chat_id, kind)] = senders.key
            return 0
        if seen.unchanged(chat.chat_id, kind, senders.key):
            return 0
        sent, whole = 0, True
        before = self.seen_senders.get(chat.chat_id, {})
        for update in sender_updates(before, senders.records, complete=True):
            if self.stopping():
                whole = False
                break
            was = before.get(update.state.sender_id)
            if update.event is SenderEvent.LEARNED:
                await self.storage.watch.record_sender(claim, update.state, before=was, change=None)
                continue
            item = str(update.state.sender_id)
            hand = await self.claims.take(claim, kind, item, update.change_key)
            if hand is None:
                whole = False
                continue
            message = await self.claims.sending(
                hand, self.notifier.send_message(chat.chat_id, messages.sender_message(update))
            )
            await self.claims.record(
                hand,
                functools.partial(
                    self.storage.watch.record_sender,
                    claim,
                    update.state,
                    before=was,
                    change=update.change_key,
                    to_chat=message.chat.id,
                    message_id=message.message_id,
                    deleted=update.event is SenderEvent.DELETED,
                ),
            )
            sent += 1
        if whole:
            seen.took_in(chat.chat_id, kind, senders.key)
        return sent


@contextlib.contextmanager
def chat_locale(i18n: I18n, chat: ChatSettings) -> Iterator[None]:
    """The chat's language, for a message sent with no update to take one from."""
    language = chat.language if chat.language in i18n.available_locales else None
    with i18n.context(), i18n.use_locale(language or i18n.default_locale):
        yield
