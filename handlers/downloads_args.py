"""/download's grammar: an export named by its task id or its name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _

from handlers.phones import ascii_digits
from handlers.readers import ArgumentError, clip, exactly, positive_id, words_of

_TASK_NAME = re.compile(r"^[\w.\-]{1,100}$")


@dataclass(frozen=True, slots=True)
class TaskRef:
    task_id: int | None
    name: str | None


def usage_download() -> str:
    return _("/download <task-id-or-name>")


def download(text: str | None) -> TaskRef:
    usage = usage_download()
    words = words_of(text)
    exactly(words, 1, usage, _("Give exactly one task id or name."))
    raw = ascii_digits(words[0])
    if raw.isascii() and raw.isdigit():
        return TaskRef(positive_id(raw, _("The task id"), usage), None)
    if not _TASK_NAME.match(raw):
        raise ArgumentError(_("“{value}” is not a task name.").format(value=clip(raw)), usage)
    return TaskRef(None, raw)
