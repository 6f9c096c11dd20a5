"""The grammar of contact groups: /addgroup, /renamegroup, /delgroup. A group named with
spaces is quoted where more words follow it."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from handlers.readers import (
    MAX_NAME,
    ArgumentError,
    GroupRef,
    free_text,
    group_ref,
    quoted_head,
    require,
    words_of,
)


def usage_renamegroup() -> str:
    return _("/renamegroup <group> <new name>")


def renamegroup(text: str | None) -> tuple[GroupRef, str]:
    """``VIP "VIP clients"``, ``"VIP clients" Key``: a group named with spaces is quoted."""
    usage = usage_renamegroup()
    words = quoted_head(words_of(text))
    require(words, 2, usage)
    name = free_text(words[1:], MAX_NAME, _("The group name"), usage)
    if name is None:  # only quotes around nothing
        raise ArgumentError(_("Some arguments are missing."), usage)
    return group_ref(words[0], usage), name


def usage_addgroup() -> str:
    return _("/addgroup <name>")


def addgroup(text: str | None) -> str:
    usage = usage_addgroup()
    name = free_text(words_of(text), MAX_NAME, _("The group name"), usage)
    if name is None:
        raise ArgumentError(_("Give the new group a name."), usage)
    return name


def usage_delgroup() -> str:
    return _("/delgroup <group>")


def delgroup(text: str | None) -> GroupRef:
    words = words_of(text)
    usage = usage_delgroup()
    require(words, 1, usage)
    return group_ref(" ".join(words), usage)
