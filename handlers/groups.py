"""Contact groups: /groups, /addgroup, /renamegroup, /delgroup.

The account's groups are its kept copy (:mod:`bot.account_copies`): read once a window, and
kept up to date by the bot's own writes. In a group chat, a group's new name is the team's:
asked for by someone who is not an administrator, it waits for an administrator's Yes.

/renamegroup and /delgroup find a group where /groups shows it, among the phone groups and
the e-mail groups (``mails.php``) alike, as /block tells an e-mail address from a number by
itself; a name found in both books is asked about with a button per group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import display
from bot.account_copies import AccountCopies, counted
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.replies import edit_or_send
from bot.smsc import Group, SmscClient
from handlers import choices, confirmation, paging
from handlers import groups_args as parse
from handlers.blocks import book_for
from handlers.callbacks import Page, PageKind, RefreshKind, Reread, with_refresh
from handlers.choices import Chosen
from handlers.confirmation import Confirmed
from handlers.group_names import (
    group_label,
    groups_meant,
    groups_of,
    no_groups,
    no_such_group,
    quoted,
)
from handlers.memo import Memo
from handlers.readers import GroupRef
from handlers.routing import command, own_commands_only


@dataclass(frozen=True, slots=True)
class GroupRename:
    """A rename waiting for an administrator's Yes."""

    group_id: int
    old: str
    name: str
    mail: bool = False  # an e-mail group (mails.php)


@dataclass(frozen=True, slots=True)
class GroupDeletion:
    """A deletion waiting for a Yes: the group's name, to say which went."""

    group_id: int
    name: str
    mail: bool = False


@dataclass(frozen=True, slots=True)
class BookGroup:
    """One group as a pressed button names it: its id in its address book."""

    group_id: int
    mail: bool


async def _one_group(
    message: Message,
    memo: Memo,
    copies: AccountCopies,
    smsc: SmscClient,
    action: str,
    ref: GroupRef | BookGroup,
    again: Callable[[BookGroup], Any],
) -> tuple[Group, bool] | None:
    """The group ``ref`` names, among the phone and the e-mail groups, and whether it is an
    e-mail group; None, having answered, when no group has that name or several do (then a
    button per group carries out ``again`` with the one pressed)."""
    books = [(False, smsc.phones), (True, smsc.mails)]
    if isinstance(ref, BookGroup):
        books = [(mail, book) for mail, book in books if mail == ref.mail]
        ref = ref.group_id
    found: list[tuple[Group, bool]] = []
    for mail, book in books:
        kept = (await groups_of(copies, smsc, book)).values()
        found += [(group, mail) for group in groups_meant(ref, kept)]
    if not found:
        await message.answer(no_such_group(ref))
        return None
    if len(found) > 1:
        await choices.offer(
            message,
            memo,
            smsc,
            action=action,
            question=_("Several groups are called “{name}”. Which one?").format(
                name=display.escaped(str(ref))
            ),
            options=[
                (("✉️ " if mail else "") + group_label(g), again(BookGroup(g.id, mail)))
                for g, mail in found
            ],
        )
        return None
    return found[0]


def _group_line(entry: tuple[Group, bool, bool]) -> str:
    group, is_email, with_id = entry
    mark = "✉️ " if is_email else ""
    name = display.shown(group.name, display.NAME) or "—"
    # Named groups go by their names; the id only where it is what tells a group apart.
    tag = f" · id {group.id}" if with_id else ""
    if not counted(group):
        return f"• {mark}<b>{name}</b>{tag}"
    count = ngettext("{count} contact", "{count} contacts", group.count).format(count=group.count)
    return f"• {mark}<b>{name}</b> — {count}{tag}"


def _group_entries(groups: tuple[Group, ...], is_email: bool) -> list[tuple[Group, bool, bool]]:
    names = Counter(" ".join(g.name.split()).casefold() for g in groups)
    return [
        (g, is_email, not g.name.strip() or names[" ".join(g.name.split()).casefold()] > 1)
        for g in groups
    ]


