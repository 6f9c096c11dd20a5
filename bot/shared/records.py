"""The chat records a replica keeps (:meth:`bot.accounts.ChatAccounts.record`), used while a
version in Redis says that no replica has changed them since.

Every update reads its chat's record first (its language, its credentials): with replicas, a
PostgreSQL round trip on the way to every reply. A replica keeps the record it read with the
version the chat's key held when the update took the chat's lock (read by that same script,
:mod:`bot.shared.dialog_locks`); a later update whose lock comes back with the same version
uses it. Every change of a chat's record sets a new random version before it is written (when
Redis cannot take it, nothing is written) and again once it is: a change made under the chat's
lock (a ``/logout``) is seen by the chat's next update on every replica; one made without it
(the watcher's) is seen once its second version is set. Whatever happens, a kept record is read
again after :data:`KEEP_FOR`. A version Redis lost comes back as a new random one, which
nothing kept matches; and since a Redis restarted from a snapshot, or a failover to a replica
that lagged, may bring an old version back, a connection to another Redis server than before
(which both mean, :class:`bot.assembly.replicas.Connections`) drops everything kept, and a
version read across one is not kept with. (A Redis restored behind a connection that stays
open, through a proxy, is not noticed: :data:`KEEP_FOR` still bounds what a replica uses.)

A private chat's one lock covers every update of the chat (its person's; a lock of another
user's in a private chat would not, and carries no version). A group's members each hold a lock
of their own: a change one makes while another's update reads is seen once its second version
is set, as the watcher's is; and a group's credentials are read again right before the handler
whatever is kept (:class:`bot.middlewares.SmscClientMiddleware`), so of a group only its
settings are kept, not its sealed credentials. A lock of a topic of its own (were dialogs kept
per topic) or of a business chat carries no version either: the record is read every time.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from storage import ChatRecord
from storage.cache import Recent

log = logging.getLogger("bot.shared")

# A chat's version lasts this long unchanged; gone, the next lock sets a new one.
VERSION_TTL = 7 * 24 * 3600
# A kept record is read again after this long, whatever its version says.
KEEP_FOR = 60.0
# Chats whose record a replica keeps; the least recently used go first.
CHATS_KEPT = 10_000


@dataclass(frozen=True, slots=True)
class _Kept:
    version: str
    record: ChatRecord
    at: float


@dataclass(slots=True)
class _Taken:
    """The version a chat's key held as the running update took the chat's lock; ``open``
    while the update lasts (a task it left behind shares its context, not its lock)."""

    chat_id: int
    version: str
    connection: int
    open: bool = True


class KeptRecords:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "smsc-bot",
        clock: Callable[[], float] = time.monotonic,
        keep_for: float = KEEP_FOR,
    ) -> None:
        self.redis = redis
        self._prefix = f"{prefix}:record:"
        self._clock = clock
        self._keep_for = keep_for
        self._kept: Recent[int, _Kept] = Recent(CHATS_KEPT)
        # Connections to another Redis server so far (:meth:`reconnected`).
        self._connections = 0
        self._taken: ContextVar[_Taken | None] = ContextVar("record_version", default=None)

    def version_key(self, chat_id: int) -> str:
        return f"{self._prefix}{chat_id}"

    @staticmethod
    def new_version() -> str:
        return secrets.token_hex(8)

    @property
    def connections(self) -> int:
        """Connections to another Redis server so far: read before the lock's script is sent."""
        return self._connections

    @contextlib.contextmanager
    def taken_with_lock(
        self, chat_id: int, version: bytes | str, *, connections: int
    ) -> Iterator[None]:
        """Around an update holding the chat's lock: ``version``, what the chat's key held as
        the lock was taken, by a script sent when :attr:`connections` was ``connections``."""
        text = version.decode() if isinstance(version, bytes) else version
        taken = _Taken(chat_id, text, connections)
        token = self._taken.set(taken)
        try:
            yield
        finally:
            taken.open = False
            self._taken.reset(token)

    def kept(self, chat_id: int) -> ChatRecord | None:
        """The record kept for the chat, if its version is still the one the lock read."""
        version = self._version(chat_id)
        kept = self._kept.get(chat_id)
        if not isinstance(kept, _Kept) or version is None:
            return None
        if kept.version != version or self._clock() - kept.at > self._keep_for:
            # Changed since: what is kept of it (its sealed credentials too) goes now.
            self._kept.forget(chat_id)
            return None
        return kept.record

    def keep(self, chat_id: int, record: ChatRecord) -> None:
        """``record``, read from the database while the running update holds the chat's lock."""
        version = self._version(chat_id)
        if version is None:
            return
        if chat_id < 0:
            # A group: its credentials are read again before every handler, so not kept.
            record = ChatRecord(record.settings, record.credentials.withheld())
        self._kept.put(chat_id, _Kept(version, record, self._clock()))

    def reconnected(self) -> None:
        """A connection reached another Redis server than before: it may hold older versions
        (restarted from a snapshot, failed over), so nothing kept before is used."""
        self._connections += 1
        self._kept.clear()

    @contextlib.asynccontextmanager
    async def changing(self, *chat_ids: int) -> AsyncIterator[None]:
        """Around a change of these chats' records. Raises Redis's error, before anything is
        written, when the versions cannot be changed."""
        self._kept.forget(*chat_ids)
        await self._renew(chat_ids)
        try:
            yield
        finally:
            self._kept.forget(*chat_ids)
            try:
                await self._renew(chat_ids)
            except (RedisError, OSError) as error:
                # The first version change stands: a change made under the chat's lock is seen
                # anyway; one made without it is, at the latest, after KEEP_FOR.
                log.warning("record version not renewed", extra={"error": type(error).__name__})

    def _version(self, chat_id: int) -> str | None:
        taken = self._taken.get()
        if taken is None or not taken.open or taken.chat_id != chat_id:
            return None
        if taken.connection != self._connections:
            return None  # read across a connection to another Redis server
        return taken.version

    async def _renew(self, chat_ids: tuple[int, ...]) -> None:
        async with self.redis.pipeline(transaction=False) as versions:
            for chat_id in chat_ids:
                versions.set(self.version_key(chat_id), self.new_version(), ex=VERSION_TTL)
            await versions.execute()
