"""Exports of sent messages: /downloads and /download. Files are streamed to disk, not memory."""

from __future__ import annotations

import contextlib
import html
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, FSInputFile, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot import display
from bot.audit import AuditNote
from bot.exports import TELEGRAM_FILE_LIMIT, csv_filename, fetched_export
from bot.memo import Memo
from bot.replies import edit_or_send
from bot.smsc import (
    DownloadTask,
    FileTooLargeError,
    OperationFailedError,
    SmscClient,
    SmscError,
    TaskStatus,
)
from bot.wording import task_status
from handlers import args as parse
from handlers import paging
from handlers.callbacks import Page, PageKind
from handlers.routing import command, own_commands_only

log = logging.getLogger(__name__)


def task_line(task: DownloadTask) -> str:
    line = _("• <b>{id}</b> {name} — {status}").format(
        id=task.id, name=display.shown(task.name, display.NAME), status=task_status(task.status)
    )
    if task.created:
        line += " · " + display.shown(task.created, display.NAME)
    return line


# Exports are listed oldest first, a thousand at a time: this many batches at most.
MOST_BATCHES = 5


async def all_tasks(smsc: SmscClient) -> tuple[list[DownloadTask], bool]:
    """Every export, newest first, and whether that is all of them."""
    tasks: list[DownloadTask] = []
    for _batch in range(MOST_BATCHES):
        after = max((t.id for t in tasks), default=None)
        batch = await smsc.downloads.list(after_id=after, count=paging.FETCHED)
        tasks += batch
        if len(batch) < paging.FETCHED:
            return sorted(tasks, key=lambda t: t.id, reverse=True), True
    return sorted(tasks, key=lambda t: t.id, reverse=True), False


async def list_downloads(message: Message, smsc: SmscClient, memo: Memo) -> None:
    tasks, complete = await all_tasks(smsc)
    if not tasks:
        await message.answer(_("There are no exports. Create one in the SMSC cabinet."))
        return
    listed = paging.Listed(PageKind.DOWNLOADS, tasks, _("<b>Exports</b>, newest first"), complete)
    text, markup = paging.page(listed, paging.remember(memo, listed), 0, task_line)
    if any(t.status is TaskStatus.DONE for t in tasks):
        text += "\n\n" + _("Get a finished one with <code>/download ID</code>.")
    await message.answer(text, reply_markup=markup)


async def downloads_page(callback: CallbackQuery, callback_data: Page, memo: Memo) -> None:
    listed = paging.recall(memo, callback_data)
    if listed is None:
        await callback.answer(_("This list has expired. Run /downloads again."), show_alert=True)
        return
    await callback.answer()
    text, markup = paging.page(listed, callback_data.token, callback_data.start, task_line)
    await edit_or_send(callback, text, markup)


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
        if await _send_export(message, smsc, bot, audit, ref, file_limit):
            return
        # Not by that name: a phone's keyboard may have capitalised it (Sent_2026_09), or the
        # export is not finished. The list tells which, at one more request only on this path.
        task = await _named(smsc, ref.name) if ref.name is not None else None
        if task is not None and task.status is TaskStatus.DONE and task.name != ref.name:
            found = parse.TaskRef(task.id, task.name)
            if await _send_export(message, smsc, bot, audit, found, file_limit):
                return
        audit.result = "no file"
        if task is not None and task.status is not TaskStatus.DONE:
            text = _("The export {task} is not finished: it is {status}.").format(
                task=html.escape(task.name), status=task_status(task.status)
            )
        else:
            text = _("SMSC has no finished export {task}. See /downloads for what is ready.")
            text = text.format(task=html.escape(shown))
        await message.answer(text)
    finally:
        with contextlib.suppress(TelegramAPIError):
            await progress.delete()


async def _named(smsc: SmscClient, name: str) -> DownloadTask | None:
    """The one export called ``name``, in this case or, failing that, in any case; None also
    when the list cannot be had now (the limit of identical requests): it is only a hint."""
    try:
        tasks, _complete = await all_tasks(smsc)
    except SmscError as error:
        log.info("exports not listed for a name", extra={"error": type(error).__name__})
        return None
    found = [task for task in tasks if task.name == name] or [
        task for task in tasks if task.name.casefold() == name.casefold()
    ]
    return found[0] if len(found) == 1 else None


async def _send_export(
    message: Message,
    smsc: SmscClient,
    bot: Bot,
    audit: AuditNote,
    ref: parse.TaskRef,
    file_limit: int,
) -> bool:
    """Send the export's file, or say it is too large; False if SMSC has no such file."""
    shown = ref.name or str(ref.task_id)
    # By id when it is known: the name was only how the chat found it.
    by_id = ref.task_id is not None
    try:
        async with (
            ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id),
            fetched_export(
                smsc,
                task_id=ref.task_id,
                name=None if by_id else ref.name,
                limit=file_limit,
            ) as path,
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
        return False
    return True


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(list_downloads, command("downloads"), flags={"smsc": True})
    router.callback_query.register(
        downloads_page, Page.filter(F.kind == PageKind.DOWNLOADS), flags={"smsc": "if-any"}
    )
    router.message.register(download, command("download"), flags={"smsc": True})
    return own_commands_only(router)
