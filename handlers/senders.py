"""Sender names: /senders, /addsender (a dialog with buttons), /delsender, /sendcode, /checkcode."""

from __future__ import annotations

import html
from pathlib import PurePath

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.handler import CallbackType
from aiogram.filters import CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.replies import edit_or_send
from bot.smsc import OperatorRegistration, SenderDocument, SmscClient
from bot.smsc.senders import DOCUMENT_EXTENSIONS, MAX_DOCUMENT_BYTES
from bot.wording import operator_name
from handlers import args as parse
from handlers import confirmation
from handlers import sender_registration as registration
from handlers.callbacks import (
    OperatorToggle,
    Page,
    PageKind,
    Refresh,
    SenderStep,
    SenderStepKind,
    expired,
)
from handlers.confirmation import Confirmed
from handlers.memo import Memo
from handlers.routing import Magic, command, own_commands_only
from handlers.sender_list import list_senders, senders_page, senders_refreshed

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


class EditSender(StatesGroup):
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
    audit: AuditNote,
) -> None:
    args = parse.addsender(command.args)
    audit.target = args.name
    if args.is_email:
        # An e-mail sender address needs no operator: it is added at once.
        sender_id = await smsc.senders.add_mail(args.name, owner=args.comment, user=args.user)
        await message.answer(
            _("✅ E-mail sender address {address} added (id {id}).").format(
                address=html.escape(args.name), id=sender_id
            )
        )
        return
    audit.result = "dialog started"
    await state.set_state(AddSender.operators)
    await state.update_data(name=args.name, comment=args.comment, operators=[], user=args.user)
    await message.answer(
        _(
            "Registering the sender name <b>{name}</b>. Choose the operators to register it "
            "with, then press Continue."
        ).format(name=html.escape(args.name)),
        reply_markup=_operators_keyboard([]),
    )


async def toggle_operator(
    callback: CallbackQuery, callback_data: OperatorToggle, state: FSMContext
) -> None:
    if callback_data.flag not in BUTTON_OPERATORS:
        await expired(callback)
        return
    chosen: list[str] = list((await state.get_data()).get("operators", []))
    if callback_data.flag in chosen:
        chosen.remove(callback_data.flag)
    else:
        chosen.append(callback_data.flag)
    await state.update_data(operators=chosen)
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
    audit: AuditNote,
    bot: Bot,
    chat_admins: ChatAdmins,
    memo: Memo,
) -> None:
    await callback.answer()
    request = await registration.taken(state)
    message = callback.message
    if isinstance(message, Message) and await registration.needs_an_administrator(
        request, bot, chat_admins, message.chat, callback.from_user
    ):
        text, keyboard = confirmation.pending_question(
            message.chat,
            memo,
            smsc,
            audit,
            action="addsender",
            question=registration.question(request),
            target=str(request["name"]),
            args=request,
        )
        await edit_or_send(callback, text, keyboard)
        return
    await edit_or_send(callback, await registration.register(smsc, audit, request, None))


def _acceptable_document(message: Message) -> str | None:
    """Why SMSC would refuse the message's document, or None if it would take it."""
    document = message.document
    assert document is not None
    extension = PurePath(document.file_name or "document").suffix.lower().lstrip(".")
    if extension not in DOCUMENT_EXTENSIONS:
        return _("SMSC accepts jpg, tif, pdf, png, zip or rar. Send another file, or /cancel.")
    if (document.file_size or 0) > MAX_DOCUMENT_BYTES:
        return _("The file is larger than 3 MB, the most SMSC accepts. Send a smaller one.")
    return None


async def _received_document(message: Message, bot: Bot) -> SenderDocument | None:
    """The document a message carries, checked as SMSC will; None (and why) if refused."""
    refused = _acceptable_document(message)
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
    bot: Bot,
    audit: AuditNote,
    chat_admins: ChatAdmins,
    memo: Memo,
) -> None:
    refused = _acceptable_document(message)
    if refused is not None:
        await message.answer(refused)
        return
    assert message.document is not None
    request = await registration.taken(state, registration.document_of(message.document))
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
            target=str(request["name"]),
            args=request,
        )
        return
    document = await registration.download(bot, message.chat.id, request["document"])
    await message.answer(await registration.register(smsc, audit, request, document))


async def edit_sender(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    smsc: SmscClient,
    audit: AuditNote,
) -> None:
    args = parse.editsender(command.args)
    ref = args.sender
    audit.target = ref.shown
    if args.comment is not None:
        await smsc.senders.change(
            name=ref.name, sender_id=ref.sender_id, comment=args.comment, user=ref.user
        )
    await state.set_state(EditSender.document)
    await state.update_data(name=ref.name, sender_id=ref.sender_id, user=ref.user)
    done = (
        _("✅ The comment of {name} is changed.").format(name=f"<b>{html.escape(ref.shown)}</b>")
        if args.comment is not None
        else ""
    )
    await message.answer(
        (done + "\n" if done else "")
        + _(
            "To give the operators a new supporting document for {name}, send it as a file in "
            "reply to this message (jpg, tif, pdf, png, zip or rar, up to 3 MB); /cancel if not."
        ).format(name=f"<b>{html.escape(ref.shown)}</b>")
    )


