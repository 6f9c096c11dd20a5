"""Deferred download tasks (exports of sent messages): ``downloads.php``."""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from bot.smsc._resource import Listing, Resource
from bot.smsc.errors import SmscValidationError
from bot.smsc.models import DownloadTask

# Tasks asked for at once, and pages read at most (fifty thousand tasks).
PAGE = 1000
MAX_PAGES = 50
# No task in an answer is shorter than this many bytes (``{"id":1}``).
_SMALLEST_TASK = 8


class FileTooLargeError(SmscValidationError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the file is larger than {limit} bytes")


class Downloads(Resource):
    script = "downloads"

    async def list(
        self, *, after_id: int | None = None, count: int | None = None
    ) -> list[DownloadTask]:
        """One page: the tasks after ``after_id``, as many as SMSC sends (``count``)."""
        return (await self._page(after_id, count)).records()

    async def listing(self, *, page: int = PAGE) -> Listing[DownloadTask]:
        """The whole list, oldest first, as SMSC sent it: its digest now, its records when
        asked for. Read ``page`` tasks at a time with ``after_id`` until a page comes back
        short: one answer is not the whole list once an account has more tasks than SMSC
        sends at once."""
        first = await self._page(None, page)
        # A body too short to hold a whole page is the end of the list, without parsing it:
        # nearly every account's list, on every poll.
        if len(first.body) < page * _SMALLEST_TASK:
            return first
        pages = [first]
        records = first.records()
        while len(records) >= page and len(pages) < MAX_PAGES:
            pages.append(await self._page(max(task.id for task in records), page))
            records = pages[-1].records()
        return Listing.joined(pages)

    async def _page(self, after_id: int | None, count: int | None) -> Listing[DownloadTask]:
        return await self._listing("get_list", {"after_id": after_id, "cnt": count}, DownloadTask)

    async def get_file(self, *, task_id: int | None = None, name: str | None = None) -> bytes:
        buffer = io.BytesIO()
        await self.save_file(buffer, task_id=task_id, name=name)
        return buffer.getvalue()

    async def save_file(
        self,
        sink: BinaryIO,
        *,
        task_id: int | None = None,
        name: str | None = None,
        max_bytes: int | None = None,
    ) -> int:
        """Stream a task's CSV into ``sink`` without holding it in memory; returns its size."""
        params = _task(task_id, name)
        written = 0
        async with self._client.stream(self.script, "get_file", params) as chunks:
            async for chunk in chunks:
                written += len(chunk)
                if max_bytes is not None and written > max_bytes:
                    raise FileTooLargeError(max_bytes)
                sink.write(chunk)
        return written


def _task(task_id: int | None, name: str | None) -> dict[str, Any]:
    if (task_id is None) == (name is None):
        raise ValueError("name a download task either by its id or by its name")
    return {"id": task_id, "name": name}
