"""Deferred download tasks (exports of sent messages): ``downloads.php``."""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from bot.smsc._resource import Listing, Resource
from bot.smsc.errors import SmscValidationError
from bot.smsc.models import DownloadTask


class FileTooLargeError(SmscValidationError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the file is larger than {limit} bytes")


class Downloads(Resource):
    script = "downloads"

    async def list(
        self, *, after_id: int | None = None, count: int | None = None
    ) -> list[DownloadTask]:
        return (await self.listing(after_id=after_id, count=count)).records()

    async def listing(
        self, *, after_id: int | None = None, count: int | None = None
    ) -> Listing[DownloadTask]:
        """The list as SMSC sent it: its digest now, its records when asked for."""
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
