"""Everything the SMSC client raises, rooted in :class:`SmscError`.

Provider errors arrive with HTTP 200 and a numeric code; each documented code has its own class
so that callers catch classes and never compare strings. Messages never carry a URL or a secret.
"""

from __future__ import annotations

import math
from typing import ClassVar


class SmscError(Exception):
    """Base class of every error the SMSC client raises."""


class SmscApiError(SmscError):
    """SMSC answered the request with an error code."""

    code: ClassVar[int] = 0

    def __init__(self, text: str, *, code: int | None = None, script: str | None = None) -> None:
        self.text = text
        self.script = script
        # Seconds until the provider will take this again, where the client can tell (9, 4).
        self.retry_after: int | None = None
        if code is not None:
            self.code = code  # type: ignore[misc]
        where = f" on {script}.php" if script else ""
        super().__init__(f"SMSC error {self.code}{where}: {text}")


class BadParametersError(SmscApiError):
    code = 1


class AuthenticationError(SmscApiError):
    """Wrong login or password, or the IP is not in the account's allowed list."""

    code = 2


class CredentialsRejectedError(AuthenticationError):
    """Not sent: SMSC rejected these very credentials a moment ago, and every failing request
    brings this server's address nearer to a block (error 4)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("rejected a moment ago; not sent again yet")
        self.retry_after = max(1, math.ceil(retry_after))


class NotFoundError(SmscApiError):
    """No records found (on a list this means an empty list, not a failure)."""

    code = 3


class IpBlockedError(SmscApiError):
    """The IP is temporarily blocked after too many erroneous requests: back off hard."""

    code = 4


class OperationFailedError(SmscApiError):
    """The operation failed, or (on downloads.php) the task or file does not exist."""

    code = 5


class SubClientNotFoundError(SmscApiError):
    """No sub-client has that login or id (the code of the provider's sub-client pages)."""

    code = 6


class InvalidPhoneError(SmscApiError):
    code = 7


class CodeUndeliverableError(SmscApiError):
    code = 8


class RateLimitError(SmscApiError):
    """SMSC refused a repeated or too concurrent request (error 9)."""

    code = 9


class CodeAlreadySentError(SmscApiError):
    """A confirmation code was sent recently; the provider allows another in 8 hours."""

    code = 10


class WrongCodeError(SmscApiError):
    code = 11


class UnknownApiError(SmscApiError):
    """An error code the documentation does not list."""


_BY_CODE: dict[int, type[SmscApiError]] = {
    cls.code: cls
    for cls in (
        BadParametersError,
        AuthenticationError,
        NotFoundError,
        IpBlockedError,
        OperationFailedError,
        SubClientNotFoundError,
        InvalidPhoneError,
        CodeUndeliverableError,
        RateLimitError,
        CodeAlreadySentError,
        WrongCodeError,
    )
}


def api_error(code: int, text: str, script: str | None = None) -> SmscApiError:
    cls = _BY_CODE.get(code)
    if cls is None:
        return UnknownApiError(text, code=code, script=script)
    return cls(text, script=script)


class SmscTransportError(SmscError):
    """The request did not produce a usable answer from SMSC."""


class SmscConnectionError(SmscTransportError):
    """No host of the region could be reached."""


class SmscTimeoutError(SmscTransportError):
    """SMSC did not answer in time."""


class SmscHttpError(SmscTransportError):
    def __init__(self, status: int, script: str) -> None:
        self.status = status
        self.script = script
        super().__init__(f"SMSC answered HTTP {status} on {script}.php")


class SmscBadResponseError(SmscTransportError):
    """The body is neither the expected answer nor a recognisable error."""


class ClientRateLimitError(SmscError):
    """The bot's own limiter held the request back so that SMSC does not answer error 9."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"too many similar requests to SMSC; try again in {self.retry_after} s")


class AddressBlockedError(SmscError):
    """SMSC blocked this server's address (error 4) for every login: nothing is sent to that
    site until the back-off ends, then a single request probes."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            f"SMSC has blocked this server's address; try again in {self.retry_after} s"
        )


class FailuresHeldError(SmscError):
    """Not sent: requests failed too often lately (see :mod:`bot.smsc.failures`), and SMSC
    blocks an address that sends many failing requests. ``whole_site``: the site's failures
    hold it (requests not known to work, or all of them); else this account's own."""

    def __init__(self, retry_after: float, *, whole_site: bool) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        self.whole_site = whole_site
        where = "this server" if whole_site else "this account"
        super().__init__(
            f"too many failing requests to SMSC from {where}; try again in {self.retry_after} s"
        )


class LimiterUnavailableError(SmscError):
    """Not sent: the limits shared by the bot's replicas could not be checked (Redis is out of
    reach), and a request sent unchecked could break them."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"SMSC's limits cannot be checked right now ({reason}); nothing was sent")


class SmscValidationError(SmscError, ValueError):
    """A request was refused before sending because it breaks a documented constraint."""
