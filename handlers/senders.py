"""Sender names: /senders (:mod:`handlers.sender_list`), /addsender (a dialog with buttons:
:mod:`handlers.sender_dialog`), /editsender, /delsender, /sendcode, /checkcode."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.handler import CallbackType
from aiogram.filters import CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from typing_extensions import TypedDict

from bot import display, sender_copies
from bot.account_copies import AccountCopies
from bot.audit import AuditNote
from bot.smsc import SmscClient
from handlers import confirmation
from handlers import sender_registration as registration
from handlers import senders_args as parse
from handlers.callbacks import (
    OperatorToggle,
    Page,
    PageKind,
    Refresh,
    SenderStep,
    SenderStepKind,
)
from handlers.confirmation import Confirmed
from handlers.dialog_data import dialog_data
from handlers.memo import Memo
from handlers.routing import Magic, command, own_commands_only
from handlers.sender_dialog import (
    AddSender,
    add_sender,
    ask_for_document,
    cancel_sender,
    received_document,
    submit_with_document,
    submit_without_document,
    toggle_operator,
)
from handlers.sender_list import list_senders, senders_page, senders_refreshed


class EditSender(StatesGroup):
    document = State()


class SenderEdit(TypedDict):
    """/editsender's dialog data: the sender a document is for."""

    name: str | None
    sender_id: int | None
    user: str | None


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
    await state.set_data(SenderEdit(name=ref.name, sender_id=ref.sender_id, user=ref.user))
    done = (
        _("✅ The comment of {name} is changed.").format(
            name=f"<b>{display.escaped(ref.shown)}</b>"
        )
        if args.comment is not None
        else ""
    )
    await message.answer(
        (done + "\n" if done else "")
        + _(
            "To give the operators a new supporting document for {name}, send it as a file in "
            "reply to this message (jpg, tif, pdf, png, zip or rar, up to 3 MB); /cancel if not."
        ).format(name=f"<b>{display.escaped(ref.shown)}</b>")
    )


async def edit_with_document(
    message: Message,
    state: FSMContext,
    smsc: SmscClient,
    copies: AccountCopies,
    bot: Bot,
    audit: AuditNote,
) -> None:
    upload = await received_document(message, bot)
    if upload is None:
        return
    data = await dialog_data(state, SenderEdit)
    await state.clear()
    if data is None:
        await message.answer(_("This dialog has expired. Start again with /editsender."))
        return
    shown = data["name"] or f"id {data['sender_id']}"
    audit.target = shown
    await smsc.senders.change(
        name=data["name"],
        sender_id=data["sender_id"],
        document=upload,
        doc_info=upload.filename,
        user=data["user"],
    )
    await sender_copies.sender_document_added(
        copies,
        smsc,
        upload.filename,
        name=data.get("name"),
        sender_id=data.get("sender_id"),
        user=data.get("user"),
    )
    await message.answer(
        _("📎 The document {file} is attached to {name}; the operators will check it.").format(
            file=display.escaped(upload.filename), name=f"<b>{display.escaped(shown)}</b>"
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
            name=f"<b>{display.escaped(shown)}</b>"
        ),
        target=ref.name or str(ref.sender_id),
        args=ref,
    )


async def delete_sender_confirmed(done: Confirmed[parse.SenderRef]) -> str:
    ref, audit, smsc = done.pending.args, done.audit, done.client
    name, sender_id = ref.name, ref.sender_id
    audit.target = name or str(sender_id)
    await smsc.senders.delete(name=name, sender_id=sender_id, user=ref.user)
    await sender_copies.sender_deleted(
        done.copies, smsc, name=name, sender_id=sender_id, user=ref.user
    )
    shown = name or _("id {id}").format(id=sender_id)
    return _("🗑 Sender name {name} deleted.").format(name=display.escaped(shown))


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
        ).format(number=display.escaped(number))
    )


async def check_code(
    message: Message,
    command: CommandObject,
    smsc: SmscClient,
    copies: AccountCopies,
    audit: AuditNote,
) -> None:
    args = parse.checkcode(command.args, smsc.endpoint.region)
    audit.target = args.number
    await smsc.senders.check_code(args.number, args.code, user=args.user)
    await sender_copies.sender_confirmed(copies, smsc, args.number, user=args.user)
    await message.answer(
        _("✅ The digital sender name {number} is confirmed.").format(
            number=display.escaped(args.number)
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
    confirmation.on_confirmed(router, "delsender", parse.SenderRef)(delete_sender_confirmed)
    confirmation.on_confirmed(router, "addsender", registration.Request)(
        registration.registration_confirmed
    )
    router.message.register(send_code, command("sendcode"), flags={"smsc": True})
    router.message.register(check_code, command("checkcode"), flags={"smsc": True})
    return own_commands_only(router)
