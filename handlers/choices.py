"""Buttons for a command that reads more than one way: one per reading, each carrying out
exactly that reading when pressed.

``/block +44 20 7946 0958 12`` may block +442079460958 with the comment 12, or
+44207946095812; ``/movecontact 79990007766 VIP`` may mean either of two groups called VIP.
Neither is guessed: the person is asked. (A command that takes a set number of words after a
number, /unblock or /checkcode, has one reading however the number is spaced.) The readings
wait behind a short token in the Memo, as confirmations do, and only the one who asked can
press, once, in the same chat, on the same SMSC account, while the token lives; any other press
reads as expired and does nothing. A press whose action certainly did nothing (SMSC refused it,
the database failed) leaves the readings as they were, to be pressed again, as a confirmation
does (:mod:`handlers.confirmation`); otherwise the question is replaced by the reading chosen.

A command's handler reads its arguments and hands them to :func:`one_of`; with one reading it
goes on, with several it stops (the question is asked). :func:`on_chosen` registers what a
pressed reading does: the same as the handler, answered through the command's own message, so
that replies, confirmations and administrator checks see the one who asked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from bot import display
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.replies import edit_or_send
from bot.smsc import BlockType, SmscClient
from bot.wording import block_type
from handlers.blacklist_args import BlockArgs
from handlers.callbacks import expired
from handlers.confirmation import NOTHING_DONE, account_of
from handlers.contacts_args import AddContactArgs, GroupMove, MoveContactArgs
from handlers.memo import Memo
from handlers.readers import Address
from handlers.update_data import UpdateServices

T = TypeVar("T")

# Readings offered at most: more would not be a question a person can answer.
MAX_OPTIONS = 10
CANCEL = -1
# Telegram shows about this much of a button's text on a phone.
LABEL_LIMIT = 60


class Choice(CallbackData, prefix="rd"):
    action: str
    token: str  # the memo token of the offered readings
    pick: Annotated[int, Field(ge=CANCEL, lt=MAX_OPTIONS)]


@dataclass(frozen=True, slots=True)
class Offered:
    """Readings waiting for a press, and the command they were read from."""

    chat_id: int
    requested_by: int | None  # None: an anonymous administrator, writing as the group
    account: str
    action: str
    labels: tuple[str, ...]
    options: tuple[Any, ...]
    message: Message


@dataclass(frozen=True, slots=True)
class Chosen(UpdateServices):
    """A pressed reading: the command's message, the reading, and the update's data (typed:
    ``bot``, ``copies``, ``chat_admins``)."""

    message: Message
    args: Any
    smsc: SmscClient
    memo: Memo
    audit: AuditNote
    data: dict[str, Any]


def label(text: str) -> str:
    text = display.plain(text)
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def _asked_by(message: Message) -> int | None:
    anonymous = message.sender_chat is not None and message.sender_chat.id == message.chat.id
    return None if anonymous or message.from_user is None else message.from_user.id


async def offer(
    message: Message,
    memo: Memo,
    smsc: SmscClient,
    *,
    action: str,
    question: str,
    options: Sequence[tuple[str, Any]],
) -> None:
    """Ask ``question`` with a button for each (label, arguments) in ``options``."""
    options = options[:MAX_OPTIONS]
    labels = tuple(label(text) for text, _args in options)
    token = memo.put(
        Offered(
            chat_id=message.chat.id,
            requested_by=_asked_by(message),
            account=account_of(smsc),
            action=action,
            labels=labels,
            options=tuple(args for _text, args in options),
            message=message,
        )
    )
    keyboard = InlineKeyboardBuilder()
    for pick, text in enumerate(labels):
        keyboard.button(text=text, callback_data=Choice(action=action, token=token, pick=pick))
    keyboard.button(text=_("Cancel"), callback_data=Choice(action=action, token=token, pick=CANCEL))
    keyboard.adjust(1)
    await message.answer(question, reply_markup=keyboard.as_markup())


async def one_of(
    message: Message,
    memo: Memo,
    smsc: SmscClient,
    action: str,
    readings: Sequence[T],
    describe: Callable[[T], str],
) -> T | None:
    """The one reading; with several, None, having asked which was meant."""
    if len(readings) == 1:
        return readings[0]
    await offer(
        message,
        memo,
        smsc,
        action=action,
        question=_("This reads more than one way. Which did you mean?"),
        options=[(describe(reading), reading) for reading in readings],
    )
    return None


async def _by_the_asker(
    offered: Offered, callback: CallbackQuery, bot: Bot, chat_admins: ChatAdmins
) -> bool:
    if offered.requested_by is not None:
        return callback.from_user.id == offered.requested_by
    # Asked as the group: any of its administrators may answer.
    chat = callback.message.chat if callback.message is not None else None
    return await chat_admins.allowed(bot, chat, callback.from_user)


async def _claim(
    callback: CallbackQuery,
    data: Choice,
    memo: Memo,
    smsc: SmscClient,
    bot: Bot,
    chat_admins: ChatAdmins,
) -> Offered | None:
    """The offered readings if this press may choose one; None, having said so, otherwise."""
    offered = memo.get(data.token, Offered)
    message = callback.message
    if (
        offered is None
        or offered.action != data.action
        or message is None
        or offered.chat_id != message.chat.id
        or offered.account != account_of(smsc)
        or data.pick >= len(offered.options)
        or not await _by_the_asker(offered, callback, bot, chat_admins)
        # Single use: a second press, even a simultaneous one, finds nothing.
        or memo.pop(data.token, Offered) is None
    ):
        await expired(callback)
        return None
    return offered


Perform = Callable[[Chosen], Awaitable[None]]


def on_chosen(router: Router, action: str) -> Callable[[Perform], Perform]:
    """Register what pressing one of ``action``'s readings does."""

    def register(perform: Perform) -> Perform:
        async def chosen(
            callback: CallbackQuery,
            callback_data: Choice,
            smsc: SmscClient,
            memo: Memo,
            audit: AuditNote,
            bot: Bot,
            chat_admins: ChatAdmins,
            **data: Any,
        ) -> None:
            offered = await _claim(callback, callback_data, memo, smsc, bot, chat_admins)
            if offered is None:
                audit.result = "expired choice"
                return
            audit.action = f"/{action}"
            with contextlib.suppress(TelegramBadRequest):
                await callback.answer()
            if callback_data.pick == CANCEL:
                await edit_or_send(callback, _("Cancelled. Nothing was changed."))
                return
            data.update(bot=bot, chat_admins=chat_admins)
            args = offered.options[callback_data.pick]
            picked = "👉 " + display.escaped(offered.labels[callback_data.pick])
            try:
                await perform(Chosen(offered.message.as_(bot), args, smsc, memo, audit, data))
            except NOTHING_DONE:
                # Nothing was done: the readings stay, buttons and all, and pressing one works
                # again once the cause is gone (the error router says what failed).
                memo.put_back(callback_data.token, offered)
                raise
            except Exception:
                # It may have been done: the reading is used up, and says which it was.
                await edit_or_send(callback, picked)
                raise
            await edit_or_send(callback, picked)

        router.callback_query.register(
            chosen, Choice.filter(F.action == action), flags={"smsc": True}
        )
        return perform

    return register


# -- the readings' words -----------------------------------------------------------------


def _shown(address: Address) -> str:
    return address.value if address.is_email else f"+{address.value}"


def block_reading(args: BlockArgs) -> str:
    if args.block_type == BlockType.ALL:
        text = _("Block {address}").format(address=_shown(args.address))
    else:
        text = _("Block {address}: {kind}").format(
            address=_shown(args.address), kind=block_type(args.block_type)
        )
    if args.comment:
        text += ", " + _("comment {comment}").format(comment=args.comment)
    return text


def addcontact_reading(args: AddContactArgs) -> str:
    shown = ", ".join(f"+{a}" if not args.is_email else a for a in args.addresses)
    text = _("Add {address}").format(address=shown)
    if args.name:
        text += ", " + _("name {name}").format(name=args.name)
    return text


def movecontact_reading(args: MoveContactArgs) -> str:
    address = _shown(args.contact)
    if args.group is None:
        return _("Choose a group for {address}").format(address=address)
    words = {
        GroupMove.MOVE: _("Move {address} to the group {group}"),
        GroupMove.ADD: _("Add {address} to the group {group}"),
        GroupMove.REMOVE: _("Remove {address} from the group {group}"),
    }
    return words[args.mode].format(address=address, group=args.group)
