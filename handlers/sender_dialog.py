"""/addsender's dialog: the operators to register a name with, by buttons, then a supporting
document or none; an e-mail sender address needs no operator and is added at once. The request
is submitted by :mod:`handlers.sender_registration`."""

from __future__ import annotations

from pathlib import PurePath

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import display, sender_copies
from bot.account_copies import AccountCopies
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.replies import edit_or_send
from bot.smsc import OperatorRegistration, SenderDocument, SmscClient
from bot.smsc.senders import DOCUMENT_EXTENSIONS, MAX_DOCUMENT_BYTES
from bot.wording import operator_name
from handlers import confirmation
from handlers import sender_registration as registration
from handlers import senders_args as parse
from handlers.callbacks import OperatorToggle, SenderStep, SenderStepKind, expired
from handlers.dialog_data import dialog_data
from handlers.memo import Memo

# Registrations a button can ask for; the Ukrainian and Belarusian ones need a company's
# details, which the SMSC cabinet collects better than a chat.
BUTTON_OPERATORS = (
    OperatorRegistration.MTS_STEP,
    OperatorRegistration.MEGA_STEP,
    OperatorRegistration.BEE_STEP,
    OperatorRegistration.TELE2_STEP,
    OperatorRegistration.MOTIV_STEP,
    OperatorRegistration.SBER_STEP,
    OperatorRegistration.WINMOB_STEP,
    OperatorRegistration.VOLNAMOB_STEP,
    OperatorRegistration.TELE2,
    OperatorRegistration.MOTIV,
)


class AddSender(StatesGroup):
    operators = State()
    document = State()


def _operators_keyboard(chosen: list[str]) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for operator in BUTTON_OPERATORS:
        mark = "✅ " if operator.value in chosen else ""
        keyboard.button(
            text=mark + operator_name(operator.value) + _paid_suffix(operator),
            callback_data=OperatorToggle(flag=operator.value),
        )
    keyboard.button(text=_("Continue ▶"), callback_data=SenderStep(step=SenderStepKind.NEXT))
    keyboard.button(text=_("Cancel"), callback_data=SenderStep(step=SenderStepKind.CANCEL))
    keyboard.adjust(2)
    return keyboard.as_markup()


def _paid_suffix(operator: OperatorRegistration) -> str:
    return "" if operator.value.endswith("_step") else " " + _("(free name tariff)")


async def add_sender(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    audit: AuditNote,
) -> None:
    args = parse.addsender(command.args)
    audit.target = args.name
    if args.is_email:
        # An e-mail sender address needs no operator: it is added at once.
        sender_id = await smsc.senders.add_mail(args.name, owner=args.comment, user=args.user)
        await sender_copies.sender_added(copies, smsc, sender_id, args.name, user=args.user)
        await message.answer(
            _("✅ E-mail sender address {address} added (id {id}).").format(
                address=display.escaped(args.name), id=sender_id
            )
        )
        return
    audit.result = "dialog started"
    await state.set_state(AddSender.operators)
    await state.set_data(
        registration.Registration(
            name=args.name, comment=args.comment, operators=[], user=args.user
        )
    )
    await message.answer(
        _(
            "Registering the sender name <b>{name}</b>. Choose the operators to register it "
            "with, then press Continue."
        ).format(name=display.escaped(args.name)),
        reply_markup=_operators_keyboard([]),
    )


async def toggle_operator(
    callback: CallbackQuery, callback_data: OperatorToggle, state: FSMContext
) -> None:
    if callback_data.flag not in BUTTON_OPERATORS:
        await expired(callback)
        return
    data = await dialog_data(state, registration.Registration)
    if data is None:
        await expired(callback)
        return
    chosen = data["operators"]
    if callback_data.flag in chosen:
        chosen.remove(callback_data.flag)
    else:
        chosen.append(callback_data.flag)
    await state.set_data(data)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=_operators_keyboard(chosen))


async def cancel_sender(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    await edit_or_send(callback, _("Cancelled. Nothing was sent to SMSC."))


async def ask_for_document(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(AddSender.document)
    await callback.answer()
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=_("Submit without a document"), callback_data=SenderStep(step=SenderStepKind.SUBMIT)
    )
    keyboard.button(text=_("Cancel"), callback_data=SenderStep(step=SenderStepKind.CANCEL))
    keyboard.adjust(1)
    await edit_or_send(
        callback,
        _(
            "Operators may ask for a supporting document (a trademark or domain certificate). "
            "Send it as a file in reply to this message (jpg, tif, pdf, png, zip or rar, up to "
            "3 MB), or submit without one."
        ),
        keyboard.as_markup(),
    )


async def submit_without_document(
    callback: CallbackQuery,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    audit: AuditNote,
    bot: Bot,
    chat_admins: ChatAdmins,
    memo: Memo,
) -> None:
    request = await registration.taken(state)
    if request is None:
        await expired(callback)
        return
    await callback.answer()
    message = callback.message
    if isinstance(message, Message) and await registration.needs_an_administrator(
        request, bot, chat_admins, message.chat, callback.from_user
    ):
        text, keyboard = await confirmation.pending_question(
            message.chat,
            memo,
            smsc,
            audit,
            action="addsender",
            question=registration.question(request),
            target=request["name"],
            args=request,
        )
        await edit_or_send(callback, text, keyboard)
        return
    await edit_or_send(callback, await registration.register(smsc, copies, audit, request, None))


def acceptable_document(message: Message) -> str | None:
    """Why SMSC would refuse the message's document, or None if it would take it."""
    document = message.document
    assert document is not None
    extension = PurePath(document.file_name or "document").suffix.lower().lstrip(".")
    if extension not in DOCUMENT_EXTENSIONS:
        return _("SMSC accepts jpg, tif, pdf, png, zip or rar. Send another file, or /cancel.")
    if (document.file_size or 0) > MAX_DOCUMENT_BYTES:
        return _("The file is larger than 3 MB, the most SMSC accepts. Send a smaller one.")
    return None


async def received_document(message: Message, bot: Bot) -> SenderDocument | None:
    """The document a message carries, checked as SMSC will; None (and why) if refused."""
    refused = acceptable_document(message)
    if refused is not None:
        await message.answer(refused)
        return None
    assert message.document is not None
    return await registration.download(
        bot, message.chat.id, registration.document_of(message.document)
    )


async def submit_with_document(
    message: Message,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    audit: AuditNote,
    chat_admins: ChatAdmins,
    memo: Memo,
) -> None:
    refused = acceptable_document(message)
    if refused is not None:
        await message.answer(refused)
        return
    assert message.document is not None
    request = await registration.taken(state, registration.document_of(message.document))
    if request is None:
        await message.answer(_("This dialog has expired. Start again with /addsender."))
        return
    if await registration.needs_an_administrator(
        request, bot, chat_admins, message.chat, message.from_user, message.sender_chat
    ):
        await confirmation.ask(
            message,
            memo,
            smsc,
            audit,
            action="addsender",
            question=registration.question(request),
            target=request["name"],
            args=request,
        )
        return
    assert request["document"] is not None
    document = await registration.download(bot, message.chat.id, request["document"])
    await message.answer(await registration.register(smsc, copies, audit, request, document))
