"""Operations on a chat as a whole, each in one transaction: connecting it to an SMSC account,
disconnecting it, and following it when a group becomes a supergroup."""

from __future__ import annotations

from dataclasses import dataclass

from storage import credentials as credentials_table
from storage import settings as settings_table
from storage.credentials import CredentialsRepository, SealedCredentials, ensure_chat
from storage.database import Database, Transaction, utcnow
from storage.deliveries import bump
from storage.models import AuthKind, ChatCredentials, ChatSettings
from storage.settings import SettingsRepository

_WATCH_TABLES = {"downloads": "watched_downloads", "senders": "watched_senders"}


@dataclass(frozen=True, slots=True)
class Migration:
    """What a group's move to a supergroup did."""

    moved: bool
    # The group's credentials could not be decrypted, so they could not follow: the new chat
    # must /login again.
    credentials_lost: bool = False
    # The supergroup had been set up already (before Telegram said it was the same chat): its
    # own, newer credentials and settings were kept.
    kept_newer: bool = False


@dataclass(frozen=True, slots=True)
class ChatRecord:
    """What an update of a chat reads first: its settings and its credentials, still sealed."""

    settings: ChatSettings
    credentials: SealedCredentials


# Settings columns as they are; the credentials' other than the chat id.
_CREDENTIAL_COLUMNS = credentials_table.COLUMNS.split(", ")[1:]
_RECORD = (
    "SELECT "  # noqa: S608 - constants
    + ", ".join(f"s.{column}" for column in settings_table.COLUMNS.split(", "))
    + ", c.chat_id AS credentials_chat, "
    + ", ".join(f"c.{column}" for column in _CREDENTIAL_COLUMNS)
    + " FROM (SELECT CAST(? AS BIGINT) AS chat_id) AS asked"
    " LEFT JOIN chat_settings s ON s.chat_id = asked.chat_id"
    " LEFT JOIN credentials c ON c.chat_id = asked.chat_id"
)


