"""One home for a chat's SMSC account: connecting it, disconnecting it, its notifications.

Handlers and the watcher go through :class:`ChatAccounts`; none of them writes a chat's
credentials, settings or watch state itself. Each operation is one transaction. A change of
account moves the chat's generation in the database, which stops the deliveries of a sweep
under way on any replica (:mod:`storage.deliveries`); the :class:`ChatGuard` then waits for a
send already under way in this process: once a chat is told "Logged out", nothing of the old
account reaches it and nothing is written back for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Protocol

from bot.login_attempts import Attempts, LoginAttempts
from bot.smsc import AuthenticationError, Balance, Credentials, Region, SmscClient
from bot.smsc.factory import UNSET, MaxWait, SmscFactory
from storage import (
    AuthKind,
    ChatCredentials,
    ChatRecord,
    ChatSettings,
    Migration,
    NotificationKind,
    Storage,
)

# How often an account change looks again for a send under way on another replica, and for
# how long at most: a replica that died holding a claim sends nothing more, and the next one
# to claim finds the account changed.
SETTLE_POLL = 0.1
SETTLE_MAX = 10.0


class Baselines(Protocol):
    """Provided by the watcher: records what exists now, so that only later changes count."""

    async def take(self, chat_id: int, kind: NotificationKind, client: SmscClient) -> int: ...

    @property
    def interval(self) -> int: ...


class KeptRecords(Protocol):
    """Chat records kept between updates, while no replica changed them
    (:class:`bot.shared.records.KeptRecords`)."""

    def kept(self, chat_id: int) -> ChatRecord | None: ...

    def keep(self, chat_id: int, record: ChatRecord) -> None: ...

    def changing(self, *chat_ids: int) -> AbstractAsyncContextManager[None]: ...


class ChatGuard:
    """A lock per chat that this process's deliveries hold while they send, and that account
    changes take after writing, to wait for a send under way."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    @asynccontextmanager
    async def holding(self, chat_id: int) -> AsyncIterator[None]:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        self._holders[chat_id] = self._holders.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[chat_id] -= 1
            if not self._holders[chat_id]:
                # Unused locks go: the map stays as small as the chats busy right now.
                del self._holders[chat_id]
                del self._locks[chat_id]


