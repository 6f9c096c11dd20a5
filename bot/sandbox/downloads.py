"""``downloads.php``: deferred export tasks and their CSV files, streamed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.sandbox.call import Call, Handler, SmscFail, typed
from bot.sandbox.state import csv_rows


async def list_tasks(call: Call) -> web.Response:
    after = call.int_param("after_id") or 0
    count = call.count(1000)
    tasks = sorted((t for t in call.account.tasks.values() if t.id > after), key=lambda t: t.id)[
        :count
    ]
    # The page lists no "no records" error for downloads.php: an empty list is an empty list.
    return call.answer(
        [
            {
                "id": t.id,
                "name": t.name,
                "status": t.status,
                "created": f"{t.created:%d.%m.%Y %H:%M:%S}",
                "time": f"{t.created + timedelta(minutes=5):%d.%m.%Y %H:%M:%S}"
                if t.status >= 1
                else "",
                "file": t.file,
            }
            for t in tasks
        ],
        "task",
    )


async def get_file(call: Call) -> web.StreamResponse:
    task_id, name = call.int_param("id"), call.text("name")
    if task_id is None and not name:
        raise SmscFail(1)
    task = next(
        (
            t
            for t in call.account.tasks.values()
            if t.id == task_id or (name and name in (t.name, t.file))
        ),
        None,
    )
    if task is None or task.status != 2:
        raise SmscFail(5, "task or file not found")
    response = _CsvResponse(task)
    typed(response, call.dialect.csv_type, call.charset)
    return response


class _CsvResponse(web.StreamResponse):
    def __init__(self, task: Any) -> None:
        super().__init__(headers={"Content-Disposition": f'attachment; filename="{task.file}"'})
        self.content_length = task.size
        self._task = task

    async def prepare(self, request: web.BaseRequest) -> Any:
        writer = await super().prepare(request)
        for row in csv_rows(self._task):
            await self.write(row)
        await self.write_eof()
        return writer


ACTIONS: dict[str, Handler] = {"get_list": list_tasks, "get_file": get_file}
