"""One tap from a number: a message that is just a phone number or an e-mail address, a shared
contact card, or a forwarded message with one number in it gets a card of what SMSC knows of it,
with buttons for the usual edits (drawn by :mod:`handlers.card_view`). A press does it and
the card shows the result.

In a group the bot answers only what is addressed to it (a reply to it, or a mention): with
Telegram's privacy mode that is all it sees anyway. Unblocking, or changing a block, asks
first, as /unblock does; in a group an administrator confirms.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, Message
from aiogram.utils.i18n import gettext as _
from typing_extensions import TypedDict

from bot import display
from bot.account_copies import AccountCopies
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.replies import edit_or_send
from bot.smsc import BlockType, Contact, SmscClient, SmscError
from bot.smsc.contacts import ContactBook
from handlers import blocks, confirmation
from handlers.blocks import book_for
from handlers.callbacks import expired
from handlers.card_view import CardAct, CardPress, CardTarget, choose_group, contacts_of, describe
from handlers.contact_edits import change_or_ask
from handlers.contacts_args import contact_changes, usage_editcontact
from handlers.dialog_data import dialog_data
from handlers.group_names import groups_of
from handlers.memo import Memo, typed_json
from handlers.phones import looks_like_phone, phone_number
from handlers.readers import Address
from handlers.routing import Magic
from handlers.sentences import smsc_error_sentence

_EMAIL = re.compile(r"^[^@\s,;:]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}$")
# Runs of digits with the separators people put in numbers: candidates in a forwarded text.
_NUMBERISH = re.compile(r"\+?[\d(][\d\s\-().]{5,22}\d")


class EditFromCard(StatesGroup):
    changes = State()


class CardEdit(TypedDict):
    """The card's dialog data: the address whose changes the reply gives."""

    address: str
    is_email: bool


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


def address_in(message: Message, username: str | None, region: str | None) -> Address | None:
    """The one number or address the message is about, if it is about exactly one."""
    if message.contact is not None and message.contact.phone_number:
        number = phone_number(message.contact.phone_number, region)
        return Address(number, False) if number else None
    text = _mention_free(message.text or message.caption or "", username)
    if not text:
        return None
    if _EMAIL.match(text):
        return Address(text, True)
    if looks_like_phone(text):
        number = phone_number(text, region)
        return Address(number, False) if number else None
    if message.forward_origin is not None:
        found = {phone_number(m.group(0), region) for m in _NUMBERISH.finditer(text)}
        found.discard(None)
        if len(found) == 1:
            return Address(found.pop() or "", False)
    return None


async def show_card(
    message: Message, bot: Bot, smsc: SmscClient, copies: AccountCopies, memo: Memo
) -> None:
    # Read again with the account's region: its national forms are known now.
    address = address_in(message, (await bot.me()).username, smsc.endpoint.region)
    assert address is not None  # the filter found one
    target = CardTarget(message.chat.id, address)
    token = await memo.share(target, lambda: typed_json(target))
    text, markup = await describe(smsc, copies, memo, target, token)
    await message.answer(text, reply_markup=markup)


@dataclass(frozen=True, slots=True)
class Press:
    """One press on a card: what it is about and what the handler was given."""

    callback: CallbackQuery
    data: CardPress
    target: CardTarget
    smsc: SmscClient
    copies: AccountCopies
    memo: Memo
    audit: AuditNote

    @property
    def book(self) -> ContactBook:
        return book_for(self.smsc, self.target.address.is_email)


async def card_pressed(
    callback: CallbackQuery,
    callback_data: CardPress,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    state: FSMContext,
    audit: AuditNote,
) -> None:
    target = await memo.recall(callback_data.token, CardTarget)
    message = callback.message
    if target is None or message is None or target.chat_id != message.chat.id:
        await callback.answer(_("This card has expired. Send the number again."), show_alert=True)
        return
    audit.target = target.address.value
    press = Press(callback, callback_data, target, smsc, copies, memo, audit)
    act = callback_data.act
    if act is CardAct.EDIT:
        await _ask_for_changes(press, state)
        return
    if act is CardAct.GROUPS:
        await callback.answer()
        await choose_group(callback, smsc, copies, target, callback_data.token)
        return
    if act is CardAct.REFRESH:
        await callback.answer()
        text, markup = await describe(smsc, copies, memo, target, callback_data.token, refresh=True)
        await edit_or_send(callback, text, markup)
        return
    note = await _WRITES[act](press)
    if note is None:
        return  # asked first, or refused
    await callback.answer()
    await _show_after_write(press, note)


async def _show_after_write(press: Press, note: str) -> None:
    """The card again with what was done: from the copies the write updated. A write that
    happened is said even when the card cannot be drawn again right now."""
    try:
        text, markup = await describe(
            press.smsc,
            press.copies,
            press.memo,
            press.target,
            press.data.token,
            note,
            after_write=True,
        )
    except SmscError as error:
        message = press.callback.message
        chat = message.chat if message is not None else None
        text, markup = note + "\n\n" + smsc_error_sentence(error, chat), None
    await edit_or_send(press.callback, text, markup)


