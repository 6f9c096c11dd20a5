"""Each chat's SMSC credentials, encrypted at rest."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from storage.cache import MISSING, Recent
from storage.crypto import Keyring, Sealed
from storage.database import Database, Row, Transaction, utcnow
from storage.errors import CredentialsUnreadableError
from storage.models import AuthKind, ChatCredentials

COLUMNS = "chat_id, region, base_url, login, auth_kind, key_id, nonce, secret, set_by, set_at"
_UPDATE = ", ".join(f"{column} = excluded.{column}" for column in COLUMNS.split(", ")[1:])


@dataclass(frozen=True, slots=True)
class SealedCredentials:
    """A chat's credentials as read, still encrypted: :meth:`open` decrypts them (None when
    the chat has none; :class:`CredentialsUnreadableError` when they cannot be read)."""

    _row: Row | None = field(repr=False)
    _open: Callable[[Row], ChatCredentials] = field(repr=False)

    def open(self) -> ChatCredentials | None:
        return None if self._row is None else self._open(self._row)

    def withheld(self) -> SealedCredentials:
        """The same, holding none: for what is kept where credentials are read afresh anyway."""
        return SealedCredentials(None, self._open)


@dataclass(frozen=True, slots=True)
class RotationReport:
    changed: int
    unreadable: tuple[int, ...]


class CredentialsRepository:
    """Rows are cached as stored, still sealed: each read decrypts, nothing plain stays around.

    Every write goes through this repository and drops the chat's cached row. (A key rotation
    run by another process leaves rows cached under the old key, which the running bot still
    holds until it restarts with the new keys.) On a database other replicas write, nothing is
    cached.
    """

    def __init__(self, database: Database, keyring: Keyring) -> None:
        self._db = database
        self._keyring = keyring
        self._rows: Recent[int, Row | None] = Recent(enabled=not database.shared)

    async def save(
        self,
        chat_id: int,
        *,
        auth_kind: AuthKind,
        secret: str,
        set_by: int,
        login: str | None = None,
        region: str | None = None,
        base_url: str | None = None,
    ) -> None:
        async with self._db.transaction() as tx:
            await self.save_in(
                tx,
                chat_id,
                auth_kind=auth_kind,
                secret=secret,
                set_by=set_by,
                login=login,
                region=region,
                base_url=base_url,
            )

    async def save_in(
        self,
        tx: Transaction,
        chat_id: int,
        *,
        auth_kind: AuthKind,
        secret: str,
        set_by: int,
        login: str | None = None,
        region: str | None = None,
        base_url: str | None = None,
    ) -> None:
        """Store within a transaction the caller holds (see :mod:`storage.chats`)."""
        if region is None and base_url is None:
            raise ValueError("credentials need a region or a base URL")
        sealed = self._keyring.seal(chat_id, secret)
        self._rows.forget(chat_id)
        await ensure_chat(tx, chat_id)
        await tx.execute(
            f"INSERT INTO credentials ({COLUMNS}) "  # noqa: S608 - constant
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET {_UPDATE}",
            (
                chat_id,
                region,
                base_url,
                login,
                AuthKind(auth_kind).value,
                sealed.key_id,
                sealed.nonce,
                sealed.ciphertext,
                set_by,
                utcnow(),
            ),
        )

    async def stored_in(self, tx: Transaction, chat_id: int) -> ChatCredentials | None:
        """The chat's credentials within a transaction the caller holds; None when there are
        none or they cannot be read."""
        row = await tx.fetchone(
            f"SELECT {COLUMNS} FROM credentials WHERE chat_id = ?",  # noqa: S608 - constant
            (chat_id,),
        )
        if row is None:
            return None
        try:
            return self._open(row)
        except CredentialsUnreadableError:
            return None

    async def get(self, chat_id: int) -> ChatCredentials | None:
        """The chat's credentials, decrypted; :class:`CredentialsUnreadableError` names the chat."""
        row = await self._row(chat_id)
        return None if row is None else self._open(row)

    async def sealed(self, chat_id: int) -> SealedCredentials:
        return self.opener(await self._row(chat_id))

    async def exists(self, chat_id: int) -> bool:
        return await self._row(chat_id) is not None

    async def _row(self, chat_id: int) -> Row | None:
        cached = self._rows.get(chat_id)
        if cached is not MISSING:
            return cached
        row = await self._db.fetchone(
            f"SELECT {COLUMNS} FROM credentials WHERE chat_id = ?",  # noqa: S608 - constant
            (chat_id,),
        )
        self._rows.put(chat_id, row)
        return row

    def forget(self, *chat_ids: int) -> None:
        self._rows.forget(*chat_ids)

    def opener(self, row: Row | None) -> SealedCredentials:
        """A row read elsewhere (:meth:`storage.chats.ChatsRepository.record`), opened when
        asked."""
        return SealedCredentials(row, self._open)

    async def delete(self, chat_id: int) -> bool:
        self._rows.forget(chat_id)
        async with self._db.transaction() as tx:
            return await tx.execute("DELETE FROM credentials WHERE chat_id = ?", (chat_id,)) > 0

    async def many(
        self, chat_ids: list[int]
    ) -> dict[int, ChatCredentials | CredentialsUnreadableError]:
        """Credentials of several chats; one unreadable row does not hide the others."""
        found: dict[int, ChatCredentials | CredentialsUnreadableError] = {}
        async for rows in self._rows_of(chat_ids):
            for row in rows:
                try:
                    found[row["chat_id"]] = self._open(row)
                except CredentialsUnreadableError as error:
                    found[row["chat_id"]] = error
        return found

    async def versions(self, chat_ids: list[int]) -> AsyncIterator[tuple[int, int]]:
        """Each stored chat's id and a fingerprint of its row, read without decrypting it:
        any write to the row (a new login, a key rotation, a move) changes the fingerprint,
        and the chat id is part of it, so no two chats' rows share one. Valid within this
        process."""
        async for rows in self._rows_of(chat_ids):
            for row in rows:
                yield row[0], hash(tuple(row))

    async def _rows_of(self, chat_ids: list[int]) -> AsyncIterator[list[Row]]:
        # A few hundred rows at a time: ten thousand at once would be megabytes of rows.
        for start in range(0, len(chat_ids), 500):
            chunk = chat_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            yield await self._db.fetchall(
                f"SELECT {COLUMNS} FROM credentials WHERE chat_id IN ({marks})",  # noqa: S608
                chunk,
            )

    async def rotate(self) -> RotationReport:
        """Re-encrypt every row with the newest key; rows that cannot be read stay untouched."""
        rows = await self._db.fetchall(
            "SELECT chat_id, key_id, nonce, secret FROM credentials WHERE key_id != ?",
            (self._keyring.current_id,),
        )
        changed, unreadable = 0, []
        for row in rows:
            chat_id = row["chat_id"]
            try:
                secret = self._keyring.open(
                    chat_id, Sealed(row["key_id"], row["nonce"], row["secret"])
                )
            except CredentialsUnreadableError:
                unreadable.append(chat_id)
                continue
            sealed = self._keyring.seal(chat_id, secret)
            self._rows.forget(chat_id)
            async with self._db.transaction() as tx:
                changed += await tx.execute(
                    "UPDATE credentials SET key_id = ?, nonce = ?, secret = ? "
                    "WHERE chat_id = ? AND key_id = ? AND nonce = ?",
                    (
                        sealed.key_id,
                        sealed.nonce,
                        sealed.ciphertext,
                        chat_id,
                        row["key_id"],
                        row["nonce"],
                    ),
                )
        return RotationReport(changed, tuple(unreadable))

    def _open(self, row: Row) -> ChatCredentials:
        chat_id = row["chat_id"]
        secret = self._keyring.open(chat_id, Sealed(row["key_id"], row["nonce"], row["secret"]))
        return ChatCredentials(
            chat_id=chat_id,
            auth_kind=AuthKind(row["auth_kind"]),
            secret=secret,
            login=row["login"],
            region=row["region"],
            base_url=row["base_url"],
            set_by=row["set_by"],
            set_at=row["set_at"],
        )

    async def reseal_for_chat(self, tx: Transaction, old_id: int, new_id: int) -> bool:
        """Move a chat's row to a new chat id; the ciphertext is bound to the id, so re-encrypt.

        False when the row cannot be decrypted: it is dropped, since nothing can ever read it
        under the new id, and the rest of the chat moves without it.
        """
        self._rows.forget(old_id, new_id)
        row = await tx.fetchone(
            f"SELECT {COLUMNS} FROM credentials WHERE chat_id = ?",  # noqa: S608 - constant
            (old_id,),
        )
        if row is None:
            return True
        try:
            secret = self._keyring.open(old_id, Sealed(row["key_id"], row["nonce"], row["secret"]))
        except CredentialsUnreadableError:
            await tx.execute("DELETE FROM credentials WHERE chat_id = ?", (old_id,))
            return False
        sealed = self._keyring.seal(new_id, secret)
        await tx.execute(
            "UPDATE credentials SET chat_id = ?, key_id = ?, nonce = ?, secret = ? "
            "WHERE chat_id = ?",
            (new_id, sealed.key_id, sealed.nonce, sealed.ciphertext, old_id),
        )
        return True

    async def readable(self) -> tuple[int, int]:
        """How many stored secrets there are, and how many of them the keys decrypt."""
        rows = await self._db.fetchall("SELECT chat_id, key_id, nonce, secret FROM credentials")
        readable = 0
        for row in rows:
            try:
                self._keyring.open(
                    row["chat_id"], Sealed(row["key_id"], row["nonce"], row["secret"])
                )
            except CredentialsUnreadableError:
                continue
            readable += 1
        return len(rows), readable


async def ensure_chat(tx: Transaction, chat_id: int) -> None:
    await tx.execute(
        "INSERT INTO chats (chat_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (chat_id, utcnow()),
    )
