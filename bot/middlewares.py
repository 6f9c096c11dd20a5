"""Per-update work done once for every handler: logging, audit, admin checks, the SMSC client."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from aiogram.utils.i18n import gettext as _

from bot.accounts import ChatAccounts
from bot.admins import ChatAdmins
from bot.audit import AuditNote
from bot.command_text import command_of
from bot.kept_copies import KeptCopies
from bot.logs import log_context
from bot.relogin import not_connected
from bot.replies import respond
from bot.smsc import SmscApiError
from storage import AuditRepository, ChatRecord, CredentialsUnreadableError, StorageError

log = logging.getLogger("bot.updates")

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def describe(update: Update, known: frozenset[str] = frozenset()) -> str:
    """A short name of what the update asks for, for logs and the audit log.

    Only the bot's own command names are ever written: a word after a slash may be someone's
    password (a secret typed into the login dialog can start with one).
    """
    message = update.message or update.edited_message
    if message is not None:
        prefix = "edited " if update.edited_message is not None else ""
        command = command_of(message.text or message.caption)
        if command is not None:
            return prefix + (f"/{command.name}" if command.name in known else "/(unknown)")
        return prefix + ("document" if message.document else "message")
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        prefix, _, rest = data.partition(":")
        action = rest.split(":")[0] if prefix == "cf" else ""
        return f"button:{prefix}" + (f":{action}" if action else "")
    return update.event_type


class EventLogMiddleware(BaseMiddleware):
    """One log line per update (chat, user, command, outcome, duration, SMSC calls), and a
    count of updates in flight so that shutdown can wait for them before closing storage."""

    def __init__(self, known_commands: frozenset[str] = frozenset()) -> None:
        self.known_commands = known_commands
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def drained(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        calls: list[str] = []
        started = time.perf_counter()
        outcome = "ok"
        self.in_flight += 1
        self._idle.clear()
        # Named once here; the audit middleware records the same name.
        data["update_name"] = name = describe(event, self.known_commands)
        with log_context(
            update_id=event.update_id,
            chat_id=chat.id if chat else None,
            user_id=user.id if user else None,
            command=name,
            _smsc_calls=calls,
        ):
            try:
                result = await handler(event, data)
                if result is UNHANDLED:
                    outcome = "unhandled"
                return result
            except Exception as error:
                outcome = _outcome(error)
                raise
            finally:
                log.info(
                    "update",
                    extra={
                        "outcome": outcome,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "smsc_calls": calls,
                    },
                )
                self.in_flight -= 1
                if not self.in_flight:
                    self._idle.set()


def _outcome(error: BaseException) -> str:
    if isinstance(error, SmscApiError):
        return f"smsc error {error.code}"
    return f"error {type(error).__name__}"


# Where the chat's record read for the update's language waits for the handler's middlewares.
_RECORD = "chat_record"


def _alone(chat: Chat) -> bool:
    """Whether nobody else can change the chat's credentials between the record's read and the
    handler: in a private chat only its one person can (with replicas their updates take turns;
    in one process two of their own at once race as they always did). In a group another
    administrator's /logout may land meanwhile (filters and the administrator check can wait on
    Telegram), so credentials are read again right before the handler."""
    return chat.type == "private"


class ChatLocaleMiddleware(I18nMiddleware):
    """The chat's chosen language (/lang), else the user's Telegram language, else English."""

    def __init__(self, i18n: I18n, accounts: ChatAccounts) -> None:
        super().__init__(i18n)
        self.accounts = accounts

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        chat: Chat | None = data.get("event_chat")
        if chat is not None:
            try:
                record = await self.accounts.record(chat.id)
            except StorageError:
                # The database is down (PostgreSQL restarting): the chat still hears so, in
                # its user's language; this runs again for the error that tells it.
                settings = None
            else:
                # Its credentials, read with the settings, are opened only by a handler that
                # needs them (:class:`SmscClientMiddleware`).
                data[_RECORD] = record
                settings = record.settings
            if settings is not None and settings.language in self.i18n.available_locales:
                return settings.language
        user: User | None = data.get("event_from_user")
        code = ((user.language_code if user else None) or "").split("-")[0].lower()
        return code if code in self.i18n.available_locales else self.i18n.default_locale


class CopyChangesMiddleware(BaseMiddleware):
    """The kept copies' changes a handler makes are saved beside its reply, and by the time it
    is done (:meth:`bot.kept_copies.KeptCopies.beside_the_reply`)."""

    def __init__(self, copies: KeptCopies) -> None:
        self.copies = copies

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.copies.beside_the_reply():
            return await handler(event, data)


class AuditMiddleware(BaseMiddleware):
    """Writes who did what in which chat once the handler is done, whatever the outcome."""

    def __init__(self, audit: AuditRepository) -> None:
        self.audit = audit

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        if chat is None:
            return await handler(event, data)
        note = AuditNote(
            chat_id=chat.id,
            user_id=user.id if user else None,
            action=data.get("update_name") or type(event).__name__,
        )
        data["audit"] = note
        result = "ok"
        try:
            return await handler(event, data)
        except Exception as error:
            result = _outcome(error)
            raise
        finally:
            try:
                await self.audit.record(
                    note.chat_id, note.user_id, note.action, note.result or result, note.target
                )
            except Exception:
                log.exception("could not write the audit log")


class AdminOnlyMiddleware(BaseMiddleware):
    """Handlers flagged ``admin`` run in groups only for the chat's administrators."""

    def __init__(self, admins: ChatAdmins) -> None:
        self.admins = admins

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not get_flag(data, "admin"):
            return await handler(event, data)
        bot: Bot = data["bot"]
        sender_chat = event.sender_chat if isinstance(event, Message) else None
        if await self.admins.allowed(
            bot, data.get("event_chat"), data.get("event_from_user"), sender_chat=sender_chat
        ):
            return await handler(event, data)
        note: AuditNote | None = data.get("audit")
        if note is not None:
            note.result = "denied: not an administrator"
        await respond(
            event,
            _("Only administrators of this chat can do that."),
            alert=isinstance(event, CallbackQuery),
        )
        return None


