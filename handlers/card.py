"""One tap from a number: a message that is just a phone number or an e-mail address, a shared
contact card, or a forwarded message with one number in it gets a card of what SMSC knows of it,
with buttons for the usual edits. A press does it and the card shows the result.

In a group the bot answers only what is addressed to it (a reply to it, or a mention): with
Telegram's privacy mode that is all it sees anyway. Unblocking is for administrators there.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.memo import Memo
from bot.phones import looks_like_phone, phone_number
from bot.replies import edit_or_send
from bot.smsc import BlacklistEntry, BlockType, Contact, SmscClient
from bot.wording import block_type
from handlers import args as parse
from handlers.blacklist import book_for
from handlers.callbacks import expired
from handlers.contacts import change_or_ask, group_list, groups_changed, groups_of, no_groups
from handlers.paging import FETCHED
from handlers.routing import Magic

_EMAIL = re.compile(r"^[^@\s,;:]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}$")
# Runs of digits with the separators people put in numbers: candidates in a forwarded text.
_NUMBERISH = re.compile(r"\+?[\d(][\d\s\-().]{5,22}\d")


class CardAct(StrEnum):
    BLOCK_MASS = "m"
    BLOCK_ALL = "a"
    UNBLOCK = "u"
    ADD = "c"
    GROUPS = "g"
    INTO_GROUP = "j"
    EDIT = "e"


class CardPress(CallbackData, prefix="cd"):
    act: CardAct
    token: str
    group: int = 0


@dataclass(frozen=True, slots=True)
class CardTarget:
    """What a card is about, behind its buttons' token."""

    chat_id: int
    address: parse.Address


class EditFromCard(StatesGroup):
    changes = State()


