"""What an error means, in a sentence a person understands: for the error router and for the
handlers that say what went wrong themselves (a login, a card after a write)."""

from __future__ import annotations

import math

from aiogram.types import Chat
from aiogram.utils.i18n import gettext as _

from bot import display, relogin
from bot.smsc import (
    AddressBlockedError,
    ClientRateLimitError,
    CredentialsRejectedError,
    FailuresHeldError,
    LimiterUnavailableError,
    SmscApiError,
    SmscBadResponseError,
    SmscConnectionError,
    SmscError,
    SmscHttpError,
    SmscTimeoutError,
    SmscValidationError,
)
from handlers.argument_error import ArgumentError
from handlers.durations import minutes_phrase, seconds_phrase


def _address_blocked(seconds: int | None) -> str:
    if seconds is None:
        return _("SMSC has blocked this server's address for a while; try again later")
    return _("SMSC has blocked this server's address for a while; try again in {wait}").format(
        wait=minutes_phrase(max(1, math.ceil(seconds / 60)))
    )


def _api_error_sentence(error: SmscApiError) -> str:
    """An error SMSC answered with, by its documented code."""
    sentences = {
        1: _("SMSC did not accept the parameters of this request"),
        2: _(
            "SMSC rejected the login, password or API key, or this server's IP is not "
            "allowed for the account"
        ),
        3: _("SMSC found no such record"),
        4: _address_blocked(error.retry_after),
        5: _("SMSC could not carry out the operation"),
        7: _("SMSC says the phone number format is wrong"),
        8: _("SMSC cannot deliver a message to this number"),
        9: _("SMSC refused a repeated request; try again in {wait}").format(
            wait=seconds_phrase(error.retry_after or 60)
        ),
        10: _("a code was already sent to this number; SMSC allows a new one in 8 hours"),
        11: _("the confirmation code is wrong"),
    }
    sentence = sentences.get(error.code, _("SMSC answered with an error"))
    detail = f" — “{display.escaped(error.text)}”" if error.code in (1, 5) and error.text else ""
    code = _("error {code}").format(code=error.code)
    return f"{sentence[:1].upper()}{sentence[1:]}{detail} ({code})."


def smsc_error_sentence(error: SmscError, chat: Chat | None) -> str:
    """``chat``: where it is said (a private chat logs in itself; a group needs an
    administrator)."""
    if isinstance(error, AddressBlockedError):
        # Nothing was sent: the limiter knows the address is blocked.
        return _address_blocked(error.retry_after) + "."
    if isinstance(error, CredentialsRejectedError):
        wait = minutes_phrase(max(1, math.ceil((error.retry_after or 60) / 60)))
        return relogin.credentials_held(chat, wait)
    if isinstance(error, FailuresHeldError):
        if error.whole_site:
            return _(
                "Many requests from this server to SMSC failed in the last minute, and SMSC "
                "blocks a server that sends too many. Logins and accounts not yet known to "
                "work wait: try again in {wait}."
            ).format(wait=seconds_phrase(error.retry_after))
        return _(
            "Several requests of this chat's SMSC account failed in the last minute. So that "
            "SMSC does not block this server, I hold its requests back: try again in "
            "{wait}."
        ).format(wait=seconds_phrase(error.retry_after))
    if isinstance(error, SmscApiError):
        return _api_error_sentence(error)
    if isinstance(error, LimiterUnavailableError):
        return _(
            "SMSC is temporarily unavailable from here: I cannot check its limits right now, "
            "so nothing was sent. Try again in a moment."
        )
    if isinstance(error, ClientRateLimitError):
        return _("Too many similar requests to SMSC in a minute; try again in {wait}.").format(
            wait=seconds_phrase(error.retry_after)
        )
    if isinstance(error, SmscTimeoutError):
        return _("SMSC did not answer in time. Try again in a moment.")
    if isinstance(error, SmscConnectionError):
        return _("I cannot reach SMSC right now. Try again later.")
    if isinstance(error, SmscHttpError):
        return _("SMSC is having trouble (HTTP {status}). Try again later.").format(
            status=error.status
        )
    if isinstance(error, SmscBadResponseError):
        return _("SMSC sent an answer I cannot read. Try again later.")
    if isinstance(error, SmscValidationError):
        return _("I did not send this to SMSC: {reason}.").format(
            reason=display.escaped(str(error))
        )
    return _("The request to SMSC failed. Try again later.")


def argument_sentence(error: ArgumentError) -> str:
    return "{problem}\n{usage_label} <code>{usage}</code>".format(
        problem=display.escaped(error.problem),
        usage_label=_("Usage:"),
        usage=display.escaped(error.usage),
    )
