"""An SMSC sandbox: the documented API in memory, for tests and the demo."""

from bot.sandbox.dialects import DIALECTS, PLAIN, QUIRKS, SPARE, Dialect
from bot.sandbox.faults import Fault, RecordedRequest
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import SandboxState

DEFAULT_LOGIN = "demo"
DEFAULT_PASSWORD = "demo"  # noqa: S105 - the sandbox's published demo account

__all__ = [
    "DEFAULT_LOGIN",
    "DEFAULT_PASSWORD",
    "DIALECTS",
    "PLAIN",
    "QUIRKS",
    "SPARE",
    "Dialect",
    "Fault",
    "RecordedRequest",
    "SandboxServer",
    "SandboxState",
]