async def _block(press: Press) -> str | None:
    kind = BlockType.MASS if press.data.act is CardAct.BLOCK_MASS else BlockType.ALL
    plan = await blocks.plan_block(press.copies, press.smsc, press.target.address, kind, None)
    if plan.unchanged:
        assert plan.current is not None
        return blocks.already_sentence(plan.current)
    if plan.changes_a_block:
        await _ask(
            press,
            "reblock",
            blocks.change_question(plan),
            plan.change(),
            (_("Change it"), _("Keep it as it is")),
        )
        return None
    entry = await blocks.carry_out(press.copies, press.smsc, plan)
    return _("⛔ Blacklisted: {kind}.").format(kind=blocks.entry_text(entry))


async def _unblock(press: Press) -> str | None:
    # As /unblock does: a question first, answered by the blacklist's confirmation.
    address = press.target.address
    current = await blocks.current_block(press.copies, press.smsc, address)
    await _ask(
        press,
        "unblock",
        blocks.unblock_question(address, current),
        address,
    )
    return None


async def _ask(
    press: Press,
    action: str,
    question: str,
    args: object,
    labels: tuple[str, str] | None = None,
) -> None:
    message = press.callback.message
    assert isinstance(message, Message)
    text, keyboard = await confirmation.pending_question(
        message.chat,
        press.memo,
        press.smsc,
        press.audit,
        action=action,
        question=question,
        target=press.target.address.value,
        args=args,
        labels=labels,
    )
    await press.callback.answer()
    await message.answer(text, reply_markup=keyboard)


async def _add(press: Press) -> str | None:
    address = press.target.address.value
    await press.book.add([address])
    await press.copies.contact_saved(
        press.smsc, Contact(address=address), mail=press.target.address.is_email
    )
    return _("➕ Added to the contacts.")


async def _into_group(press: Press) -> str | None:
    address, group = press.target.address, press.data.group
    if group not in await groups_of(press.copies, press.smsc, press.book):
        # A forged press, or a group deleted since: nothing goes to SMSC.
        await expired(press.callback)
        return None
    known = await contacts_of(press.copies, press.smsc, address, stale_ok=True)
    if not known:
        await press.book.add([address.value], groups=[group])
        contact = Contact(address=address.value, groups=(group,))
    else:
        await press.book.add_to_group(address.value, group)
        contact = known[0].model_copy(update={"groups": (*known[0].groups, group)})
    await press.copies.contact_saved(press.smsc, contact, mail=address.is_email)
    await press.copies.forget(press.smsc, "groups", mail=address.is_email)  # one more in it
    return _("📂 Added to the group.")


_WRITES: dict[CardAct, Callable[[Press], Awaitable[str | None]]] = {
    CardAct.BLOCK_MASS: _block,
    CardAct.BLOCK_ALL: _block,
    CardAct.UNBLOCK: _unblock,
    CardAct.ADD: _add,
    CardAct.INTO_GROUP: _into_group,
}


async def _ask_for_changes(press: Press, state: FSMContext) -> None:
    await press.callback.answer()
    await state.set_state(EditFromCard.changes)
    address = press.target.address
    await state.set_data(CardEdit(address=address.value, is_email=address.is_email))
    message = press.callback.message
    if isinstance(message, Message):
        await message.answer(
            # Escaped whole: "<group>" there is no tag.
            display.escaped(
                _(
                    "Reply with what to change, as field=value: name=… first=… last=… "
                    "birthday=dd.mm.yyyy comment=… tags=… grp=<group>,<group> new=<number>"
                )
            ),
            reply_markup=ForceReply(selective=True),
        )


async def edit_reply(
    message: Message,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    memo: Memo,
    audit: AuditNote,
    bot: Bot,
    chat_admins: ChatAdmins,
) -> None:
    data = await dialog_data(state, CardEdit)
    await state.clear()
    if data is None:
        await message.answer(_("This card has expired. Send the number again."))
        return
    address = Address(data["address"], data["is_email"])
    audit.target = address.value
    changes = contact_changes(
        message.text, address.is_email, usage_editcontact(), smsc.endpoint.region
    )
    await change_or_ask(message, bot, chat_admins, memo, copies, smsc, audit, address, changes)


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(
        edit_reply, StateFilter(EditFromCard.changes), Magic(F.text), flags={"smsc": True}
    )
    # Unblocking, or changing a block, asks first: in a group an administrator says Yes.
    router.callback_query.register(card_pressed, CardPress.filter(), flags={"smsc": True})
    router.message.register(
        show_card,
        Magic(F.contact | (F.text & ~F.text.startswith("/"))),
        AboutOneAddress(),
        flags={"smsc": True},
    )
    return router
