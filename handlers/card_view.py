"""What a card shows (:mod:`handlers.card`): what SMSC knows of one number or e-mail address,
its contacts with their groups and its blacklist entry, with a button for each usual edit; and
the groups it may join."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import display
from bot.account_copies import AccountCopies, holds_address
from bot.replies import edit_or_send
from bot.smsc import BlacklistEntry, BlockType, Contact, SmscClient
from handlers import blocks
from handlers.blocks import book_for
from handlers.group_names import group_list, groups_of, no_groups
from handlers.memo import Memo
from handlers.readers import Address


class CardAct(StrEnum):
    BLOCK_MASS = "m"
    BLOCK_ALL = "a"
    UNBLOCK = "u"
    ADD = "c"
    GROUPS = "g"
    INTO_GROUP = "j"
    EDIT = "e"
    REFRESH = "r"


class CardPress(CallbackData, prefix="cd"):
    act: CardAct
    token: str
    group: int = 0


@dataclass(frozen=True, slots=True)
class CardTarget:
    """What a card is about, behind its buttons' token."""

    chat_id: int
    address: Address


async def describe(
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    target: CardTarget,
    token: str,
    note: str = "",
    *,
    after_write: bool = False,
    refresh: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """The card: the contact SMSC has for the address, its blacklist entry, the buttons.

    Read from the account's kept copies; ``after_write`` takes them however old they are, so
    that the card after a write shows the write, not a read SMSC might refuse.
    """
    address = target.address
    contacts = await contacts_of(copies, smsc, address, stale_ok=after_write, refresh=refresh)
    entry = await blocks.current_block(copies, smsc, address, stale_ok=after_write, refresh=refresh)
    lines = [f"📇 {blocks.code(address.value)}"]
    if contacts:
        book = book_for(smsc, address.is_email)
        groups = await groups_of(copies, smsc, book, stale_ok=after_write)
        for contact in contacts:
            name = contact.name or " ".join(filter(None, (contact.first_name, contact.last_name)))
            line = _("Contact: {name}").format(name=display.shown(name or "—", display.NAME))
            if contact.groups:
                line += " · " + _("groups {names}").format(names=group_list(contact.groups, groups))
            lines.append(line)
    else:
        lines.append(_("Not in the contacts."))
    if entry is not None:
        lines.append(_("⛔ Blacklisted: {kind}").format(kind=blocks.entry_text(entry)))
    else:
        lines.append(_("Not blacklisted."))
    if note:
        lines += ["", note]
    return "\n".join(lines), _buttons(token, entry, bool(contacts))


def _buttons(token: str, entry: BlacklistEntry | None, known: bool) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()

    def press(act: CardAct) -> CardPress:
        return CardPress(act=act, token=token)

    if entry is None or entry.type != BlockType.MASS:
        keyboard.button(
            text=_("⛔ Block for mass mailings"), callback_data=press(CardAct.BLOCK_MASS)
        )
    if entry is None or entry.type != BlockType.ALL:
        keyboard.button(text=_("⛔ Block all"), callback_data=press(CardAct.BLOCK_ALL))
    if entry is not None:
        keyboard.button(text=_("✅ Unblock"), callback_data=press(CardAct.UNBLOCK))
    if known:
        keyboard.button(text=_("✏️ Edit the contact"), callback_data=press(CardAct.EDIT))
    else:
        keyboard.button(text=_("➕ Add to contacts"), callback_data=press(CardAct.ADD))
    keyboard.button(text=_("📂 Add to group…"), callback_data=press(CardAct.GROUPS))
    keyboard.button(text=_("🔄 Refresh"), callback_data=press(CardAct.REFRESH))
    keyboard.adjust(2)
    return keyboard.as_markup()


async def contacts_of(
    copies: AccountCopies,
    smsc: SmscClient,
    address: Address,
    *,
    stale_ok: bool = False,
    refresh: bool = False,
) -> list[Contact]:
    """The address's contacts: from the kept address book when it is whole, else looked up."""
    kept = await copies.contacts(smsc, mail=address.is_email, stale_ok=stale_ok, refresh=refresh)
    if kept.complete:
        return [c for c in kept.records if holds_address(c, address.value)]
    return await book_for(smsc, address.is_email).list(address=address.value)


async def choose_group(
    callback: CallbackQuery,
    smsc: SmscClient,
    copies: AccountCopies,
    target: CardTarget,
    token: str,
) -> None:
    groups = await groups_of(copies, smsc, book_for(smsc, target.address.is_email))
    if not groups:
        await edit_or_send(callback, no_groups())
        return
    keyboard = InlineKeyboardBuilder()
    for group in list(groups.values())[:30]:
        keyboard.button(
            text=display.clip(group.name, 30) or str(group.id),
            callback_data=CardPress(act=CardAct.INTO_GROUP, token=token, group=group.id),
        )
    keyboard.adjust(2)
    await edit_or_send(
        callback,
        _("Which group should {address} join?").format(
            address=f"<code>{display.escaped(target.address.value)}</code>"
        ),
        keyboard.as_markup(),
    )