class ChatAccounts:
    def __init__(
        self,
        storage: Storage,
        factory: SmscFactory,
        guard: ChatGuard | None = None,
        attempts: Attempts | None = None,
        baselines: Baselines | None = None,
        records: KeptRecords | None = None,
    ) -> None:
        self._storage = storage
        # With replicas: the records read, kept while no replica changes them. (One process
        # alone keeps its rows in storage itself.)
        self._records = records
        self.factory = factory
        self.guard = guard or ChatGuard()
        self.attempts: Attempts = attempts or LoginAttempts(journal=storage.login_attempts)
        # The watcher's (shared with it by the assembly): /watch takes a new watch's baseline.
        self._baselines = baselines

    @property
    def baselines(self) -> Baselines:
        if self._baselines is None:
            raise RuntimeError("the chat accounts were built without the watcher's baselines")
        return self._baselines

    # -- the account ------------------------------------------------------------------------

    async def stored(self, chat_id: int) -> ChatCredentials | None:
        """The chat's credentials, decrypted (:class:`storage.CredentialsUnreadableError` if
        they cannot be)."""
        return await self._storage.credentials.get(chat_id)

    def client(self, stored: ChatCredentials, *, max_wait: MaxWait = UNSET) -> SmscClient:
        """A client for the chat's account; ``max_wait`` left unset keeps the factory's
        default (short, for people waiting in a chat)."""
        return self.factory.client(
            credentials_of(stored),
            region=stored.region,
            base_url=stored.base_url,
            max_wait=max_wait,
        )

    def region_for(self, asked: Region | None) -> Region | None:
        """The region a new login is stored with: the one asked for, Russia by default, none
        when every chat goes to one forced address (a mirror, the sandbox)."""
        if self.factory.forced_base_url:
            return None
        return asked or Region.RU

    def needs_region(self, asked: Region | None) -> bool:
        return asked is None and not self.factory.forced_base_url

    async def connect(
        self, chat_id: int, credentials: Credentials, region: Region | None, *, set_by: int
    ) -> Balance:
        """Check the credentials with a balance call, then store them for the chat.

        Raises the client's error (nothing stored) when SMSC refuses them, and
        :class:`TooManyAttemptsError` (nothing sent) when ``set_by`` or the chat has tried
        too many wrong secrets lately.
        """
        region = self.region_for(region)
        client = self.factory.client(
            credentials, region=region.value if region else None, max_wait=None, untried=True
        )
        attempt = await self.attempts.begin(set_by, chat_id)
        try:
            balance = await client.balance()
        except AuthenticationError:
            raise  # a wrong secret: it counts
        except BaseException:
            # SMSC never judged the secret (unreachable, held back, stopped): it does not.
            await self.attempts.not_wrong(attempt)
            raise
        await self.attempts.not_wrong(attempt)
        async with self._changing(chat_id):
            await self._storage.chats.connect(
                chat_id,
                auth_kind=AuthKind.APIKEY if credentials.apikey else AuthKind.PASSWORD,
                secret=credentials.apikey or credentials.password or "",
                login=credentials.login,
                region=region.value if region else None,
                base_url=self.factory.forced_base_url,
                set_by=set_by,
            )
        await self._settled(chat_id)
        return balance

    async def disconnect(self, chat_id: int) -> None:
        """Wipe the chat's credentials and stop its watches. Returns once no delivery for the
        old account is under way, so that the chat can be told it is done."""
        async with self._changing(chat_id):
            await self._storage.chats.disconnect(chat_id)
        await self._settled(chat_id)

    async def _settled(self, chat_id: int) -> None:
        """Wait for a send to the chat under way, in this process or another replica: its
        record then finds the account changed, writes nothing and lets its claim go."""
        async with self.guard.holding(chat_id):
            pass
        for _ in range(int(SETTLE_MAX / SETTLE_POLL)):
            if not await self._storage.deliveries.held(chat_id, now=time.time()):
                return
            await asyncio.sleep(SETTLE_POLL)

    async def moved_to(self, chat_id: int) -> int:
        return await self._storage.chats.moved_to(chat_id)

    async def migrate(self, old_id: int, new_id: int) -> Migration:
        # Not under the chat's lock: the watcher learns of a migration in the middle of a
        # delivery it holds the lock for, and goes on delivering to the new id.
        async with self._changing(old_id, new_id):
            return await self._storage.chats.migrate(old_id, new_id)

    def _changing(self, *chat_ids: int) -> AbstractAsyncContextManager[None]:
        """Around every change of a chat's record: no replica keeps the old one."""
        return self._records.changing(*chat_ids) if self._records else nullcontext()

    # -- settings and notifications ---------------------------------------------------------

    async def settings(self, chat_id: int) -> ChatSettings:
        return await self._storage.settings.get(chat_id)

    async def record(self, chat_id: int) -> ChatRecord:
        """The chat's settings and its credentials (opened when used), read together: what
        each update of the chat needs first."""
        kept = self._records.kept(chat_id) if self._records else None
        if kept is not None:
            return kept
        record = await self._storage.chats.record(chat_id)
        if self._records:
            self._records.keep(chat_id, record)
        return record

    async def set_language(self, chat_id: int, language: str) -> None:
        async with self._changing(chat_id):
            await self._storage.settings.set_language(chat_id, language)

    async def set_poll_interval(self, chat_id: int, seconds: int) -> None:
        async with self._changing(chat_id):
            await self._storage.settings.set_poll_interval(chat_id, seconds)

    async def watch(
        self, chat_id: int, kind: NotificationKind, client: SmscClient, *, language: str
    ) -> int:
        """Start a notification: what exists now is its baseline; returns how many there are."""
        # Notifications go out with no user to take a language from: keep the one in use now.
        if (await self.settings(chat_id)).language is None:
            await self.set_language(chat_id, language)
        # The snapshot is taken before answering: every change after the answer is announced,
        # and what was already there is not.
        count = await self.baselines.take(chat_id, kind, client)
        async with self._changing(chat_id):
            await self._storage.settings.set_paused(chat_id, None)
            await self._storage.settings.set_notify(chat_id, kind, True)
        return count

    async def seen_task_status(self, chat_id: int, task_id: int) -> int | None:
        """The status the chat's export watch last saw an export in (at first, its baseline's);
        None when it has not seen it."""
        seen = (await self._storage.watch.seen_tasks_of([chat_id])).get(chat_id, {}).get(task_id)
        return None if seen is None else seen.status

    async def unwatch(self, chat_id: int, kind: NotificationKind) -> None:
        """Stop one notification; works whether or not the credentials can be read."""
        async with self._changing(chat_id):
            await self._storage.settings.set_notify(chat_id, kind, False)
        await self._storage.watch.forget(chat_id, kind)

    async def stop_watching(self, chat_id: int) -> None:
        """Every notification off and its state gone: the chat blocked the bot, or vanished."""
        async with self._changing(chat_id):
            await self._storage.chats.stop_watching(chat_id)
        # The chat is gone or blocked the bot: nothing more reaches it, whoever sends.
        async with self.guard.holding(chat_id):
            pass

    async def pause(self, chat_id: int, reason: str) -> None:
        async with self._changing(chat_id):
            await self._storage.settings.set_paused(chat_id, reason)


def credentials_of(stored: ChatCredentials) -> Credentials:
    if stored.auth_kind is AuthKind.APIKEY:
        return Credentials(login=stored.login, apikey=stored.secret)
    return Credentials(login=stored.login, password=stored.secret)
