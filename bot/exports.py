"""Exports of sent messages on their way from SMSC to Telegram: streamed to a temporary file,
never held in memory, removed once sent. Used by ``/download`` and by the watcher.

The list of an account's exports is kept as its other lists are (:mod:`bot.account_copies`):
/downloads reads it afresh each time (people look to see what has finished) and keeps what it
read, so that a file is named from that copy instead of a read SMSC may refuse (three identical
requests a minute).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Iterable

from bot.account_copies import AccountCopies, Kept
from bot.display import plain
from bot.smsc import DownloadTask, SmscClient, SmscError

log = logging.getLogger(__name__)

# The Bot API refuses documents over 50 MB from bots (2000 MB through a local Bot API server).
TELEGRAM_FILE_LIMIT = 50 * 1024 * 1024
# Exports are listed oldest first, a thousand at a time: this many batches at most.
MOST_BATCHES = 5
BATCH = 1000


async def fetch_export(
    client: SmscClient, *, task_id: int | None = None, name: str | None = None, limit: int
) -> str:
    """Stream a task's CSV into a new temporary file and return its path; the caller removes
    it (:func:`discard`). Raises the client's errors, leaving no file behind."""
    handle, path = tempfile.mkstemp(prefix="smsc-export-", suffix=".csv")
    try:
        with os.fdopen(handle, "wb") as sink:
            await client.downloads.save_file(sink, task_id=task_id, name=name, max_bytes=limit)
    except BaseException:
        discard(path)
        raise
    return path


@contextlib.asynccontextmanager
async def fetched_export(
    client: SmscClient, *, task_id: int | None = None, name: str | None = None, limit: int
) -> AsyncIterator[str]:
    path = await fetch_export(client, task_id=task_id, name=name, limit=limit)
    try:
        yield path
    finally:
        discard(path)


def discard(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def export_filename(task: DownloadTask) -> str:
    """The one name an export's CSV goes by, however it was asked for (its id, its name, a
    button, a notification): its file's name at SMSC, else its own name, else its id."""
    return csv_filename(task.file or task.name or f"export_{task.id}")


def csv_filename(name: str) -> str:
    # Telegram shows the name as given: no folder in it, and no control that reverses it.
    name = plain(name).replace("/", "_").replace("\\", "_").strip() or "export"
    return name if name.lower().endswith(".csv") else f"{name}.csv"


async def all_tasks(smsc: SmscClient) -> tuple[list[DownloadTask], bool]:
    """Every export, newest first, and whether that is all of them."""
    tasks: list[DownloadTask] = []
    for _batch in range(MOST_BATCHES):
        after = max((t.id for t in tasks), default=None)
        batch = await smsc.downloads.list(after_id=after, count=BATCH)
        tasks += batch
        if len(batch) < BATCH:
            return sorted(tasks, key=lambda t: t.id, reverse=True), True
    return sorted(tasks, key=lambda t: t.id, reverse=True), False


def _key(smsc: SmscClient) -> str:
    return f"{smsc.account.key}|exports"


async def exports(
    copies: AccountCopies, smsc: SmscClient, *, refresh: bool = False
) -> Kept[DownloadTask]:
    """The account's exports, newest first, kept for the next use."""
    return await copies.read(_key(smsc), DownloadTask, lambda: all_tasks(smsc), refresh=refresh)


def find_export(
    tasks: Iterable[DownloadTask], task_id: int | None, name: str | None
) -> DownloadTask | None:
    """The one export named: by its id, or by its name or its file's, in this case or, failing
    that, in any case (a phone's keyboard capitalises a name's first letter)."""
    tasks = list(tasks)
    if task_id is not None:
        return next((task for task in tasks if task.id == task_id), None)
    name = name or ""
    found = [task for task in tasks if name in (task.name, task.file)] or [
        task for task in tasks if name.casefold() in (task.name.casefold(), task.file.casefold())
    ]
    return found[0] if len(found) == 1 else None


async def export_for_naming(
    copies: AccountCopies, smsc: SmscClient, task_id: int | None, name: str | None
) -> DownloadTask | None:
    """The export as last listed, to name its file: an export's name and file never change, so
    a copy of any age that holds it will do. The list is read only when no copy holds it; None
    when that read is refused too (the file then goes by what was asked for)."""
    kept = await copies.kept(_key(smsc), DownloadTask)
    found = None if kept is None else find_export(kept.records, task_id, name)
    if found is not None:
        return found
    try:
        kept = await exports(copies, smsc, refresh=True)
    except SmscError as error:
        log.info("exports not listed for a name", extra={"error": type(error).__name__})
        return None
    return find_export(kept.records, task_id, name)