async def _groups_page(
    smsc: SmscClient, copies: AccountCopies, memo: Memo, *, refresh: bool
) -> tuple[str, InlineKeyboardMarkup]:
    groups = await copies.counted_groups(smsc, mail=False, refresh=refresh)
    mail_groups = await copies.counted_groups(smsc, mail=True, refresh=refresh)
    again = Reread(what=RefreshKind.GROUPS)
    if not groups and not mail_groups:
        return no_groups(), with_refresh(None, again)
    entries = _group_entries(groups, False) + _group_entries(mail_groups, True)
    title = _("<b>Groups</b>")
    if mail_groups:
        title = _("<b>Groups</b> (✉️ e-mail groups)")
    listed = paging.Listed(PageKind.GROUPS, entries, title, True, None)
    text, markup = paging.page(listed, await paging.remember(memo, listed), 0, _group_line)
    return text, with_refresh(markup, again)


async def list_groups(
    message: Message, smsc: SmscClient, copies: AccountCopies, memo: Memo
) -> None:
    text, markup = await _groups_page(smsc, copies, memo, refresh=False)
    await message.answer(text, reply_markup=markup)


async def refresh_groups(
    callback: CallbackQuery, smsc: SmscClient, copies: AccountCopies, memo: Memo
) -> None:
    text, markup = await _groups_page(smsc, copies, memo, refresh=True)
    await callback.answer()
    await edit_or_send(callback, text, markup)


async def groups_page(callback: CallbackQuery, callback_data: Page, memo: Memo) -> None:
    listed = await paging.recall(memo, callback_data)
    if listed is None:
        await callback.answer(_("This list has expired. Run /groups again."), show_alert=True)
        return
    await callback.answer()
    text, markup = paging.page(listed, callback_data.token, callback_data.start, _group_line)
    await edit_or_send(callback, text, markup)


async def add_group(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    copies: AccountCopies,
    audit: AuditNote,
) -> None:
    name = parse.addgroup(command.args)
    audit.target = name
    group_id = await smsc.phones.add_group(name)
    await copies.group_saved(smsc, Group(id=group_id, name=name), mail=False)
    await message.answer(_("✅ Group “{name}” created.").format(name=display.escaped(name)))


async def rename_group(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
    bot: Bot,
    chat_admins: ChatAdmins,
) -> None:
    ref, name = parse.renamegroup(command.args)
    await _rename_or_ask(message, bot, chat_admins, memo, copies, smsc, audit, ref, name)


async def _rename_or_ask(
    message: Message,
    bot: Bot,
    chat_admins: ChatAdmins,
    memo: Memo,
    copies: AccountCopies,
    smsc: SmscClient,
    audit: AuditNote,
    ref: GroupRef | BookGroup,
    name: str,
) -> None:
    found = await _one_group(
        message, memo, copies, smsc, "renamegroup", ref, lambda picked: (picked, name)
    )
    if found is None:
        return
    group, mail = found
    audit.target = str(group.id)
    rename = GroupRename(group.id, group.name, name, mail)
    question = _("Rename the group {group} to “{name}”?")
    if mail:
        question = _("Rename the e-mail group {group} to “{name}”?")
    if await confirmation.asked_an_administrator(
        message,
        bot,
        chat_admins,
        memo,
        smsc,
        audit,
        action="renamegroup",
        question=question.format(group=quoted(group.name, group.id), name=display.escaped(name)),
        target=str(group.id),
        args=rename,
    ):
        return
    await message.answer(await _rename(smsc, copies, rename))


async def rename_group_chosen(chosen: Chosen) -> None:
    ref, name = chosen.args
    await _rename_or_ask(
        chosen.message,
        chosen.bot,
        chosen.chat_admins,
        chosen.memo,
        chosen.copies,
        chosen.smsc,
        chosen.audit,
        ref,
        name,
    )


async def rename_group_confirmed(done: Confirmed[GroupRename]) -> str:
    done.audit.target = str(done.pending.args.group_id)
    return await _rename(done.client, done.copies, done.pending.args)


