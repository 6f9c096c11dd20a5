"""Exports of sent messages: /downloads and /download, and their buttons. Files are streamed to
disk, not memory."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import display
from bot.account_copies import AccountCopies
from bot.accounts import ChatAccounts
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.exports import (
    TELEGRAM_FILE_LIMIT,
    csv_filename,
    export_filename,
    export_for_naming,
    exports,
    fetched_export,
    find_export,
)
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
from handlers import asking, paging
from handlers import downloads_args as parse
from handlers.callbacks import ExportFile, ExportReady, Page, PageKind, Refresh
from handlers.memo import Memo
from handlers.readers import words_of
from handlers.routing import command, own_commands_only
from storage import NotificationKind

log = logging.getLogger(__name__)


def task_line(task: DownloadTask) -> str:
    line = _("• <b>{id}</b> {name} — {status}").format(
        id=task.id, name=display.shown(task.name, display.NAME), status=task_status(task.status)
    )
    if task.created:
        line += " · " + display.shown(task.created, display.NAME)
    return line


# An export's name on its button, at most: a phone shows two buttons a row.
BUTTON_NAME = 18


def _buttons(token: str) -> paging.Buttons:
    """Under a page: a download button for each finished export on it, and Refresh."""

    def rows(shown: Sequence[DownloadTask]) -> list[list[InlineKeyboardButton]]:
        done = [
            InlineKeyboardButton(
                text=f"⬇ {task.id} {display.clip(task.name, BUTTON_NAME)}",
                callback_data=ExportFile(task_id=task.id).pack(),
            )
            for task in shown
            if task.status is TaskStatus.DONE
        ]
        refresh = InlineKeyboardButton(
            text=_("🔄 Refresh"),
            callback_data=Refresh(kind=PageKind.DOWNLOADS, token=token).pack(),
        )
        return [done[at : at + 2] for at in range(0, len(done), 2)] + [[refresh]]

    return rows


async def _listing(
    smsc: SmscClient, copies: AccountCopies, memo: Memo
) -> tuple[str, InlineKeyboardMarkup | None]:
    # Read afresh (people look to see what has finished), and kept to name files by.
    kept = await exports(copies, smsc, refresh=True)
    tasks, complete = list(kept.records), kept.complete
    if not tasks:
        return _("There are no exports. Create one in the SMSC cabinet."), None
    listed = paging.Listed(
        PageKind.DOWNLOADS, tasks, _("<b>Exports</b>, newest first"), complete, None
    )
    token = await paging.remember(memo, listed)
    text, markup = paging.page(listed, token, 0, task_line, _buttons(token))
    if any(t.status is TaskStatus.DONE for t in tasks):
        text += "\n\n" + _("Get a finished one with <code>/download ID</code>.")
    return text, markup


async def list_downloads(
    message: Message, smsc: SmscClient, copies: AccountCopies, memo: Memo
) -> None:
    text, markup = await _listing(smsc, copies, memo)
    await message.answer(text, reply_markup=markup)


async def downloads_refreshed(
    callback: CallbackQuery, smsc: SmscClient, copies: AccountCopies, memo: Memo
) -> None:
    text, markup = await _listing(smsc, copies, memo)
    await callback.answer()
    await edit_or_send(callback, text, markup)


async def downloads_page(callback: CallbackQuery, callback_data: Page, memo: Memo) -> None:
    listed = await paging.recall(memo, callback_data)
    if listed is None:
        await callback.answer(_("This list has expired. Run /downloads again."), show_alert=True)
        return
    await callback.answer()
    token, start = callback_data.token, callback_data.start
    text, markup = paging.page(listed, token, start, task_line, _buttons(token))
    await edit_or_send(callback, text, markup)


async def download(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    audit: AuditNote,
    file_limit: int = TELEGRAM_FILE_LIMIT,
) -> None:
    if not words_of(command.args):
        await _ask_for_export(message, state, smsc, copies)
        return
    ref = parse.download(command.args)
    await deliver(bot, message.chat.id, smsc, copies, audit, ref, file_limit)


async def _ask_for_export(
    message: Message, state: FSMContext, smsc: SmscClient, copies: AccountCopies
) -> None:
    """Bare /download: the finished exports as buttons, or why there is none to offer."""
    tasks = list((await exports(copies, smsc, refresh=True)).records)
    if not any(task.status is TaskStatus.DONE for task in tasks):
        await message.answer(
            _("No export is finished yet. /downloads lists them, with what each is doing.")
        )
        return
    await asking.start(message, state, DOWNLOAD, [], {"tasks": tasks})


async def _finished_exports(
    _step: int, _given: list[str], data: dict[str, Any]
) -> list[tuple[str, str]]:
    tasks: list[DownloadTask] = data["tasks"]
    return [
        (f"⬇ {task.id} {display.clip(task.name, BUTTON_NAME)}", str(task.id))
        for task in tasks
        if task.status is TaskStatus.DONE
    ]


async def _export_answered(message: Message, text: str, data: dict[str, Any]) -> None:
    ref = parse.download(text)
    file_limit = data.get("file_limit", TELEGRAM_FILE_LIMIT)
    smsc, copies = data["smsc"], data["copies"]
    await deliver(data["bot"], message.chat.id, smsc, copies, data["audit"], ref, file_limit)


DOWNLOAD = asking.Dialog(
    asking.Asking.download,
    (asking.Step(lambda: _("Which export? Press a finished one, or send its id or name.")),),
    _export_answered,
    _finished_exports,
)


async def export_pressed(
    callback: CallbackQuery,
    callback_data: ExportFile,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    audit: AuditNote,
    file_limit: int = TELEGRAM_FILE_LIMIT,
) -> None:
    await callback.answer()
    assert callback.message is not None
    ref = parse.TaskRef(callback_data.task_id, None)
    await deliver(bot, callback.message.chat.id, smsc, copies, audit, ref, file_limit)


async def deliver(
    bot: Bot,
    chat_id: int,
    smsc: SmscClient,
    copies: AccountCopies,
    audit: AuditNote,
    ref: parse.TaskRef,
    file_limit: int,
) -> None:
    """Send an export's CSV to the chat, or say why there is none."""
    shown = ref.name or str(ref.task_id)
    audit.target = shown
    progress = await bot.send_message(
        chat_id, _("⏳ Fetching the export {task}…").format(task=display.escaped(shown))
    )
    try:
        if await _send_export(bot, chat_id, smsc, copies, audit, ref, file_limit):
            return
        # SMSC has no file by that id or name: a phone's keyboard may have capitalised the
        # name (Sent_2026_09), the name may be the export's file's, or the export is not
        # finished. The list tells which, at one more request only on this path.
        task = await _find(smsc, copies, ref)
        if task is not None and task.status is TaskStatus.DONE:
            found = parse.TaskRef(task.id, task.name)
            if await _send_export(bot, chat_id, smsc, copies, audit, found, file_limit, task):
                return
        audit.result = "no file"
        text, markup = _no_file(task, shown)
        await bot.send_message(chat_id, text, reply_markup=markup)
    finally:
        with contextlib.suppress(TelegramAPIError):
            await bot.delete_message(chat_id, progress.message_id)


