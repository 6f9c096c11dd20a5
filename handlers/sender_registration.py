"""Submitting a sender name with its operator registrations, and who may: /addsender's last step.

Registering a name with an operator is paid for: in a group, a request from someone who is
not an administrator waits for an administrator's Yes. Which registrations are free comes
from the provider's own page (``senders.php``): ``sber_step`` registers "a free name", ``tele2``
and ``motiv`` register "on the tariff with free names"; every other flag ("a paid name", and
the Ukrainian and Belarusian tariffs) counts as paid, and so would a flag added later.

The supporting document is not kept while the request waits: only Telegram's file id, and the
file is fetched again when an administrator confirms.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import Chat, Document, User
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from typing_extensions import TypedDict

from bot import display, sender_copies
from bot.account_copies import AccountCopies
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.smsc import OperatorRegistration, SenderDocument, SmscClient
from bot.wording import operator_name
from handlers import confirmation
from handlers.confirmation import Confirmed
from handlers.dialog_data import dialog_data

FREE_REGISTRATIONS = frozenset(
    {OperatorRegistration.SBER_STEP, OperatorRegistration.TELE2, OperatorRegistration.MOTIV}
)

# A comment is shown whole up to this length, so that a Yes approves what it reads; a message
# holds 4,096 characters.
COMMENT_SHOWN = 1500


class SenderFile(TypedDict):
    """A supporting document as Telegram keeps it: fetched again when it is sent."""

    file_id: str
    filename: str
    content_type: str


class Registration(TypedDict):
    """/addsender's dialog data: the name, its comment, the operators' flags chosen so far,
    and the sub-client it is for."""

    name: str
    comment: str | None
    operators: list[str]
    user: str | None


class Request(Registration):
    """A request to register, with its document or None: kept, while an administrator is
    asked, in the pending confirmation."""

    document: SenderFile | None


def charges(operators: Iterable[str]) -> bool:
    return any(OperatorRegistration(flag) not in FREE_REGISTRATIONS for flag in operators)


async def taken(state: FSMContext, document: SenderFile | None = None) -> Request | None:
    """The dialog's request, with the document to send; the dialog is over (a failure later
    must not leave it waiting). None when the dialog's data is gone."""
    data = await dialog_data(state, Registration)
    await state.clear()
    if data is None:
        return None
    return Request(
        name=data["name"],
        comment=data["comment"],
        operators=data["operators"],
        user=data["user"],
        document=document,
    )


async def needs_an_administrator(
    request: Request,
    bot: Bot,
    chat_admins: ChatAdmins,
    chat: Chat,
    user: User | None,
    sender_chat: Chat | None = None,
) -> bool:
    if not charges(request["operators"]):
        return False
    return await confirmation.administrator_must_confirm(bot, chat_admins, chat, user, sender_chat)


def document_of(message_document: Document) -> SenderFile:
    return SenderFile(
        file_id=message_document.file_id,
        filename=message_document.file_name or "document",
        content_type=message_document.mime_type or "application/octet-stream",
    )


async def download(bot: Bot, chat_id: int, document: SenderFile) -> SenderDocument:
    async with ChatActionSender.upload_document(bot=bot, chat_id=chat_id):
        buffer = io.BytesIO()
        await bot.download(document["file_id"], destination=buffer)
    return SenderDocument(
        filename=document["filename"],
        content=buffer.getvalue(),
        content_type=document["content_type"],
    )


def question(request: Request) -> str:
    """The whole request, for the one who presses Yes: who it is for and what it says too."""
    chosen = ", ".join(operator_name(flag) for flag in request["operators"])
    text = _("Register the sender name {name} with {operators}? Operators charge for it.").format(
        name=f"<b>{display.escaped(str(request['name']))}</b>", operators=chosen
    )
    if request["user"]:
        text += "\n" + _("For the sub-client: {user}").format(
            user=f"<b>{display.escaped(str(request['user']))}</b>"
        )
    if request["comment"]:
        text += "\n" + _("Comment: {comment}").format(
            comment=display.shown(request["comment"], COMMENT_SHOWN)
        )
    if request["document"]:
        text += "\n" + _("Document: {file}").format(
            file=display.escaped(request["document"]["filename"])
        )
    return text


async def register(
    smsc: SmscClient,
    copies: AccountCopies,
    audit: AuditNote,
    request: Request,
    document: SenderDocument | None,
) -> str:
    name = request["name"]
    audit.target = name
    operators = [OperatorRegistration(flag) for flag in request["operators"]]
    sender_id = await smsc.senders.add(
        name,
        comment=request["comment"],
        operators=operators,
        document=document,
        doc_info=document.filename if document else None,
        user=request["user"],
    )
    await sender_copies.sender_added(
        copies,
        smsc,
        sender_id,
        name,
        user=request.get("user"),
        operators=tuple(operators),
        document=document.filename if document else None,
    )
    chosen = ", ".join(operator_name(op.value) for op in operators) or _("none")
    return _(
        "✅ Sender name <b>{name}</b> submitted (id {id}). Operators: {operators}. "
        "I can tell you when its status changes: /watch senders on"
    ).format(name=display.escaped(name), id=sender_id, operators=chosen)


async def registration_confirmed(done: Confirmed[Request]) -> str:
    request = done.pending.args
    document = None
    if request["document"]:
        document = await download(done.bot, done.pending.chat_id, request["document"])
    return await register(done.client, done.copies, done.audit, request, document)