async def _rename(smsc: SmscClient, copies: AccountCopies, rename: GroupRename) -> str:
    group_id, name = rename.group_id, rename.name
    await book_for(smsc, rename.mail).rename_group(group_id, name)
    await copies.group_saved(smsc, Group(id=group_id, name=name), mail=rename.mail)
    done = _("✅ The group {group} is now “{name}”.")
    if rename.mail:
        done = _("✅ The e-mail group {group} is now “{name}”.")
    return done.format(group=quoted(rename.old, group_id), name=display.escaped(name))


async def delete_group(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
) -> None:
    await _ask_delete_group(message, memo, copies, smsc, audit, parse.delgroup(command.args))


def _deletion_question(group: Group, mail: bool) -> str:
    if not counted(group):
        if mail:
            text = _("Delete the e-mail group {group}? Its contacts stay, without this group.")
        else:
            text = _("Delete the group {group}? Its contacts stay, without this group.")
        return text.format(group=quoted(group.name, group.id))
    if mail:
        text = ngettext(
            "Delete the e-mail group {group} ({count} contact)? The contact stays, without "
            "this group.",
            "Delete the e-mail group {group} ({count} contacts)? The contacts stay, without "
            "this group.",
            group.count,
        )
    else:
        text = ngettext(
            "Delete the group {group} ({count} contact)? The contact stays, without this group.",
            "Delete the group {group} ({count} contacts)? The contacts stay, without this group.",
            group.count,
        )
    return text.format(group=quoted(group.name, group.id), count=group.count)


async def _ask_delete_group(
    message: Message,
    memo: Memo,
    copies: AccountCopies,
    smsc: SmscClient,
    audit: AuditNote,
    ref: GroupRef | BookGroup,
) -> None:
    audit.target = str(ref.group_id if isinstance(ref, BookGroup) else ref)
    found = await _one_group(message, memo, copies, smsc, "delgroup", ref, lambda picked: picked)
    if found is None:
        audit.result = "no such group or several"
        return
    group, mail = found
    if not counted(group):
        # The bot's own writes changed its count: counted in the kept address book if that
        # can tell, for no read here, else left out of the question.
        recounted = await copies.groups_as_kept(smsc, mail=mail)
        group = next((each for each in recounted if each.id == group.id), group)
    await confirmation.ask(
        message,
        memo,
        smsc,
        audit,
        action="delgroup",
        question=_deletion_question(group, mail),
        target=str(group.id),
        args=GroupDeletion(group.id, group.name, mail),
    )


async def delete_group_confirmed(done: Confirmed[GroupDeletion]) -> str:
    deletion, audit, smsc = done.pending.args, done.audit, done.client
    group_id = deletion.group_id
    audit.target = str(group_id)
    await book_for(smsc, deletion.mail).delete_group(group_id)
    await done.copies.group_deleted(smsc, group_id, mail=deletion.mail)
    named_group = quoted(deletion.name, group_id)
    if deletion.mail:
        return _("🗑 The e-mail group {group} is deleted.").format(group=named_group)
    return _("🗑 The group {group} is deleted.").format(group=named_group)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(list_groups, command("groups"), flags={"smsc": True})
    router.callback_query.register(
        groups_page, Page.filter(F.kind == PageKind.GROUPS), flags={"smsc": "if-any"}
    )
    router.callback_query.register(
        refresh_groups, Reread.filter(F.what == RefreshKind.GROUPS), flags={"smsc": True}
    )
    router.message.register(add_group, command("addgroup"), flags={"smsc": True})
    router.message.register(rename_group, command("renamegroup"), flags={"smsc": True})
    confirmation.on_confirmed(router, "renamegroup", GroupRename)(rename_group_confirmed)
    router.message.register(delete_group, command("delgroup"), flags={"smsc": True})
    confirmation.on_confirmed(router, "delgroup", GroupDeletion)(delete_group_confirmed)
    choices.on_chosen(router, "renamegroup")(rename_group_chosen)
    choices.on_chosen(router, "delgroup")(
        lambda c: _ask_delete_group(c.message, c.memo, c.copies, c.smsc, c.audit, c.args)
    )
    return own_commands_only(router)
