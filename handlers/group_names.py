"""Groups named where a group is asked for: by name in any case (``VIP``, ``"VIP clients"``), or
by id. A name no group has is told; a name two groups share gets a button per group, which
carries the command out with that group (see :mod:`handlers.choices`).

Which groups a name means is decided in one place, :func:`groups_meant`, from whatever list
the caller's ``source`` gives: where the list comes from may change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import display
from bot.account_copies import AccountCopies, counted
from bot.smsc import Group, SmscClient
from bot.smsc.contacts import ContactBook
from handlers import choices
from handlers.memo import Memo
from handlers.phones import ascii_digits
from handlers.readers import GroupRef

# The account's groups of one book, when they are needed.
GroupSource = Callable[[], Awaitable[Iterable[Group]]]
# A contact's groups in a list: at most this many named, so that one contact always fits.
SHOWN_GROUPS = 5


async def groups_of(
    copies: AccountCopies, smsc: SmscClient, book: ContactBook, *, stale_ok: bool = False
) -> dict[int, Group]:
    """The account's groups of one book, from its kept copy: every list names its contacts'
    groups, and paging must not spend SMSC's three identical requests a minute on them.
    ``stale_ok``: any copy will do, however old (a reply after a write names the groups it
    knows, never from a read SMSC might refuse)."""
    kept = await copies.groups(smsc, mail=book.script == "mails", stale_ok=stale_ok)
    return {group.id: group for group in kept.records}


def no_groups() -> str:
    # Escaped whole: "<name>" there is no tag.
    return display.escaped(_("There are no groups yet. Create one with /addgroup <name>."))


def group_list(ids: Iterable[int], groups: dict[int, Group], most: int | None = None) -> str:
    """The groups' names (ids where a name is unknown); past ``most`` of them, how many more."""
    ids = list(ids)
    shown = ids if most is None else ids[:most]
    names = [display.shown(groups[g].name, display.NAME) if g in groups else str(g) for g in shown]
    if len(ids) > len(shown):
        names.append(display.more(len(ids) - len(shown)))
    return ", ".join(names)


def quoted(name: str, group_id: int) -> str:
    """A group's name for a reply (HTML), or its id if it has none."""
    if not name.strip():
        return _("with id {id}").format(id=group_id)
    # The quotes are the language's: «VIP» in Russian.
    return _("“{name}”").format(name=display.shown(name, display.NAME))


def group_label(group: Group) -> str:
    """A button's words for one of several groups of one name: the id tells them apart, and
    the person may type it next time. A count the bot's own writes changed since it was read
    is left out: counting it again is not worth a read here."""
    name = group.name.strip() or "—"
    if not counted(group):
        return f"{name} · id {group.id}"
    count = ngettext("{count} contact", "{count} contacts", group.count).format(count=group.count)
    return f"{name} · {count} · id {group.id}"


def no_such_group(ref: GroupRef) -> str:
    return display.escaped(
        _("There is no group “{name}”. /groups lists them.").format(name=str(ref)[:100])
    )


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def groups_meant(ref: GroupRef, groups: Iterable[Group]) -> list[Group]:
    """The groups ``ref`` means among ``groups``: the one with that id if it is one, else every
    group of that name in any case (two groups may share a name)."""
    groups = list(groups)
    if isinstance(ref, int):
        return [group for group in groups if group.id == ref]
    digits = ascii_digits(ref)
    if digits.isascii() and digits.isdigit() and len(digits) <= 16:
        by_id = [group for group in groups if group.id == int(digits)]
        if by_id:
            return by_id
    wanted = _folded(ref)
    return [group for group in groups if _folded(group.name) == wanted]


async def named_groups(
    message: Message,
    memo: Memo,
    smsc: SmscClient,
    *,
    action: str,
    refs: tuple[GroupRef, ...],
    source: GroupSource,
    again: Callable[[tuple[GroupRef, ...]], Any],
) -> list[Group] | None:
    """The groups ``refs`` name, in order; None, having answered, when a name is no group's,
    or when two groups share one: then a button per group carries out ``again`` with the
    chosen group's id in that name's place."""
    if not refs:
        return []
    groups = list(await source())
    found: list[Group] = []
    for index, ref in enumerate(refs):
        meant = groups_meant(ref, groups)
        if not meant:
            await message.answer(no_such_group(ref))
            return None
        if len(meant) > 1:
            await choices.offer(
                message,
                memo,
                smsc,
                action=action,
                question=_("Several groups are called “{name}”. Which one?").format(
                    name=display.escaped(str(ref))
                ),
                options=[
                    (group_label(g), again((*refs[:index], g.id, *refs[index + 1 :])))
                    for g in meant
                ],
            )
            return None
        found.append(meant[0])
    return found


async def named(
    message: Message,
    memo: Memo,
    copies: AccountCopies,
    smsc: SmscClient,
    book: ContactBook,
    action: str,
    refs: tuple[GroupRef, ...],
    again: Callable[[tuple[GroupRef, ...]], Any],
) -> list[Group] | None:
    """The groups ``refs`` name among the book's kept groups (see :func:`named_groups`)."""

    async def source() -> Iterable[Group]:
        return (await groups_of(copies, smsc, book)).values()

    return await named_groups(
        message, memo, smsc, action=action, refs=refs, source=source, again=again
    )
