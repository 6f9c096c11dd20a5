"""A command sent without what it needs asks for it, a step at a time, instead of answering
with its usage: ``/block`` asks for the number, ``/invoice`` for the sub-client (with a button
for each one the bot has seen) and then the sum, ``/download`` offers the finished exports.

Each answer is the next message (or a button): a wrong one is told what is wrong and asked
again, losing nothing given before; /cancel or the Cancel button ends the dialog. Once every
step is answered the command runs as if it had been typed whole, so its checks, questions and
replies are the command's own.

In a group, Telegram's privacy mode shows the bot only commands and replies to its messages:
a step there asks for a reply (``ForceReply``, aimed at the one who asked by mentioning them),
and only a reply to the bot is taken for an answer, so that talk in the group is left alone.

FSM data is plain JSON (:class:`Asked`): a storage shared by replicas keeps it as it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field
from typing_extensions import TypedDict

from bot import display
from bot.audit import AuditNote
from bot.replies import edit_or_send
from handlers.argument_error import ArgumentError
from handlers.callbacks import expired
from handlers.dialog_data import dialog_data
from handlers.routing import Magic

# Buttons offered at one step at most.
MAX_CHOICES = 10
CANCEL = -1
# In the update's data: the answer came from a button, under the bot's own message.
PRESSED = "asking_pressed"


class Asking(StatesGroup):
    """Which command's arguments are being asked for; the step is how many are given."""

    block = State()
    unblock = State()
    addcontact = State()
    invoice = State()
    getinvoice = State()
    download = State()


class Ask(CallbackData, prefix="ak"):
    pick: Annotated[int, Field(ge=CANCEL, lt=MAX_CHOICES)]


class Asked(TypedDict):
    pieces: list[str]  # the answers so far, in order
    choices: list[str]  # what each button of the last prompt stands for
    labels: list[str]  # and what it says
    prompt: int  # the last prompt's message id: only its buttons count


