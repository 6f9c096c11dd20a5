"""Telling one account's chats what its answers hold, and recording each notification sent.

What a chat saw moves forward only after Telegram accepted the message, and only while the
chat's account is the one the sweep began with (a logout or another login in between stops
it): a restart repeats nothing and misses nothing, and nothing of an old account reaches a
chat that left it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from aiogram.types import FSInputFile, Message
from aiogram.utils.i18n import I18n

from bot.accounts import ChatGuard
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
    SenderUpdate,
    TaskUpdate,
    baseline_senders,
    baseline_tasks,
    sender_updates,
    task_updates,
)
from bot.watcher.notifier import Notifier
from bot.watcher.poll import Login, Polled, WatchedChat
from storage import ChatSettings, NotificationKind, SeenSender, SeenTask, Storage, WatchSnapshot

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
    guard: ChatGuard
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
        with chat_locale(self.i18n, settings):
            if self.polled.tasks is not None and settings.notify_downloads:
                sent += await self._tell_tasks(chat)
            if self.polled.senders is not None and settings.notify_senders:
                sent += await self._tell_senders(chat)
        return sent

    def current(self, chat: WatchedChat) -> bool:
        """The chat's account is still the one this sweep began with."""
        return self.guard.generation(chat.chat_id) == chat.generation

    async def _tell_tasks(self, chat: WatchedChat) -> int:
        tasks, seen, kind = self.polled.tasks, self.seen, NotificationKind.DOWNLOADS
        assert tasks is not None
        if not self.current(chat):
            return 0
        if not seen.has_baseline(chat.chat_id, kind):
            # From the list just fetched: another request would count against the limits.
            seen.new_tasks[chat.chat_id] = tasks.seen(baseline_tasks)
            seen.new_digests[(chat.chat_id, kind)] = tasks.key
            return 0
        if seen.unchanged(chat.chat_id, kind, tasks.key):
            return 0
        sent, whole = 0, True
        for update in task_updates(self.seen_tasks.get(chat.chat_id, {}), tasks.records):
            if self.stopping() or not self.current(chat):
                whole = False
                break
            if not update.announce:
                await self.storage.watch.record_task(chat.chat_id, update.seen, change=None)
                continue
            message = await self._announce_task(chat.chat_id, update)
            if message is None:
                whole = False
                continue
            if not self.current(chat):
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

    async def _tell_senders(self, chat: WatchedChat) -> int:
        senders, seen, kind = self.polled.senders, self.seen, NotificationKind.SENDERS
        assert senders is not None
        if not self.current(chat):
            return 0
        if not seen.has_baseline(chat.chat_id, kind):
            seen.new_senders[chat.chat_id] = senders.seen(baseline_senders)
            seen.new_digests[(chat.chat_id, kind)] = senders.key
            return 0
        if seen.unchanged(chat.chat_id, kind, senders.key):
            return 0
        sent, whole = 0, True
        before = self.seen_senders.get(chat.chat_id, {})
        for update in sender_updates(before, senders.records, complete=True):
            if self.stopping() or not self.current(chat):
                whole = False
                break
            if update.event is SenderEvent.LEARNED:
                await self.storage.watch.record_sender(chat.chat_id, update.state, change=None)
                continue
            sent += await self._announce_sender(chat, update)
        if whole and self.current(chat):
            seen.took_in(chat.chat_id, kind, senders.key)
        return sent

    async def _announce_sender(self, chat: WatchedChat, update: SenderUpdate) -> int:
        message = await self.notifier.send_message(chat.chat_id, messages.sender_message(update))
        if not self.current(chat):
            return 1  # logged out while it was being sent: nothing is written back
        await self.storage.watch.record_sender(
            message.chat.id,
            update.state,
            change=update.change_key,
            message_id=message.message_id,
            deleted=update.event is SenderEvent.DELETED,
        )
        return 1


@contextlib.contextmanager
def chat_locale(i18n: I18n, chat: ChatSettings) -> Iterator[None]:
    """The chat's language, for a message sent with no update to take one from."""
    language = chat.language if chat.language in i18n.available_locales else None
    with i18n.context(), i18n.use_locale(language or i18n.default_locale):
        yield