async def edit_with_document(
    message: Message, state: FSMContext, smsc: SmscClient, bot: Bot, audit: AuditNote
) -> None:
    upload = await _received_document(message, bot)
    if upload is None:
        return
    data = await state.get_data()
    await state.clear()
    shown = data.get("name") or f"id {data.get('sender_id')}"
    audit.target = shown
    await smsc.senders.change(
        name=data.get("name"),
        sender_id=data.get("sender_id"),
        document=upload,
        doc_info=upload.filename,
        user=data.get("user"),
    )
    await message.answer(
        _("📎 The document {file} is attached to {name}; the operators will check it.").format(
            file=html.escape(upload.filename), name=f"<b>{html.escape(shown)}</b>"
        )
    )


async def document_expected(message: Message) -> None:
    await message.answer(
        _("Send the document as a file, press “Submit without a document”, or /cancel.")
    )


async def delete_sender(
    message: Message, command: CommandObject, smsc: SmscClient, memo: Memo, audit: AuditNote
) -> None:
    ref = parse.delsender(command.args)
    shown = ref.name or _("id {id}").format(id=ref.sender_id)
    if ref.user:
        shown = _("{name} of {client}").format(name=shown, client=ref.user)
    await confirmation.ask(
        message,
        memo,
        smsc,
        audit,
        action="delsender",
        question=_("Delete the sender name {name}? Operator registrations are lost.").format(
            name=f"<b>{html.escape(shown)}</b>"
        ),
        target=ref.name or str(ref.sender_id),
        args={"name": ref.name, "sender_id": ref.sender_id, "user": ref.user},
    )


async def delete_sender_confirmed(done: Confirmed) -> str:
    pending, audit, smsc = done.pending, done.audit, done.client
    name, sender_id = pending.args["name"], pending.args["sender_id"]
    audit.target = name or str(sender_id)
    await smsc.senders.delete(name=name, sender_id=sender_id, user=pending.args.get("user"))
    shown = name or _("id {id}").format(id=sender_id)
    return _("🗑 Sender name {name} deleted.").format(name=html.escape(shown))


async def send_code(
    message: Message, command: CommandObject, smsc: SmscClient, audit: AuditNote
) -> None:
    args = parse.sendcode(command.args, smsc.endpoint.region)
    number = args.number
    audit.target = number
    await smsc.senders.send_code(number, site=args.site, site_name=args.site_name, user=args.user)
    await message.answer(
        _(
            "📨 SMSC sent a confirmation code to {number}. When it arrives: "
            "<code>/checkcode {number} CODE</code>"
        ).format(number=html.escape(number))
    )


async def check_code(
    message: Message, command: CommandObject, smsc: SmscClient, audit: AuditNote
) -> None:
    args = parse.checkcode(command.args, smsc.endpoint.region)
    audit.target = args.number
    await smsc.senders.check_code(args.number, args.code, user=args.user)
    await message.answer(
        _("✅ The digital sender name {number} is confirmed.").format(
            number=html.escape(args.number)
        )
    )


def _document_step(router: Router, state: State, handler: CallbackType) -> None:
    """A dialog's document step: the file goes to ``handler``; any other text that is not a
    command is told that a document is expected."""
    router.message.register(handler, StateFilter(state), Magic(F.document), flags={"smsc": True})
    router.message.register(document_expected, StateFilter(state), Magic(~F.text.startswith("/")))


def router() -> Router:
    router = Router(name=__name__)
    router.message.register(list_senders, command("senders"), flags={"smsc": True})
    router.callback_query.register(
        senders_page, Page.filter(F.kind == PageKind.SENDERS), flags={"smsc": "if-any"}
    )
    router.callback_query.register(
        senders_refreshed, Refresh.filter(F.kind == PageKind.SENDERS), flags={"smsc": True}
    )
    router.message.register(add_sender, command("addsender"), flags={"smsc": True})
    router.callback_query.register(
        toggle_operator, StateFilter(AddSender.operators), OperatorToggle.filter()
    )
    router.callback_query.register(
        cancel_sender,
        StateFilter(AddSender.operators, AddSender.document),
        SenderStep.filter(F.step == SenderStepKind.CANCEL),
    )
    router.callback_query.register(
        ask_for_document,
        StateFilter(AddSender.operators),
        SenderStep.filter(F.step == SenderStepKind.NEXT),
    )
    router.callback_query.register(
        submit_without_document,
        StateFilter(AddSender.document),
        SenderStep.filter(F.step == SenderStepKind.SUBMIT),
        flags={"smsc": True},
    )
    _document_step(router, AddSender.document, submit_with_document)
    router.message.register(edit_sender, command("editsender"), flags={"smsc": True})
    _document_step(router, EditSender.document, edit_with_document)
    router.message.register(delete_sender, command("delsender"), flags={"smsc": True})
    confirmation.on_confirmed(router, "delsender")(delete_sender_confirmed)
    confirmation.on_confirmed(router, "addsender")(registration.registration_confirmed)
    router.message.register(send_code, command("sendcode"), flags={"smsc": True})
    router.message.register(check_code, command("checkcode"), flags={"smsc": True})
    return own_commands_only(router)
