"""Notification texts, in the chat's language (the caller sets the locale)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot import display
from bot.relogin import private_chat_id
from bot.smsc import DownloadTask, TaskStatus
from bot.watcher.changes import SenderEvent, SenderUpdate, StatusMove
from bot.wording import operator_name, operator_status, sender_status


def task_message(task: DownloadTask) -> str:
    name = display.shown(task.name or task.id, display.NAME)
    if task.status is TaskStatus.DONE:
        return _("📦 The export “{name}” (id {id}) is ready.").format(name=name, id=task.id)
    if task.status is TaskStatus.CANCELLED:
        return _("🚫 The export “{name}” (id {id}) was cancelled.").format(name=name, id=task.id)
    return _("❌ The export “{name}” (id {id}) failed at SMSC.").format(name=name, id=task.id)


def too_large_message(task: DownloadTask, limit_mb: int) -> str:
    return (
        task_message(task)
        + "\n"
        + _(
            "It is larger than {limit} MB, too large to attach here. Fetch it with /download {id} "
            "(with a local Bot API server) or in the SMSC cabinet."
        ).format(limit=limit_mb, id=task.id)
    )


def no_file_message(task: DownloadTask) -> str:
    return (
        task_message(task)
        + "\n"
        + _("SMSC did not give me the file just now; try /download {id}.").format(id=task.id)
    )


# A sender's moves told in one message: SMSC may list any number of operator keys, and a
# message over Telegram's limit is not delivered at all.
SHOWN_MOVES = 30


def _word(move: StatusMove, code: int | None) -> str:
    if code is None:
        return "—"
    return sender_status(code) if move.field == "status" else operator_status(code)


def _label(move: StatusMove) -> str:
    if move.field == "status":
        return _("Moderation")
    return display.shown(operator_name(move.field), display.KEY)


def sender_message(update: SenderUpdate) -> str:
    name = display.shown(update.state.name, display.NAME)
    if update.event is SenderEvent.DELETED:
        return _("🗑 The sender name <b>{name}</b> was deleted.").format(name=name)
    if update.event is SenderEvent.NEW:
        head = _("🆕 New sender name <b>{name}</b>: {status}.").format(
            name=name, status=sender_status(update.state.status)
        )
        lines = [f"• {_label(m)}: {_word(m, m.after)}" for m in update.moves]
    else:
        head = _("🏷 The sender name <b>{name}</b> changed:").format(name=name)
        lines = [f"• {_label(m)}: {_word(m, m.before)} → {_word(m, m.after)}" for m in update.moves]
    if len(lines) > SHOWN_MOVES:
        lines[SHOWN_MOVES:] = ["• " + display.more(len(lines) - SHOWN_MOVES)]
    return "\n".join([head, *lines])


def paused_message(chat_id: int) -> str:
    """A private chat's person logs in again themselves; a group needs an administrator."""
    if private_chat_id(chat_id):
        return _(
            "⏸ I paused this chat's notifications: SMSC keeps rejecting its credentials "
            "(error 2). Send /login again to resume them."
        )
    return _(
        "⏸ I paused this chat's notifications: SMSC keeps rejecting its credentials (error 2). "
        "An administrator can /login again to resume them."
    )
