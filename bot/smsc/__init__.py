"""An async client for the SMSC HTTP API (smsc.ru, smsc.ua, smsc.kz, smscentre.com).

Imports nothing from aiogram or from the storage package: it can be used on its own.
"""

from bot.smsc._resource import Listing
from bot.smsc.client import SmscClient
from bot.smsc.credentials import Credentials
from bot.smsc.downloads import FileTooLargeError
from bot.smsc.errors import (
    AddressBlockedError,
    AuthenticationError,
    BadParametersError,
    ClientRateLimitError,
    CodeAlreadySentError,
    CodeUndeliverableError,
    InvalidPhoneError,
    IpBlockedError,
    NotFoundError,
    OperationFailedError,
    RateLimitError,
    SmscApiError,
    SmscBadResponseError,
    SmscConnectionError,
    SmscError,
    SmscHttpError,
    SmscTimeoutError,
    SmscTransportError,
    SmscValidationError,
    UnknownApiError,
    WrongCodeError,
)
from bot.smsc.limiter import RateLimiter
from bot.smsc.models import (
    Balance,
    BlacklistEntry,
    BlockType,
    Contact,
    DownloadTask,
    FileStatus,
    Group,
    Invoice,
    OperatorRegistration,
    OperatorStatus,
    Sender,
    SenderDocument,
    SenderFile,
    SenderStatus,
    TaskStatus,
)
from bot.smsc.regions import Endpoint, Region
from bot.smsc.transport import SmscTransport

__all__ = [
    "AddressBlockedError",
    "AuthenticationError",
    "BadParametersError",
    "Balance",
    "BlacklistEntry",
    "BlockType",
    "ClientRateLimitError",
    "CodeAlreadySentError",
    "CodeUndeliverableError",
    "Contact",
    "Credentials",
    "DownloadTask",
    "Endpoint",
    "FileStatus",
    "FileTooLargeError",
    "Group",
    "InvalidPhoneError",
    "Invoice",
    "IpBlockedError",
    "Listing",
    "NotFoundError",
    "OperationFailedError",
    "OperatorRegistration",
    "OperatorStatus",
    "RateLimitError",
    "RateLimiter",
    "Region",
    "Sender",
    "SenderDocument",
    "SenderFile",
    "SenderStatus",
    "SmscApiError",
    "SmscBadResponseError",
    "SmscClient",
    "SmscConnectionError",
    "SmscError",
    "SmscHttpError",
    "SmscTimeoutError",
    "SmscTransport",
    "SmscTransportError",
    "SmscValidationError",
    "TaskStatus",
    "UnknownApiError",
    "WrongCodeError",
]
