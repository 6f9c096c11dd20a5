"""Destructive actions ask first; a stale, foreign or repeated press does nothing harmful.

Some actions ask only in a group, and only someone who is not its administrator: what costs
money or changes what the whole team relies on (an invoice, a paid sender name registration,
a contact's number, a group's name). There anyone may ask, and an administrator presses Yes.

Whoever presses Yes in a group is asked about afresh, not from the minute-long memory of who is
an administrator: someone demoted a moment ago must not confirm an invoice or a logout.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Chat, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.smsc import (
    AddressBlockedError,
    ClientRateLimitError,
    FailuresHeldError,
    LimiterUnavailableError,
    SmscApiError,
    SmscClient,
    SmscConnectionError,
    SmscValidationError,
)
from handlers.callbacks import Confirm
from handlers.memo import Memo, PendingAction
from handlers.update_data import UpdateServices, named
from storage import StorageError

A = TypeVar("A")

# Failures after which the action certainly did not happen: the database refused the write
# (rolled back), or SMSC refused the request or never got it. Yes may be pressed again. After
# a timeout or an unreadable answer SMSC may have done it, and a second Yes could do it twice.
NOTHING_DONE = (
    StorageError,
    SmscApiError,
    ClientRateLimitError,
    AddressBlockedError,
    FailuresHeldError,
    LimiterUnavailableError,
    SmscConnectionError,
    SmscValidationError,
)


def account_of(smsc: SmscClient | None) -> str:
    """The account a confirmation belongs to (its credentials, secret included: a new
    password is a new account); "" for a chat whose credentials are unreadable."""
    return smsc.account.key if smsc is not None else ""


async def ask(
    message: Message,
    memo: Memo,
    smsc: SmscClient | None,
    audit: AuditNote,
    *,
    action: str,
    question: str,
    target: str | None = None,
    args: object = None,
    labels: tuple[str, str] | None = None,
) -> None:
    text, keyboard = await pending_question(
        message.chat,
        memo,
        smsc,
        audit,
        action=action,
        question=question,
        target=target,
        args=args,
        labels=labels,
    )
    await message.answer(text, reply_markup=keyboard)


async def pending_question(
    chat: Chat,
    memo: Memo,
    smsc: SmscClient | None,
    audit: AuditNote,
    *,
    action: str,
    question: str,
    target: str | None = None,
    args: object = None,
    labels: tuple[str, str] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The question and its Yes/Cancel buttons (or ``labels`` for them), with the action
    waiting behind them: for a question that replaces a message rather than answers one.
    ``args`` is what the action needs, of the type its :func:`on_confirmed` names."""
    audit.target = target
    audit.result = "asked for confirmation"
    token = await memo.ask(
        PendingAction(chat_id=chat.id, action=action, account=account_of(smsc), args=args)
    )
    yes, no = labels or (_("Yes, do it"), _("Cancel"))
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=yes, callback_data=Confirm(action=action, token=token, yes=True))
    keyboard.button(text=no, callback_data=Confirm(action=action, token=token, yes=False))
    hint = ""
    if chat.type != ChatType.PRIVATE:
        hint = "\n" + _("An administrator of this chat must confirm.")
    return question + hint, keyboard.as_markup()


async def asked_an_administrator(
    message: Message,
    bot: Bot,
    chat_admins: ChatAdmins,
    memo: Memo,
    smsc: SmscClient | None,
    audit: AuditNote,
    *,
    action: str,
    question: str,
    target: str | None = None,
    args: object = None,
) -> bool:
    """Asks as :func:`ask` does when an administrator must confirm (see below); False, having
    asked nothing, when the one asking may go ahead."""
    if not await administrator_must_confirm(
        bot, chat_admins, message.chat, message.from_user, message.sender_chat
    ):
        return False
    await ask(
        message, memo, smsc, audit, action=action, question=question, target=target, args=args
    )
    return True


async def administrator_must_confirm(
    bot: Bot, chat_admins: ChatAdmins, chat: Chat, user: User | None, sender_chat: Chat | None
) -> bool:
    """In a group, whether the one asking is not an administrator: then an administrator must
    press Yes first. Never in a private chat; a failed check counts as "not an administrator"."""
    if chat.type == ChatType.PRIVATE:
        return False
    return not await chat_admins.allowed(bot, chat, user, sender_chat=sender_chat)