def _no_file(task: DownloadTask | None, shown: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """Why there is no file to send, and for an export under way a button to hear when."""
    if task is None:
        text = _("SMSC has no finished export {task}. See /downloads for what is ready.")
        return text.format(task=display.escaped(shown)), None
    name = display.shown(task.name, display.NAME)
    if task.status is TaskStatus.RUNNING:
        text = _("⏳ Export {id} ({name}) is still running.").format(id=task.id, name=name)
    elif task.status is TaskStatus.WAITING:
        text = _("⏳ Export {id} ({name}) is waiting to start.").format(id=task.id, name=name)
    else:
        text = _("The export {task} is not finished: it is {status}.").format(
            task=name, status=task_status(task.status)
        )
        return text, None
    ready = InlineKeyboardButton(
        text=_("🔔 Tell me when it is ready"),
        callback_data=ExportReady(task_id=task.id).pack(),
    )
    return text, InlineKeyboardMarkup(inline_keyboard=[[ready]])


async def _find(smsc: SmscClient, copies: AccountCopies, ref: parse.TaskRef) -> DownloadTask | None:
    """The one export ``ref`` names, as SMSC lists it now (its status is what matters here).
    None also when the list cannot be had now (the limit of identical requests): it is only a
    hint."""
    try:
        kept = await exports(copies, smsc, refresh=True)
    except SmscError as error:
        log.info("exports not listed for a reference", extra={"error": type(error).__name__})
        return None
    return find_export(kept.records, ref.task_id, ref.name)


async def _send_export(
    bot: Bot,
    chat_id: int,
    smsc: SmscClient,
    copies: AccountCopies,
    audit: AuditNote,
    ref: parse.TaskRef,
    file_limit: int,
    task: DownloadTask | None = None,
) -> bool:
    """Send the export's file, or say it is too large; False if SMSC has no such file."""
    shown = ref.name or str(ref.task_id)
    # By id when it is known: the name was only how the chat found it.
    by_id = ref.task_id is not None
    try:
        async with (
            ChatActionSender.upload_document(bot=bot, chat_id=chat_id),
            fetched_export(
                smsc,
                task_id=ref.task_id,
                name=None if by_id else ref.name,
                limit=file_limit,
            ) as path,
        ):
            # Named after the export whichever way it was asked for: the list says its name,
            # as last read (a name never changes), so a list SMSC will not give again this
            # minute does not change what the file is called.
            task = task or await export_for_naming(copies, smsc, ref.task_id, ref.name)
            filename = (
                export_filename(task)
                if task is not None
                else csv_filename(ref.name or f"export_{ref.task_id}")
            )
            await bot.send_document(
                chat_id,
                FSInputFile(path, filename=filename),
                caption=_("📦 Export {task}.").format(task=display.escaped(shown)),
            )
    except FileTooLargeError:
        audit.result = "too large"
        await bot.send_message(
            chat_id,
            _(
                "The export {task} is larger than {limit} MB, the most Telegram lets this bot "
                "send. Download it in the SMSC cabinet."
            ).format(task=display.escaped(shown), limit=file_limit // (1024 * 1024)),
        )
    except OperationFailedError:
        return False
    return True


async def tell_when_ready(
    callback: CallbackQuery,
    callback_data: ExportReady,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    accounts: ChatAccounts,
    chat_admins: ChatAdmins,
    audit: AuditNote,
    i18n: I18n,
    file_limit: int = TELEGRAM_FILE_LIMIT,
) -> None:
    """Turn on the chat's export notifications, as /watch downloads on does, unless they are
    on; an export that finished meanwhile is sent at once."""
    message = callback.message
    assert message is not None
    chat_id, task_id = message.chat.id, callback_data.task_id
    audit.target = str(task_id)
    await callback.answer()
    settings = await accounts.settings(chat_id)
    if settings.notify_downloads and not settings.watch_paused:
        note = _(
            "🔔 Notifications about exports are on: I will tell this chat when export {id} "
            "is ready."
        )
        await edit_or_send(callback, note.format(id=task_id))
        return
    if not await chat_admins.allowed(bot, message.chat, callback.from_user):
        audit.result = "denied: not an administrator"
        await edit_or_send(
            callback,
            _(
                "Only administrators of this chat can turn on notifications. Ask one to send "
                "/watch downloads on, then I will tell this chat when export {id} is ready."
            ).format(id=task_id),
        )
        return
    await accounts.watch(chat_id, NotificationKind.DOWNLOADS, smsc, language=i18n.current_locale)
    note = _(
        "🔔 Notifications about exports are on now: I will tell this chat when export {id} "
        "is ready."
    ).format(id=task_id)
    await edit_or_send(callback, note)
    # The watch knows the export as it was when it began: one that ended since the chat was
    # told it was running would never be announced.
    seen = await accounts.seen_task_status(chat_id, task_id)
    if seen == TaskStatus.DONE:
        ref = parse.TaskRef(task_id, None)
        await deliver(bot, chat_id, smsc, copies, audit, ref, file_limit)
    elif seen in (TaskStatus.CANCELLED, TaskStatus.FAILED):
        text = _("The export {task} is not finished: it is {status}.")
        await bot.send_message(chat_id, text.format(task=task_id, status=task_status(seen)))


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(list_downloads, command("downloads"), flags={"smsc": True})
    router.callback_query.register(
        downloads_page, Page.filter(F.kind == PageKind.DOWNLOADS), flags={"smsc": "if-any"}
    )
    router.callback_query.register(
        downloads_refreshed, Refresh.filter(F.kind == PageKind.DOWNLOADS), flags={"smsc": True}
    )
    router.message.register(download, command("download"), flags={"smsc": True})
    asking.register(router, DOWNLOAD)
    router.callback_query.register(export_pressed, ExportFile.filter(), flags={"smsc": True})
    router.callback_query.register(tell_when_ready, ExportReady.filter(), flags={"smsc": True})
    return own_commands_only(router)
