"""Persistence on SQLite (embedded, the default) or PostgreSQL (several replicas): chats, their
encrypted SMSC credentials, settings, watch state, audit.

Imports nothing from aiogram or from the ``bot`` package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.audit import AuditRepository
from storage.chats import ChatRecord, ChatsRepository, Migration
from storage.credentials import CredentialsRepository, RotationReport
from storage.crypto import Keyring, generate_key, parse_keys
from storage.database import Database
from storage.deliveries import (
    AccountChangedError,
    Claim,
    DeliveriesRepository,
    OutdatedError,
    StateMovedError,
)
from storage.dialogs import DialogsRepository, LoginTracesRepository
from storage.errors import (
    CorruptDatabaseError,
    CredentialsUnreadableError,
    DatabaseLockedError,
    DatabaseUnavailableError,
    InvalidKeyError,
    NoKeyConfiguredError,
    SchemaTooNewError,
    StorageError,
    StorageFullError,
    WrongKeyError,
)
from storage.limits import LimitsRepository, StoredBlock, StoredStamp
from storage.login_attempts import LoginAttemptsRepository, StoredAttempt
from storage.models import (
    AuditEntry,
    AuthKind,
    ChatCredentials,
    ChatSettings,
    NotificationKind,
    SeenSender,
    SeenTask,
)
from storage.settings import SettingsRepository
from storage.watch import WatchRepository, WatchSnapshot


@dataclass(frozen=True, slots=True)
class Storage:
    """The database and every repository on it, built once by the application."""

    database: Database
    credentials: CredentialsRepository
    settings: SettingsRepository
    watch: WatchRepository
    deliveries: DeliveriesRepository
    audit: AuditRepository
    chats: ChatsRepository
    limits: LimitsRepository
    dialogs: DialogsRepository
    login_traces: LoginTracesRepository
    login_attempts: LoginAttemptsRepository

    @classmethod
    async def open(
        cls,
        target: str | Path,
        keyring: Keyring,
        *,
        rate_window: float = 60.0,
        shared: bool = False,
    ) -> Storage:
        """``target`` is a SQLite file's path or a ``postgresql://`` URL; ``rate_window`` is
        the SMSC limiter's: the limits journal keeps that much. ``shared``: other processes
        write the same database (replicas on one SQLite file), so nothing read is kept."""
        database = await Database.open(target)
        database.shared = database.shared or shared
        credentials = CredentialsRepository(database, keyring)
        settings = SettingsRepository(database)
        return cls(
            database=database,
            credentials=credentials,
            settings=settings,
            watch=WatchRepository(database),
            deliveries=DeliveriesRepository(database),
            audit=AuditRepository(database),
            chats=ChatsRepository(database, credentials, settings),
            limits=LimitsRepository(database, window=rate_window),
            dialogs=DialogsRepository(database),
            login_traces=LoginTracesRepository(database),
            login_attempts=LoginAttemptsRepository(database),
        )

    async def close(self) -> None:
        try:
            await self.audit.close()
            await self.limits.close()
        finally:
            # Even when the last batch cannot be written: an open connection's thread would
            # keep the process from exiting.
            await self.database.close()


__all__ = [
    "AccountChangedError",
    "AuditEntry",
    "AuditRepository",
    "AuthKind",
    "ChatCredentials",
    "ChatRecord",
    "ChatSettings",
    "ChatsRepository",
    "Claim",
    "CorruptDatabaseError",
    "CredentialsRepository",
    "CredentialsUnreadableError",
    "Database",
    "DatabaseLockedError",
    "DatabaseUnavailableError",
    "DeliveriesRepository",
    "DialogsRepository",
    "InvalidKeyError",
    "Keyring",
    "LimitsRepository",
    "LoginAttemptsRepository",
    "LoginTracesRepository",
    "Migration",
    "NoKeyConfiguredError",
    "NotificationKind",
    "OutdatedError",
    "RotationReport",
    "SchemaTooNewError",
    "SeenSender",
    "SeenTask",
    "SettingsRepository",
    "StateMovedError",
    "Storage",
    "StorageError",
    "StorageFullError",
    "StoredAttempt",
    "StoredBlock",
    "StoredStamp",
    "WatchRepository",
    "WatchSnapshot",
    "WrongKeyError",
    "generate_key",
    "parse_keys",
]