# The buttons of a step: (label, the answer it gives), from what is given so far and the
# update's data (the chat's client, the account's copies).
Choices = Callable[[int, list[str], dict[str, Any]], Awaitable[list[tuple[str, str]]]]
Finish = Callable[[Message, str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Step:
    prompt: Callable[[], str]
    # Checks one answer as soon as it comes (given the answers before it); the last step's is
    # the command itself.
    check: Callable[[str, list[str]], None] | None = None


@dataclass(frozen=True, slots=True)
class Dialog:
    state: State
    steps: tuple[Step, ...]
    finish: Finish
    choices: Choices | None = None


async def _asked(state: FSMContext) -> Asked:
    """What the dialog asked so far; nothing, when its data is gone or of another shape (left
    by another version of the bot): its buttons then read as expired."""
    return await dialog_data(state, Asked) or {
        "pieces": [],
        "choices": [],
        "labels": [],
        "prompt": 0,
    }


def _is_group(message: Message) -> bool:
    return message.chat.type in ("group", "supergroup")


def _mention(message: Message) -> str:
    user = message.from_user
    if user is None or user.is_bot:
        return ""
    return f'<a href="tg://user?id={user.id}">{display.escaped(user.first_name)}</a>\n'


async def start(
    message: Message,
    state: FSMContext,
    dialog: Dialog,
    given: list[str],
    data: dict[str, Any],
) -> None:
    """Ask for what ``given`` (the command's words so far) lacks. A given word that is wrong
    raises :class:`ArgumentError` as the command would."""
    for index, word in enumerate(given):
        check = dialog.steps[index].check
        if check is not None:
            check(word, given[:index])
    await state.set_state(dialog.state)
    await state.set_data({})  # nothing of another dialog's
    await _ask(message, state, dialog, list(given), data)


async def _ask(
    message: Message,
    state: FSMContext,
    dialog: Dialog,
    pieces: list[str],
    data: dict[str, Any],
    again: tuple[str, Asked] | None = None,
) -> None:
    """Ask for the next piece; ``again``: why the last answer was wrong, and what was asked
    then (its buttons are offered again as they were, at no request)."""
    index = len(pieces)
    problem: str | None = None
    if again is not None:
        problem, before = again
        offered = list(zip(before["labels"], before["choices"], strict=True))
    elif dialog.choices is not None:
        offered = (await dialog.choices(index, pieces, data))[:MAX_CHOICES]
    else:
        offered = []
    text = dialog.steps[index].prompt()
    group = _is_group(message)
    markup: InlineKeyboardMarkup | ForceReply
    if group and not offered:
        # The only way a group member's answer reaches the bot under privacy mode.
        markup = ForceReply(selective=True)
        text = _mention(message) + text + "\n" + _("Reply to this message, or /cancel.")
    else:
        keyboard = InlineKeyboardBuilder()
        for pick, (label, _value) in enumerate(offered):
            keyboard.button(text=label, callback_data=Ask(pick=pick))
        keyboard.adjust(2)
        cancel = Ask(pick=CANCEL).pack()
        keyboard.row(InlineKeyboardButton(text=_("✖ Cancel"), callback_data=cancel))
        markup = keyboard.as_markup()
        if group:
            text = _mention(message) + text + "\n" + _("Press a button or reply to this message.")
    if problem is not None:
        text = problem + "\n\n" + text
    if group and not data.get(PRESSED):
        # Aimed at the one who asked twice over: a reply to their message, and the mention.
        to = ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)
        prompt = await message.answer(text, reply_markup=markup, reply_parameters=to)
    else:
        prompt = await message.answer(text, reply_markup=markup)
    asked: Asked = {
        "pieces": pieces,
        "choices": [value for _label, value in offered],
        "labels": [label for label, _value in offered],
        "prompt": prompt.message_id,
    }
    await state.update_data(asked)


async def _take(
    message: Message, state: FSMContext, dialog: Dialog, answer: str, data: dict[str, Any]
) -> None:
    """One answer: checked, then the next step or the command itself."""
    asked = await _asked(state)
    pieces = list(asked["pieces"])
    step = dialog.steps[len(pieces)]
    try:
        if step.check is not None:
            step.check(answer, pieces)
    except ArgumentError as error:
        await _ask(message, state, dialog, pieces, data, (error.problem, asked))
        return
    pieces.append(answer)
    if len(pieces) < len(dialog.steps):
        await _ask(message, state, dialog, pieces, data)
        return
    # The dialog is over before the command runs: what it does may open another one.
    await state.clear()
    audit: AuditNote | None = data.get("audit")
    if audit is not None:  # the audit log names the command, not "message"
        audit.action = "/" + (dialog.state.state or "").rpartition(":")[2]
    try:
        await dialog.finish(message, " ".join(pieces), data)
    except ArgumentError as error:
        await state.set_state(dialog.state)
        await _ask(message, state, dialog, pieces[:-1], data, (error.problem, asked))


class AnswerTo(Filter):
    """A dialog's answer: any text in a private chat; in a group, a reply to the bot only."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        if not _is_group(message):
            return True
        replied = message.reply_to_message
        if replied is None or replied.from_user is None:
            return False
        return replied.from_user.id == (await bot.me()).id


def register(router: Router, dialog: Dialog) -> None:
    """The dialog's answers, typed or pressed, on the router of its command."""

    async def answered(message: Message, state: FSMContext, **data: Any) -> None:
        assert message.text is not None
        await _take(message, state, dialog, message.text.strip(), data)

    async def picked(
        callback: CallbackQuery, callback_data: Ask, state: FSMContext, **data: Any
    ) -> None:
        message = callback.message
        asked = await _asked(state)
        choices = asked["choices"]
        if (
            not isinstance(message, Message)
            or message.message_id != asked["prompt"]
            or callback_data.pick >= len(choices)
        ):
            await expired(callback)
            return
        await callback.answer()
        with contextlib.suppress(TelegramBadRequest):  # the buttons are gone already
            await message.edit_reply_markup(reply_markup=None)
        # Replies and checks see the one who pressed, as they would see the one who typed.
        as_typed = message.model_copy(update={"from_user": callback.from_user, "sender_chat": None})
        pressed = data | {PRESSED: True}
        await _take(as_typed, state, dialog, choices[callback_data.pick], pressed)

    router.message.register(
        answered,
        StateFilter(dialog.state),
        Magic(F.text & ~F.text.startswith("/")),
        AnswerTo(),
        flags={"smsc": True},
    )
    router.callback_query.register(
        picked, StateFilter(dialog.state), Ask.filter(F.pick >= 0), flags={"smsc": True}
    )


async def cancelled(callback: CallbackQuery, state: FSMContext) -> None:
    """The Cancel button of a dialog's prompt: only the asker's latest prompt has one that
    works."""
    asked = await _asked(state)
    message = callback.message
    if (
        await state.get_state() is None
        or not isinstance(message, Message)
        or asked["prompt"] != message.message_id
    ):
        await expired(callback)
        return
    await state.clear()
    await callback.answer()
    await edit_or_send(callback, _("Cancelled. Nothing was sent to SMSC."))
