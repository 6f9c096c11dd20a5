"""A lease held as a PostgreSQL advisory lock on a connection of its own: which replica runs
the watcher when the replicas share a PostgreSQL database.

PostgreSQL lets the lock go when the session ends: a replica that is killed loses it at once,
and one that is frozen (SIGSTOP, a long pause) loses it when the server ends its idle session
after ``ttl``. Renewing is a statement on that connection, so that a live holder is never idle
for that long. The same interface as :class:`bot.shared.leases.Lease`: ``acquire`` takes or
renews and gives the term's token, ``release`` lets go.
"""

from __future__ import annotations

import contextlib
import hashlib
import math

import asyncpg

from storage.postgres import CONNECT_TIMEOUT, describe_url

# Anything the connection raises: a session the server ended under a frozen holder can leave
# asyncpg's protocol in a state of its own (InternalClientError), and the holding is gone too.
_Lost = (Exception,)


class AdvisoryLease:
    def __init__(self, url: str, name: str, *, ttl: float, holder: str) -> None:
        self.ttl = ttl
        self.holder = holder
        self.key = f"{describe_url(url)}#lease:{name}"
        # Advisory locks are numbered: the name's hash, the same in every replica.
        digest = hashlib.blake2b(f"smsc-bot:lease:{name}".encode(), digest_size=8).digest()
        self._lock = int.from_bytes(digest, "big", signed=True)
        self._url = url
        self._connection: asyncpg.Connection | None = None
        self._terms = 0
        # The token of the current holding (this replica's count of its terms, with the
        # holder's name unique among replicas), None when not held.
        self.token: int | None = None

    async def acquire(self) -> int | None:
        """Take or renew; None when another replica holds the lock, or when the connection
        that held it is lost (the server let the lock go with the session: another replica
        may hold it already). A connection that cannot be opened raises
        :class:`ConnectionError`."""
        held = self.token
        try:
            if self._connection is not None and not self._connection.is_closed():
                # Bounded: a server that stops answering without closing the connection
                # would otherwise hold the renewal until TCP gives up, many minutes later.
                await self._connection.execute("SELECT 1", timeout=self.ttl / 3)
                return held
            self.token = None
            self._connection = await asyncpg.connect(
                self._url,
                timeout=CONNECT_TIMEOUT,
                server_settings={
                    "application_name": "smsc-bot lease",
                    # A frozen holder's session ends, and its lock with it, after the lease.
                    "idle_session_timeout": str(math.ceil(self.ttl * 1000)),
                },
            )
            taken = await self._connection.fetchval("SELECT pg_try_advisory_lock($1)", self._lock)
        except _Lost as error:
            self.token = None
            await self._drop()
            if held is not None:
                return None
            raise ConnectionError(f"lease {self.key}: {type(error).__name__}") from None
        if not taken:
            await self._drop()
            return None
        self._terms += 1
        self.token = self._terms
        return self.token

    async def release(self) -> None:
        self.token = None
        await self._drop()

    async def holder_now(self) -> str | None:
        """Whether anyone holds it (PostgreSQL does not say who): this replica's name, or
        another's unknown one."""
        if self.token is not None:
            return self.holder
        try:
            connection = await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT)
            try:
                free = await connection.fetchval("SELECT pg_try_advisory_lock($1)", self._lock)
                if free:
                    await connection.execute("SELECT pg_advisory_unlock($1)", self._lock)
                    return None
                return "another replica"
            finally:
                connection.terminate()
        except _Lost as error:
            raise ConnectionError(f"lease {self.key}: {type(error).__name__}") from None

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(*_Lost):
                await connection.close(timeout=CONNECT_TIMEOUT)
            if not connection.is_closed():
                connection.terminate()
