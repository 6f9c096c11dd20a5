"""Plain records the repositories hand out. Secrets never appear in their ``repr()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AuthKind(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a kind of secret, not one
    APIKEY = "apikey"


@dataclass(frozen=True, slots=True)
class ChatCredentials:
    """A chat's SMSC account: where (region or base URL), who (login), and the decrypted secret."""

    chat_id: int
    auth_kind: AuthKind
    secret: str = field(repr=False)
    login: str | None = None
    region: str | None = None
    base_url: str | None = None
    set_by: int = 0
    set_at: str = ""

    def __repr__(self) -> str:
        return (
            f"ChatCredentials(chat_id={self.chat_id}, auth_kind={self.auth_kind.value!r}, "
            f"login={self.login!r}, region={self.region!r}, base_url={self.base_url!r}, "
            "secret=***)"
        )

    __str__ = __repr__


class NotificationKind(StrEnum):
    DOWNLOADS = "downloads"
    SENDERS = "senders"


@dataclass(frozen=True, slots=True)
class ChatSettings:
    chat_id: int
    language: str | None = None
    notify_downloads: bool = False
    notify_senders: bool = False
    poll_interval: int | None = None
    watch_paused: str | None = None
    # The generation of the chat's account when read (only the watcher's read fills it in):
    # what the sweep delivers for stops when a logout or another login moves it on.
    generation: int = 0

    def notifies(self, kind: NotificationKind) -> bool:
        return self.notify_downloads if kind is NotificationKind.DOWNLOADS else self.notify_senders


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    chat_id: int
    user_id: int | None
    action: str
    target: str | None
    result: str
    at: str


@dataclass(frozen=True, slots=True)
class SeenTask:
    task_id: int
    name: str
    status: int


@dataclass(frozen=True, slots=True)
class SeenSender:
    sender_id: int
    name: str
    status: int
    operators: dict[str, int]
