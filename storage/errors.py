"""What the storage layer raises. Messages name the chat where it helps, never a secret."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every storage error."""


class SchemaTooNewError(StorageError):
    def __init__(self, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        super().__init__(
            f"the database has schema version {found}, newer than this program supports "
            f"({supported}); upgrade smsc-bot or use another database file. It was not changed."
        )


class DatabaseLockedError(StorageError):
    """Another process held the database longer than the busy timeout."""


class StorageFullError(StorageError):
    """The disk (or the database's size limit) is full; the write was rolled back."""


class CorruptDatabaseError(StorageError):
    """The file is not a usable SQLite database."""


class NoKeyConfiguredError(StorageError):
    """No encryption key was given: credentials cannot be stored or read."""


class InvalidKeyError(StorageError):
    """A configured key is not base64 of exactly 32 bytes."""


class CredentialsUnreadableError(StorageError):
    """A chat's stored secret cannot be decrypted with the configured keys."""

    def __init__(self, chat_id: int, reason: str) -> None:
        self.chat_id = chat_id
        self.reason = reason
        super().__init__(f"stored credentials of chat {chat_id} cannot be decrypted: {reason}")


class WrongKeyError(StorageError):
    """None of the stored secrets opens with the configured keys: almost surely the wrong key."""


class DatabaseUnavailableError(StorageError):
    """The database server cannot be reached or is restarting; nothing was changed."""
