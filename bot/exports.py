"""Exports of sent messages on their way from SMSC to Telegram: streamed to a temporary file,
never held in memory, removed once sent. Used by ``/download`` and by the watcher."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator

from bot.display import plain
from bot.smsc import DownloadTask, SmscClient

# The Bot API refuses documents over 50 MB from bots (2000 MB through a local Bot API server).
TELEGRAM_FILE_LIMIT = 50 * 1024 * 1024


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
