"""Dialogs that outlive a restart, and what is left of login dialogs once they are over.

A person who was asked for a password does not know that the bot restarted (a deploy, a crash
loop) or that the dialog closed: the secret they send next must still be recognised as one.
So the open dialogs (aiogram's FSM state and data) are kept here, and so are, for a while, the
login dialogs opened in a chat and the login prompts the bot sent to groups.

The FSM data never holds a secret (the login dialog keeps only the target chat, the region and
when it started): nothing here is encrypted. Reads are served from memory, loaded once, because
aiogram reads a chat's state for every update; every change is written through. On a database
other replicas write too, every read goes to the database instead.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Database

# An open dialog untouched for this long is forgotten (the login dialog itself expires sooner).
DIALOG_TTL = 24 * 3600.0
# How long a login dialog's chat stays watchful for a secret after the dialog opened.
LOGIN_WINDOW = 10 * 60.0
# How long a reply to one of the bot's login prompts in a group is taken for a secret.
PROMPT_TTL = 48 * 3600.0
_PURGE_EVERY = 3600.0


@dataclass(frozen=True, slots=True)
class StoredDialog:
    state: str | None
    data: str  # JSON
    updated_at: float


class DialogsRepository:
    """aiogram's FSM records by key (a string the adapter builds from aiogram's key)."""

    def __init__(
        self, database: Database, *, ttl: float = DIALOG_TTL, wall: Callable[[], float] = time.time
    ) -> None:
        self._db = database
        self._ttl = ttl
        self._wall = wall
        self._dialogs: dict[str, StoredDialog] | None = None
        self._cached = not database.shared
        self._loading = asyncio.Lock()
        self._purged_at = 0.0

    async def _all(self) -> dict[str, StoredDialog]:
        if self._dialogs is None:
            async with self._loading:
                if self._dialogs is None:
                    self._dialogs = await self._load()
        return self._dialogs

    async def _load(self) -> dict[str, StoredDialog]:
        self._purged_at = now = self._wall()
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM dialogs WHERE updated_at < ?", (now - self._ttl,))
        rows = await self._db.fetchall("SELECT key, state, data, updated_at FROM dialogs")
        return {r["key"]: StoredDialog(r["state"], r["data"], r["updated_at"]) for r in rows}

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        """The state and a fresh copy of the data; (None, {}) when there is no open dialog."""
        dialog = (await self._all()).get(key) if self._cached else await self._read(key)
        if dialog is None:
            return None, {}
        if dialog.updated_at < self._wall() - self._ttl:
            if not self._cached:
                # Nothing loads them all (and drops the stale ones) on this database.
                async with self._db.transaction() as tx:
                    await tx.execute(
                        "DELETE FROM dialogs WHERE updated_at < ?", (self._wall() - self._ttl,)
                    )
            return None, {}
        return dialog.state, json.loads(dialog.data)

    async def _read(self, key: str) -> StoredDialog | None:
        row = await self._db.fetchone(
            "SELECT state, data, updated_at FROM dialogs WHERE key = ?", (key,)
        )
        return None if row is None else StoredDialog(row["state"], row["data"], row["updated_at"])

    async def put(self, key: str, state: str | None, data: Mapping[str, Any]) -> None:
        # Uncached, the changes below go to a scratch map.
        dialogs = await self._all() if self._cached else {}
        now = self._wall()
        if state is None and not data:
            async with self._db.transaction() as tx:
                await tx.execute("DELETE FROM dialogs WHERE key = ?", (key,))
            dialogs.pop(key, None)
            return
        dialog = StoredDialog(state, json.dumps(dict(data), sort_keys=True), now)
        purge = now - self._purged_at > _PURGE_EVERY
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO dialogs (key, state, data, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data, "
                "updated_at = excluded.updated_at",
                (key, dialog.state, dialog.data, now),
            )
            if purge:
                await tx.execute("DELETE FROM dialogs WHERE updated_at < ?", (now - self._ttl,))
        dialogs[key] = dialog
        if purge:
            self._purged_at = now
            for stale in [k for k, d in dialogs.items() if d.updated_at < now - self._ttl]:
                del dialogs[stale]


class LoginTracesRepository:
    """Login dialogs opened per chat and person, and the login prompts sent to groups."""

    def __init__(
        self,
        database: Database,
        *,
        window: float = LOGIN_WINDOW,
        prompt_ttl: float = PROMPT_TTL,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._db = database
        self.window = window
        self._prompt_ttl = prompt_ttl
        self._wall = wall
        # Read for every short private message without a slash: kept in memory.
        self._windows: dict[tuple[int, int], tuple[float, int]] | None = None
        self._cached = not database.shared
        self._loading = asyncio.Lock()

    async def _all_windows(self) -> dict[tuple[int, int], tuple[float, int]]:
        if self._windows is None:
            async with self._loading:
                if self._windows is None:
                    rows = await self._db.fetchall(
                        "SELECT chat_id, user_id, target_chat, opened_at FROM login_windows "
                        "WHERE opened_at >= ?",
                        (self._wall() - self.window,),
                    )
                    self._windows = {
                        (r["chat_id"], r["user_id"]): (r["opened_at"], r["target_chat"])
                        for r in rows
                    }
        return self._windows

    async def dialog_opened(
        self, chat_id: int, user_id: int, target_chat: int, at: float | None = None
    ) -> None:
        windows = await self._all_windows() if self._cached else {}
        oldest = self._wall() - self.window
        opened_at = self._wall() if at is None else at
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM login_windows WHERE opened_at < ?", (oldest,))
            await tx.execute(
                "INSERT INTO login_windows (chat_id, user_id, target_chat, opened_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (chat_id, user_id) DO UPDATE "
                "SET target_chat = excluded.target_chat, opened_at = excluded.opened_at",
                (chat_id, user_id, target_chat, opened_at),
            )
        for key in [k for k, (then, _) in windows.items() if then < oldest]:
            del windows[key]
        windows[(chat_id, user_id)] = (opened_at, target_chat)

    async def window_open(self, chat_id: int, user_id: int) -> bool:
        """Whether a login dialog this person opened in this chat is less than ``window`` old
        and has not logged in yet: what they send now may be the secret it asked for."""
        if self._cached:
            windows = await self._all_windows()
            found = windows.get((chat_id, user_id))
        else:
            windows, found = {}, await self._window(chat_id, user_id)
        if found is None:
            return False
        opened_at, target = found
        if opened_at < self._wall() - self.window:
            windows.pop((chat_id, user_id), None)
            return False
        return not await self._logged_in_since(target, user_id, opened_at)

    async def _window(self, chat_id: int, user_id: int) -> tuple[float, int] | None:
        row = await self._db.fetchone(
            "SELECT opened_at, target_chat FROM login_windows WHERE chat_id = ? AND user_id = ?",
            (chat_id, user_id),
        )
        return None if row is None else (row["opened_at"], row["target_chat"])

    async def _logged_in_since(self, chat_id: int, user_id: int, since: float) -> bool:
        row = await self._db.fetchone(
            "SELECT set_by, set_at FROM credentials WHERE chat_id = ?", (chat_id,)
        )
        if row is None or row["set_by"] != user_id:
            return False
        # set_at is kept to the second.
        return datetime.fromisoformat(row["set_at"]).timestamp() >= int(since)

    async def prompt_sent(self, chat_id: int, message_id: int) -> None:
        now = self._wall()
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM login_prompts WHERE sent_at < ?", (now - self._prompt_ttl,)
            )
            await tx.execute(
                "INSERT INTO login_prompts (chat_id, message_id, sent_at) VALUES (?, ?, ?) "
                "ON CONFLICT (chat_id, message_id) DO UPDATE SET sent_at = excluded.sent_at",
                (chat_id, message_id, now),
            )

    async def is_prompt(self, chat_id: int, message_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM login_prompts WHERE chat_id = ? AND message_id = ? AND sent_at >= ?",
            (chat_id, message_id, self._wall() - self._prompt_ttl),
        )
        return row is not None