class AboutOneAddress(Filter):
    """A message about exactly one number or e-mail address, addressed to the bot: anything in
    a private chat; in a group, a reply to the bot or a message naming it."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        me = await bot.me()
        # Any region's national form will do here; the handler reads it for the account's.
        if all(address_in(message, me.username, region) is None for region in ("ru", "ua")):
            return False
        if message.chat.type == ChatType.PRIVATE:
            return True
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
            return True
        text = (message.text or message.caption or "").casefold()
        return bool(me.username) and f"@{(me.username or '').casefold()}" in text


def _mention_free(text: str, username: str | None) -> str:
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", "", text, flags=re.IGNORECASE)
    return text.strip()


def address_in(message: Message, username: str | None, region: str | None) -> parse.Address | None:
    """The one number or address the message is about, if it is about exactly one."""
    if message.contact is not None and message.contact.phone_number:
        number = phone_number(message.contact.phone_number, region)
        return parse.Address(number, False) if number else None
    text = _mention_free(message.text or message.caption or "", username)
    if not text:
        return None
    if _EMAIL.match(text):
        return parse.Address(text, True)
    if looks_like_phone(text):
        number = phone_number(text, region)
        return parse.Address(number, False) if number else None
    if message.forward_origin is not None:
        found = {phone_number(m.group(0), region) for m in _NUMBERISH.finditer(text)}
        found.discard(None)
        if len(found) == 1:
            return parse.Address(found.pop() or "", False)
    return None


async def describe(
    smsc: SmscClient, memo: Memo, target: CardTarget, token: str, note: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    """The card: the contact SMSC has for the address, its blacklist entry, the buttons."""
    address = target.address
    book = book_for(smsc, address.is_email)
    contacts: list[Contact] = await book.list(address=address.value)
    entry = await _blacklisted(smsc, address)
    shown = f"<code>{html.escape(address.value)}</code>"
    lines = [f"📇 {shown}"]
    if contacts:
        groups = await groups_of(smsc, book, memo)
        for contact in contacts:
            name = contact.name or " ".join(filter(None, (contact.first_name, contact.last_name)))
            line = _("Contact: {name}").format(name=html.escape(name or "—"))
            if contact.groups:
                line += " · " + _("groups {names}").format(names=group_list(contact.groups, groups))
            lines.append(line)
    else:
        lines.append(_("Not in the contacts."))
    if entry is not None:
        comment = f" — {html.escape(entry.comment)}" if entry.comment else ""
        lines.append(_("⛔ Blacklisted for {kind}").format(kind=block_type(entry.type)) + comment)
    else:
        lines.append(_("Not blacklisted."))
    if note:
        lines += ["", note]
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
    if contacts:
        keyboard.button(text=_("✏️ Edit the contact"), callback_data=press(CardAct.EDIT))
    else:
        keyboard.button(text=_("➕ Add to contacts"), callback_data=press(CardAct.ADD))
    keyboard.button(text=_("📂 Add to group…"), callback_data=press(CardAct.GROUPS))
    keyboard.adjust(2)
    return "\n".join(lines), keyboard.as_markup()


async def _blacklisted(smsc: SmscClient, address: parse.Address) -> BlacklistEntry | None:
    # SMSC cannot look one entry up: the newest thousand are read and searched.
    entries = await book_for(smsc, address.is_email).blacklist(count=FETCHED)
    wanted = address.value.lstrip("+").casefold()
    return next((e for e in entries if e.phone.lstrip("+").casefold() == wanted), None)


async def show_card(message: Message, bot: Bot, smsc: SmscClient, memo: Memo) -> None:
    # Read again with the account's region: its national forms are known now.
    address = address_in(message, (await bot.me()).username, smsc.endpoint.region)
    assert address is not None  # the filter found one
    target = CardTarget(message.chat.id, address)
    token = memo.put(target)
    text, markup = await describe(smsc, memo, target, token)
    await message.answer(text, reply_markup=markup)


async def card_pressed(
    callback: CallbackQuery,
    callback_data: CardPress,
    smsc: SmscClient,
    memo: Memo,
    state: FSMContext,
    audit: AuditNote,
) -> None:
    target = memo.get(callback_data.token, CardTarget)
    message = callback.message
    if target is None or message is None or target.chat_id != message.chat.id:
        await callback.answer(_("This card has expired. Send the number again."), show_alert=True)
        return
    address, act = target.address, callback_data.act
    audit.target = address.value
    book = book_for(smsc, address.is_email)
    note = ""
    if act in (CardAct.BLOCK_MASS, CardAct.BLOCK_ALL):
        kind = BlockType.MASS if act is CardAct.BLOCK_MASS else BlockType.ALL
        await book.block(address.value, kind)
        note = _("⛔ Blacklisted for {kind}.").format(kind=block_type(kind))
    elif act is CardAct.UNBLOCK:
        await book.unblock(address.value)
        note = _("✅ Removed from the blacklist.")
    elif act is CardAct.ADD:
        await book.add([address.value])
        note = _("➕ Added to the contacts.")
    elif act is CardAct.GROUPS:
        await callback.answer()
        await _choose_group(callback, smsc, memo, target, callback_data.token)
        return
    elif act is CardAct.INTO_GROUP:
        if callback_data.group not in await groups_of(smsc, book, memo):
            # A forged press, or a group deleted since: nothing goes to SMSC.
            await expired(callback)
            return
        if not await book.list(address=address.value):
            await book.add([address.value], groups=[callback_data.group])
        else:
            await book.add_to_group(address.value, callback_data.group)
        groups_changed(smsc, memo)
        note = _("📂 Added to the group.")
    elif act is CardAct.EDIT:
        await callback.answer()
        await state.set_state(EditFromCard.changes)
        await state.update_data(card=callback_data.token)
        if isinstance(message, Message):
            await message.answer(
                # Escaped whole: "<group>" there is no tag.
                html.escape(
                    _(
                        "Reply with what to change, as field=value: name=… first=… last=… "
                        "birthday=dd.mm.yyyy comment=… tags=… grp=<group>,<group> new=<number>"
                    )
                ),
                reply_markup=ForceReply(selective=True),
            )
        return
    await callback.answer()
    text, markup = await describe(smsc, memo, target, callback_data.token, note)
    await edit_or_send(callback, text, markup)


async def _choose_group(
    callback: CallbackQuery, smsc: SmscClient, memo: Memo, target: CardTarget, token: str
) -> None:
    groups = await groups_of(smsc, book_for(smsc, target.address.is_email), memo)
    if not groups:
        await edit_or_send(callback, no_groups())
        return
    keyboard = InlineKeyboardBuilder()
    for group in list(groups.values())[:30]:
        keyboard.button(
            text=group.name[:30] or str(group.id),
            callback_data=CardPress(act=CardAct.INTO_GROUP, token=token, group=group.id),
        )
    keyboard.adjust(2)
    await edit_or_send(
        callback,
        _("Which group should {address} join?").format(
            address=f"<code>{html.escape(target.address.value)}</code>"
        ),
        keyboard.as_markup(),
    )


async def edit_reply(
    message: Message,
    state: FSMContext,
    smsc: SmscClient,
    memo: Memo,
    audit: AuditNote,
    bot: Bot,
    chat_admins: ChatAdmins,
) -> None:
    data = await state.get_data()
    target = memo.get(str(data.get("card", "")), CardTarget)
    await state.clear()
    if target is None:
        await message.answer(_("This card has expired. Send the number again."))
        return
    audit.target = target.address.value
    changes = parse.contact_changes(
        message.text, target.address.is_email, parse.usage_editcontact(), smsc.endpoint.region
    )
    await change_or_ask(message, bot, chat_admins, memo, smsc, audit, target.address, changes)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(
        edit_reply, StateFilter(EditFromCard.changes), Magic(F.text), flags={"smsc": True}
    )
    router.callback_query.register(
        card_pressed,
        CardPress.filter(F.act != CardAct.UNBLOCK),
        flags={"smsc": True},
    )
    # Unblocking lets messages through again: in a group, administrators only.
    router.callback_query.register(
        card_pressed,
        CardPress.filter(F.act == CardAct.UNBLOCK),
        flags={"smsc": True, "admin": True},
    )
    router.message.register(
        show_card,
        Magic(F.contact | (F.text & ~F.text.startswith("/"))),
        AboutOneAddress(),
        flags={"smsc": True},
    )
    return router
