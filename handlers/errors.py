"""Errors are handled once, here: each becomes a sentence a person understands."""

from __future__ import annotations

import contextlib
import logging
import secrets

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import Chat, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from bot import relogin
from bot.shared.tokens import SHARED_STATE_FAILURES
from bot.smsc import (
    SmscError,
)
from handlers.argument_error import ArgumentError
from handlers.sentences import argument_sentence, smsc_error_sentence
from storage import CredentialsUnreadableError, StorageError

log = logging.getLogger(__name__)


async def _tell(event: ErrorEvent, text: str) -> None:
    update = event.update
    with contextlib.suppress(TelegramAPIError):
        if update.message is not None:
            await update.message.answer(text)
        elif update.callback_query is not None:
            callback = update.callback_query
            with contextlib.suppress(TelegramAPIError):
                await callback.answer()
            if isinstance(callback.message, Message):
                await callback.message.answer(text)


async def bad_arguments(event: ErrorEvent) -> None:
    assert isinstance(event.exception, ArgumentError)
    await _tell(event, argument_sentence(event.exception))


def _chat(event: ErrorEvent) -> Chat | None:
    update = event.update
    message = update.message or (update.callback_query.message if update.callback_query else None)
    return message.chat if message else None


async def smsc_failed(event: ErrorEvent) -> None:
    assert isinstance(event.exception, SmscError)
    await _tell(event, "⚠️ " + smsc_error_sentence(event.exception, _chat(event)))


async def credentials_unreadable(event: ErrorEvent) -> None:
    log.error("stored credentials unreadable", extra={"error": str(event.exception)})
    await _tell(event, relogin.credentials_unreadable(_chat(event)))


async def storage_failed(event: ErrorEvent) -> None:
    log.error("storage error", extra={"error": str(event.exception)})
    await _tell(
        event,
        _("⚠️ My database is unavailable right now; nothing was changed. Try again in a moment."),
    )


async def shared_state_failed(event: ErrorEvent) -> None:
    log.error("redis unavailable", extra={"error": str(event.exception)})
    await _tell(
        event,
        _(
            "⚠️ I cannot reach what my replicas share right now; nothing was changed. Try again "
            "in a moment."
        ),
    )


async def telegram_failed(event: ErrorEvent) -> None:
    # The retries in bot.telegram are spent: telling the chat would fail the same way.
    log.error(
        "telegram unavailable; reply not delivered",
        extra={"error": type(event.exception).__name__},
    )


async def unexpected(event: ErrorEvent) -> None:
    reference = secrets.token_hex(4)
    log.error(
        "unhandled error",
        exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
        extra={"reference": reference},
    )
    await _tell(
        event,
        _(
            "⚠️ Something went wrong on my side. Nothing more was done. If it happens again, "
            "give the bot's operator this reference: {reference}"
        ).format(reference=reference),
    )


def router() -> Router:
    router = Router(name=__name__)
    router.error.register(bad_arguments, ExceptionTypeFilter(ArgumentError))
    router.error.register(smsc_failed, ExceptionTypeFilter(SmscError))
    router.error.register(credentials_unreadable, ExceptionTypeFilter(CredentialsUnreadableError))
    router.error.register(storage_failed, ExceptionTypeFilter(StorageError))
    router.error.register(shared_state_failed, ExceptionTypeFilter(*SHARED_STATE_FAILURES))
    router.error.register(telegram_failed, ExceptionTypeFilter(TelegramAPIError))
    router.error.register(unexpected)
    return router