async def claim(
    callback: CallbackQuery,
    data: Confirm,
    memo: Memo,
    smsc: SmscClient | None,
    args: type[A],
) -> PendingAction[A] | None:
    """The pending action if this press should carry it out; otherwise answer why not."""
    pending = await memo.pending(data.token, data.action, args)
    message = callback.message
    chat_id = message.chat.id if message is not None else None
    if pending is None or pending.action != data.action:
        await _close(callback, _("This button has expired. Run the command again."))
        return None
    if pending.chat_id != chat_id:
        await callback.answer(_("This button belongs to another chat."), show_alert=True)
        return None
    if pending.account != account_of(smsc):
        await memo.take(data.token)
        await _close(
            callback,
            _("The chat's SMSC account changed since this was asked. Run the command again."),
        )
        return None
    # Single use: a second press, even a simultaneous one on another replica, finds nothing.
    if not await memo.take(data.token):
        await _close(callback, _("This button has expired. Run the command again."))
        return None
    if not data.yes:
        await _close(callback, _("Cancelled. Nothing was changed."))
        return None
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer()
    return pending


async def _close(callback: CallbackQuery, text: str) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer()
    if isinstance(callback.message, Message):
        try:
            await callback.message.edit_text(text)
        except TelegramBadRequest:
            await callback.message.answer(text)


@dataclass(frozen=True, slots=True)
class Confirmed(UpdateServices, Generic[A]):
    """What a confirmed action gets: the request, the chat's client, the audit note, and the
    rest of the update's data (typed: ``bot``, ``copies``, ``accounts``)."""

    pending: PendingAction[A]
    smsc: SmscClient | None
    audit: AuditNote
    memo: Memo
    data: dict[str, Any]

    @property
    def client(self) -> SmscClient:
        # Registered with needs_client (the default), the middleware always hands one over.
        assert self.smsc is not None
        return self.smsc


# Carries out a confirmed action; returns the sentence that replaces the question.
Perform = Callable[[Confirmed[A]], Awaitable[str]]


def on_confirmed(
    router: Router, action: str, args: type[A], *, needs_client: bool = True
) -> Callable[[Perform[A]], Perform[A]]:
    """Register what an administrator's "Yes" for ``action`` does, behind every check: it
    gets the action's ``args`` as asked (of that type) and returns the sentence that replaces
    the question.

    ``needs_client`` False lets it run for a chat whose credentials cannot be decrypted.
    """

    def register(perform: Perform[A]) -> Perform[A]:
        async def confirmed(
            callback: CallbackQuery,
            callback_data: Confirm,
            smsc: SmscClient | None,
            memo: Memo,
            audit: AuditNote,
            **data: Any,
        ) -> None:
            if callback_data.yes and not await _still_an_administrator(callback, data):
                audit.result = "denied: not an administrator"
                await callback.answer(
                    _("Only administrators of this chat can do that."), show_alert=True
                )
                return
            pending = await claim(callback, callback_data, memo, smsc, args)
            if pending is None:
                audit.result = "not confirmed"
                return
            try:
                outcome = await perform(Confirmed(pending, smsc, audit, memo, data))
            except NOTHING_DONE:
                # The question and its buttons stay, and so does what they confirm: the error
                # router says what failed, and Yes works again once the cause is gone.
                await memo.give_back(callback_data.token, pending)
                raise
            await done(callback, outcome)

        router.callback_query.register(
            confirmed,
            Confirm.filter(F.action == action),
            flags={"smsc": True if needs_client else "optional", "admin": True},
        )
        return perform

    return register


async def _still_an_administrator(callback: CallbackQuery, data: dict[str, Any]) -> bool:
    chat_admins = named(data, "chat_admins", ChatAdmins)
    chat = callback.message.chat if callback.message is not None else None
    return await chat_admins.allowed(named(data, "bot", Bot), chat, callback.from_user, fresh=True)


async def done(callback: CallbackQuery, text: str) -> None:
    """Replace the question with the outcome, so the buttons cannot be pressed again."""
    if isinstance(callback.message, Message):
        try:
            await callback.message.edit_text(text)
            return
        except TelegramBadRequest:
            pass
        await callback.message.answer(text)
