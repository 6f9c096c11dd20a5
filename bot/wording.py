"""Words for the provider's codes: operators, statuses, block types. Shared with the watcher."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.smsc import BlockType, FileStatus, OperatorStatus, SenderStatus, TaskStatus


def operator_name(key: str) -> str:
    names = {
        "mts": _("MTS"),
        "mts_step": _("MTS"),
        "mts_int": _("MTS (international)"),
        "mega": _("MegaFon"),
        "mega_step": _("MegaFon"),
        "mega_int": _("MegaFon (international)"),
        "bee_step": _("Beeline"),
        "tele2": _("Tele2"),
        "tele2_step": _("Tele2"),
        "motiv": _("Motiv"),
        "motiv_step": _("Motiv"),
        "motiv_int": _("Motiv (international)"),
        "sber_step": _("SberMobile"),
        "winmob_step": _("Win Mobile"),
        "volnamob_step": _("Volna Mobile"),
        "ua_reg": _("Ukraine (national)"),
        "ua_int": _("Ukraine (international)"),
        "by_reg": _("Belarus (national)"),
        "by_int": _("Belarus (international)"),
    }
    return names.get(key, key)


def operator_status(code: int) -> str:
    status = OperatorStatus(code)
    words = {
        OperatorStatus.AWAITING_REGISTRATION: _("awaiting registration"),
        OperatorStatus.SENT_FOR_REGISTRATION: _("sent for registration"),
        OperatorStatus.APPROVED: _("approved"),
        OperatorStatus.REJECTED: _("rejected"),
        OperatorStatus.TEMPORARILY_DISABLED: _("temporarily disabled"),
        OperatorStatus.INSUFFICIENT_FUNDS: _("insufficient funds"),
        OperatorStatus.DOCUMENTS_REQUIRED: _("documents required"),
    }
    return words.get(status, _("unknown ({code})").format(code=int(code)))


def sender_status(code: int) -> str:
    status = SenderStatus(code)
    words = {
        SenderStatus.MODERATION: _("awaiting moderation"),
        SenderStatus.ALLOWED: _("allowed"),
        SenderStatus.DISABLED: _("disabled"),
    }
    return words.get(status, _("unknown ({code})").format(code=int(code)))


def task_status(code: int) -> str:
    status = TaskStatus(code)
    words = {
        TaskStatus.WAITING: _("waiting"),
        TaskStatus.RUNNING: _("running"),
        TaskStatus.DONE: _("done"),
        TaskStatus.CANCELLED: _("cancelled"),
        TaskStatus.FAILED: _("failed"),
    }
    return words.get(status, _("unknown ({code})").format(code=int(code)))


def block_type(kind: BlockType) -> str:
    """What a blacklist entry of ``kind`` stops, and what it lets through: SMSC's "single
    messages" are the one-off ones, sent to a number alone rather than in a mailing."""
    words = {
        BlockType.ALL: _("all messages blocked"),
        BlockType.MASS: _("mass mailings blocked, one-off messages still sent"),
        BlockType.SINGLE: _("one-off messages blocked, mass mailings still sent"),
    }
    return words.get(kind, _("unknown ({code})").format(code=int(kind)))


def file_status(code: int) -> str:
    status = FileStatus(code)
    words = {
        FileStatus.CHECKING: _("being checked"),
        FileStatus.REJECTED: _("rejected"),
        FileStatus.ACCEPTED: _("accepted"),
    }
    return words.get(status, _("unknown ({code})").format(code=int(code)))


def region_name(region: str | None) -> str:
    names = {
        "ru": _("Russia (smsc.ru)"),
        "ua": _("Ukraine (smsc.ua)"),
        "kz": _("Kazakhstan (smsc.kz)"),
        "com": _("International (smscentre.com)"),
    }
    return names.get(region or "", region or _("custom address"))