# The chat an update is handled for and the SMSC account (its key) its client reads, while a
# handler flagged ``smsc`` runs with one: what it shows can be bound to both, and checked by a
# later press without every handler passing them along (handlers.paging).
_serving: ContextVar[tuple[int, str] | None] = ContextVar("smsc_bot_serving", default=None)


def serving() -> tuple[int, str] | None:
    """(chat id, account key) of the client handed to the running handler; None without one."""
    return _serving.get()


class SmscClientMiddleware(BaseMiddleware):
    """Handlers flagged ``smsc`` receive the chat's ready client as ``smsc`` and ``account``.

    Credentials are loaded and decrypted here, per update; handlers never see the database.
    Flagged ``smsc="optional"`` (``/logout``, ``/watch … off``), a handler also runs when the
    stored credentials cannot be decrypted, with ``smsc`` and ``account`` None: wiping or
    silencing a chat must not need its secret. Flagged ``smsc="if-any"`` (page buttons), it
    runs with None as well when the chat has no credentials, and says nothing of them.
    """

    def __init__(self, accounts: ChatAccounts) -> None:
        self.accounts = accounts

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        wanted = get_flag(data, "smsc")
        if not wanted:
            return await handler(event, data)
        chat: Chat | None = data.get("event_chat")
        record: ChatRecord | None = data.get(_RECORD)
        try:
            if chat is None:
                stored = None
            elif record is not None and record.settings.chat_id == chat.id and _alone(chat):
                stored = record.credentials.open()
            else:
                stored = await self.accounts.stored(chat.id)
        except CredentialsUnreadableError:
            if wanted not in ("optional", "if-any"):
                raise
            data["account"] = data["smsc"] = None
            return await handler(event, data)
        if stored is None and wanted == "if-any":
            data["account"] = data["smsc"] = None
            return await handler(event, data)
        if stored is None:
            note: AuditNote | None = data.get("audit")
            if note is not None:
                note.result = "not logged in"
            await respond(event, not_connected(chat))
            return None
        data["account"] = stored
        data["smsc"] = client = self.accounts.client(stored)
        assert chat is not None
        token = _serving.set((chat.id, client.account.key))
        try:
            return await handler(event, data)
        finally:
            _serving.reset(token)