class ChatsRepository:
    def __init__(
        self, database: Database, credentials: CredentialsRepository, settings: SettingsRepository
    ) -> None:
        self._db = database
        self._credentials = credentials
        self._settings = settings

    async def record(self, chat_id: int) -> ChatRecord:
        """The chat's settings and credentials: from memory when this process is the
        database's only writer, else in one query (a replica reads them on every update)."""
        if self._settings.cached:
            return ChatRecord(
                await self._settings.get(chat_id), await self._credentials.sealed(chat_id)
            )
        row = await self._db.fetchone(_RECORD, (chat_id,))
        assert row is not None  # one row, whatever the chat has
        sealed = None
        if row["credentials_chat"] is not None:
            sealed = {"chat_id": chat_id, **{c: row[c] for c in _CREDENTIAL_COLUMNS}}
        return ChatRecord(
            settings_table.settings_of(chat_id, row), self._credentials.opener(sealed)
        )

    async def connect(
        self,
        chat_id: int,
        *,
        auth_kind: AuthKind,
        secret: str,
        set_by: int,
        login: str | None,
        region: str | None,
        base_url: str | None,
    ) -> None:
        """Store the chat's credentials and resume its paused notifications, together.

        Another account than the one stored (another site, login or kind of secret, another
        API key) keeps the chat's notifications on but forgets what they saw: the next poll
        takes what exists in the new account as the baseline, so that nothing already there
        is announced as new.
        """
        self._settings.forget(chat_id)
        async with self._db.transaction() as tx:
            before = await self._credentials.stored_in(tx, chat_id)
            if not _same_account(before, auth_kind, secret, login, region, base_url):
                await _forget_watch_state(tx, chat_id)
                # Another account: what a sweep under way delivers for the old one stops. The
                # same one again (a new password) lets it finish: it is still this chat's.
                await bump(tx, chat_id)
            await self._credentials.save_in(
                tx,
                chat_id,
                auth_kind=auth_kind,
                secret=secret,
                set_by=set_by,
                login=login,
                region=region,
                base_url=base_url,
            )
            await tx.execute(
                "UPDATE chat_settings SET watch_paused = NULL WHERE chat_id = ?", (chat_id,)
            )

    async def disconnect(self, chat_id: int) -> None:
        """Wipe the credentials, turn notifications off and forget what the watches saw."""
        self._settings.forget(chat_id)
        self._credentials.forget(chat_id)
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM credentials WHERE chat_id = ?", (chat_id,))
            await _stop_watching(tx, chat_id)
            await bump(tx, chat_id)

    async def stop_watching(self, chat_id: int) -> None:
        """Notifications off and watch state gone (a chat that blocked the bot, say)."""
        self._settings.forget(chat_id)
        async with self._db.transaction() as tx:
            await _stop_watching(tx, chat_id)
            await bump(tx, chat_id)

    async def forget_watch_state(self, chat_id: int) -> None:
        """What the watches saw is gone, the notifications stay as they are: the next poll
        takes a new baseline."""
        async with self._db.transaction() as tx:
            await _forget_watch_state(tx, chat_id)

    async def moved_to(self, chat_id: int) -> int:
        """The chat's id now: a group that became a supergroup has a new one."""
        seen = {chat_id}
        while True:
            row = await self._db.fetchone(
                "SELECT new_id FROM chat_moves WHERE old_id = ?", (chat_id,)
            )
            if row is None or row["new_id"] in seen:
                return chat_id
            chat_id = row["new_id"]
            seen.add(chat_id)

    async def migrate(self, old_id: int, new_id: int) -> Migration:
        """A group became a supergroup: move everything to the new chat id, in one transaction.

        What the supergroup already holds (it can be used before Telegram tells the bot it is
        the same chat) is newer and is kept; only what it lacks comes from the old group.
        """
        self._settings.forget(old_id, new_id)
        self._credentials.forget(old_id, new_id)
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO chat_moves (old_id, new_id, moved_at) VALUES (?, ?, ?) "
                "ON CONFLICT (old_id) DO UPDATE "
                "SET new_id = excluded.new_id, moved_at = excluded.moved_at",
                (old_id, new_id, utcnow()),
            )
            if not await _exists(tx, "chats", old_id):
                return Migration(moved=False)
            kept_newer = await _exists(tx, "chats", new_id)
            await ensure_chat(tx, new_id)
            lost = False
            if await _exists(tx, "credentials", new_id):
                await tx.execute("DELETE FROM credentials WHERE chat_id = ?", (old_id,))
            else:
                lost = not await self._credentials.reseal_for_chat(tx, old_id, new_id)
            await _move_unless_present(tx, "chat_settings", old_id, new_id)
            for kind, table in _WATCH_TABLES.items():
                row = await tx.fetchone(
                    "SELECT 1 FROM watch_baselines WHERE chat_id = ? AND kind = ?", (new_id, kind)
                )
                if row is None:
                    for moving in (table, "watch_baselines"):
                        extra = " AND kind = ?" if moving == "watch_baselines" else ""
                        await tx.execute(
                            f"UPDATE {moving} SET chat_id = ? WHERE chat_id = ?{extra}",  # noqa: S608
                            (new_id, old_id, kind) if extra else (new_id, old_id),
                        )
            # Deliveries the new chat has already recorded stay behind, and go with the old chat.
            await tx.execute(
                "UPDATE deliveries SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS ("
                "SELECT 1 FROM deliveries AS d WHERE d.chat_id = ? AND d.kind = deliveries.kind "
                "AND d.item = deliveries.item AND d.change = deliveries.change)",
                (new_id, old_id, new_id),
            )
            await tx.execute("UPDATE audit_log SET chat_id = ? WHERE chat_id = ?", (new_id, old_id))
            # Whatever stayed behind (the old group's settings, when the new chat had its own)
            # goes with the old chat's row.
            await tx.execute("DELETE FROM chats WHERE chat_id = ?", (old_id,))
        return Migration(moved=True, credentials_lost=lost, kept_newer=kept_newer)

    async def count(self) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) AS n FROM chats")
        return int(row["n"]) if row else 0


async def _exists(tx: Transaction, table: str, chat_id: int) -> bool:
    row = await tx.fetchone(f"SELECT 1 FROM {table} WHERE chat_id = ?", (chat_id,))  # noqa: S608
    return row is not None


async def _move_unless_present(tx: Transaction, table: str, old_id: int, new_id: int) -> None:
    if not await _exists(tx, table, new_id):
        await tx.execute(
            f"UPDATE {table} SET chat_id = ? WHERE chat_id = ?",  # noqa: S608 - constant
            (new_id, old_id),
        )


async def _stop_watching(tx: Transaction, chat_id: int) -> None:
    await tx.execute(
        "UPDATE chat_settings SET notify_downloads = 0, notify_senders = 0 WHERE chat_id = ?",
        (chat_id,),
    )
    await _forget_watch_state(tx, chat_id)


async def _forget_watch_state(tx: Transaction, chat_id: int) -> None:
    for table in (*_WATCH_TABLES.values(), "watch_baselines"):
        await tx.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))  # noqa: S608


def _same_account(
    before: ChatCredentials | None,
    auth_kind: AuthKind,
    secret: str,
    login: str | None,
    region: str | None,
    base_url: str | None,
) -> bool:
    """Whether new credentials reach the account stored before. A login on one site is one
    account whatever its password (a new password is the same account); two API keys may
    belong to two accounts, so only the same key counts as the same."""
    if before is None:
        return False
    same_place = (before.region, before.base_url, before.auth_kind, before.login) == (
        region,
        base_url,
        AuthKind(auth_kind),
        login,
    )
    return same_place and (AuthKind(auth_kind) is AuthKind.PASSWORD or before.secret == secret)
