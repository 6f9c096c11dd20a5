"""Exports of sent messages: /downloads and /download. Files are streamed to disk, not memory."""

from __future__ import annotations

import contextlib
import html
import os
import tempfile
from collections.abc import AsyncIterator

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import FSInputFile, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.smsc import DownloadTask, FileTooLargeError, OperationFailedError, SmscClient, TaskStatus
from handlers import args as parse
from handlers.audit import AuditNote
from handlers.routing import OwnCommands
from handlers.wording import task_status

router = Router(name=__name__)
router.message.filter(OwnCommands("downloads", "download"))

# The Bot API refuses documents over 50 MB from bots (2000 MB through a local Bot API server).
TELEGRAM_FILE_LIMIT = 50 * 1024 * 1024
SHOWN_TASKS = 20


@contextlib.asynccontextmanager
async def fetched_csv(
    smsc: SmscClient,
    *,
    task_id: int | None = None,
    name: str | None = None,
    limit: int = TELEGRAM_FILE_LIMIT,
) -> AsyncIterator[str]:
    """Stream a task's CSV into a temporary file; yields its path, removes it afterwards."""
    handle, path = tempfile.mkstemp(prefix="smsc-export-", suffix=".csv")
    try:
        with os.fdopen(handle, "wb") as sink:
            await smsc.downloads.save_file(sink, task_id=task_id, name=name, max_bytes=limit)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def csv_filename(name: str) -> str:
    return name if name.lower().endswith(".csv") else f"{name}.csv"


def task_line(task: DownloadTask) -> str:
    line = _("• <b>{id}</b> {name} — {status}").format(
        id=task.id, name=html.escape(task.name), status=task_status(task.status)
    )
    if task.created:
        line += " · " + html.escape(task.created)
    return line


@router.message(Command("downloads"), flags={"smsc": True})
async def list_downloads(message: Message, smsc: SmscClient) -> None:
    tasks = await smsc.downloads.list()
    if not tasks:
        await message.answer(_("There are no exports. Create one in the SMSC cabinet."))
        return
    newest = sorted(tasks, key=lambda t: t.id, reverse=True)[:SHOWN_TASKS]
    lines = [_("<b>Exports</b>, newest first:"), *(task_line(t) for t in newest)]
    if any(t.status is TaskStatus.DONE for t in newest):
        lines += ["", _("Get a finished one with <code>/download ID</code>.")]
    await message.answer("\n".join(lines))


@router.message(Command("download"), flags={"smsc": True})
async def download(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    bot: Bot,
    audit: AuditNote,
    file_limit: int = TELEGRAM_FILE_LIMIT,
) -> None:
    ref = parse.download(command.args)
    shown = ref.name or str(ref.task_id)
    audit.target = shown
    progress = await message.answer(
        _("⏳ Fetching the export {task}…").format(task=html.escape(shown))
    )
    try:
        async with (
            ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id),
            fetched_csv(smsc, task_id=ref.task_id, name=ref.name, limit=file_limit) as path,
        ):
            filename = csv_filename(ref.name or f"export_{ref.task_id}")
            await message.answer_document(
                FSInputFile(path, filename=filename),
                caption=_("📦 Export {task}.").format(task=html.escape(shown)),
            )
    except FileTooLargeError:
        audit.result = "too large"
        await message.answer(
            _(
                "The export {task} is larger than {limit} MB, the most Telegram lets this bot "
                "send. Download it in the SMSC cabinet."
            ).format(task=html.escape(shown), limit=file_limit // (1024 * 1024))
        )
    except OperationFailedError:
        audit.result = "no file"
        await message.answer(
            _("SMSC has no finished export {task}. See /downloads for what is ready.").format(
                task=html.escape(shown)
            )
        )
    finally:
        with contextlib.suppress(TelegramAPIError):
            await progress.delete()
