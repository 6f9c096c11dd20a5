"""What several replicas share, built from ``REDIS_URL``: the SMSC limiter, dialogs and their
per-chat locks, kept account copies, pending confirmations, login attempts, handled updates
and the leases.

Keys for SMSC (its limits, the server's address blocks) are shared by every bot on one Redis:
SMSC counts per login and per address whichever bot sends. Everything else is per bot.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.config import Settings
from bot.dialog_storage import SharedDialogStorage, shared_key_builder
from bot.shared.attempts import RedisLoginAttempts
from bot.shared.copies import RedisCopyStore
from bot.shared.dialog_locks import StateReadWithLock
from bot.shared.leases import Held, Lease, replica_name
from bot.shared.records import KeptRecords
from bot.shared.tokens import RedisTokens
from bot.shared.updates import UpdateClaims
from bot.smsc.address_gate import AddressBlock
from bot.smsc.limiter import Stamp
from bot.smsc.redis_limiter import RedisLimiter
from bot.startup import StartupError
from storage import Storage
from storage.advisory_lease import AdvisoryLease

log = logging.getLogger("bot.assembly.replicas")

SMSC_PREFIX = "smsc-bot:smsc"


@dataclass
class Replicas:
    redis: Redis
    settings: Settings
    # Built with ``redis`` (:func:`shared_redis`): tells when Redis is another server.
    connections: Connections
    name: str = field(default_factory=replica_name)
    _limiter: RedisLimiter | None = field(default=None, init=False)
    _records: KeptRecords | None = field(default=None, init=False)

    @property
    def prefix(self) -> str:
        # The bot's id is the token's public half: bots sharing one Redis keep apart.
        return f"smsc-bot:{self.settings.bot_token.get_secret_value().partition(':')[0]}"

    def limiter(self, storage: Storage) -> RedisLimiter:
        self._limiter = RedisLimiter(
            self.redis,
            window=self.settings.smsc_rate_window,
            journal=storage.limits,
            recent=lambda: kept_windows(storage),
            address_backoff=self.settings.smsc_ip_block_backoff,
            prefix=SMSC_PREFIX,
        )
        return self._limiter

    def dialogs(self, storage: Storage) -> SharedDialogStorage:
        return SharedDialogStorage(self.redis, storage, prefix=self.prefix)

    def isolation(
        self,
        claims: UpdateClaims | None = None,
        copies: RedisCopyStore | None = None,
        records: KeptRecords | None = None,
    ) -> StateReadWithLock:
        """aiogram's per-chat locks; ``claims``: an update arriving through the webhook is
        claimed as its chat's lock is taken; ``copies``: the versions of the copies it will
        load are read then too; ``records``: and the version of the chat's record."""
        return StateReadWithLock(
            self.redis,
            key_builder=shared_key_builder(self.prefix),
            claims=claims,
            ahead=copies,
            records=records,
        )

    def records(self) -> KeptRecords:
        """The chat records this replica keeps while no replica changes them."""
        if self._records is None:
            self._records = KeptRecords(self.redis, prefix=self.prefix)
            self.connections.told.append(self._records.reconnected)
        return self._records

    def copies(self) -> RedisCopyStore:
        return RedisCopyStore(self.redis, prefix=self.prefix)

    def memo_store(self) -> RedisTokens:
        """Where confirmations wait for a press, for every replica."""
        return RedisTokens(self.redis, prefix=self.prefix)

    def attempts(self, storage: Storage) -> RedisLoginAttempts:
        return RedisLoginAttempts(self.redis, journal=storage.login_attempts, prefix=self.prefix)

    def claims(self) -> UpdateClaims:
        # An update in hand on a replica that died is handled elsewhere once its claim ends.
        return UpdateClaims(
            self.redis,
            replica=self.name,
            prefix=self.prefix,
            claim_for=self.settings.replica_lease,
        )

    def watch_lease(self) -> Held:
        """Which replica runs the watcher: on PostgreSQL, the holder of an advisory lock (the
        database the deliveries are claimed in decides), else a lease in Redis."""
        url = self.settings.database_url
        if url is not None:
            return AdvisoryLease(
                url.get_secret_value(), "watcher", ttl=self.settings.replica_lease, holder=self.name
            )
        return self.lease("watcher")

    def lease(self, name: str) -> Lease:
        return Lease(
            self.redis, name, ttl=self.settings.replica_lease, holder=self.name, prefix=self.prefix
        )

    async def first_to_set_webhook(self, url: str, secret: str) -> bool:
        """Whether this replica is the one to tell Telegram the webhook (the others starting
        with the same address and secret within ten minutes leave it)."""
        return bool(
            await self.redis.set(self._webhook_key(url, secret), self.name, nx=True, ex=600)
        )

    async def webhook_not_set(self, url: str, secret: str) -> None:
        """setWebhook failed: the next replica to start tries again."""
        with contextlib.suppress(RedisError, OSError):
            await self.redis.delete(self._webhook_key(url, secret))

    def _webhook_key(self, url: str, secret: str) -> str:
        # Keyed: the secret's hash must not be open to a dictionary.
        named = hmac.new(
            self.settings.keyring().derive("webhook"), f"{url}\n{secret}".encode(), hashlib.sha256
        )
        return f"{self.prefix}:webhook:{named.hexdigest()[:32]}"

    async def settled(self) -> None:
        """The limiter's work behind answers (their stamps, journaled in the database) done."""
        if self._limiter is not None:
            await self._limiter.settled()

    async def close(self) -> None:
        if self._limiter is not None:
            await self._limiter.close()
        with contextlib.suppress(RedisError, OSError):
            await self.redis.aclose()


async def kept_windows(storage: Storage) -> tuple[list[Stamp], list[AddressBlock]]:
    """The limiter's windows and the address blocks the database kept."""
    stamps, blocks = await storage.limits.recent()
    return (
        [Stamp(s.bucket, s.rule, s.limit, s.at) for s in stamps],
        [AddressBlock(b.site, b.until, b.backoff) for b in blocks],
    )


class Connections:
    """Tells ``told`` when a new connection reaches another Redis server than the last one did
    (its run id differs): restarted, or failed over, it may hold an older state. A pool that
    only grows tells nothing."""

    def __init__(self) -> None:
        self.told: list[Callable[[], None]] = []
        self._server: bytes | None = None

    async def opened(self, connection: AbstractConnection) -> None:
        await connection.on_connect()
        await connection.send_command("INFO", "server")
        try:
            info = await connection.read_response()
        except ResponseError:
            # INFO refused (a hosted Redis may): every new connection counts as another server.
            server = None
        else:
            text = info if isinstance(info, bytes) else str(info).encode()
            server = next((ln for ln in text.splitlines() if ln.startswith(b"run_id:")), None)
        if server is not None and server == self._server:
            return
        before, self._server = self._server, server
        if before is not None or server is None:
            for tell in self.told:
                tell()


def shared_redis(url: str, connections: Connections) -> Redis:
    return Redis.from_url(
        url,
        # A Redis restarted under the bot leaves every pooled connection dead: a command is
        # tried again on a fresh one, a few times within a second, before a person is told.
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_connect_timeout=2,
        # A Redis that stops answering without closing the connection is an error within
        # seconds, not a command hanging for good.
        socket_timeout=5,
        health_check_interval=10,
        redis_connect_func=connections.opened,
    )


async def connect(settings: Settings) -> Replicas | None:
    """The shared engines, or None for one process on its own. Unreachable Redis stops the
    start: a replica that cannot share its limits must not send anything."""
    if settings.redis_url is None:
        return None
    connections = Connections()
    redis = shared_redis(settings.redis_url.get_secret_value(), connections)
    try:
        await redis.ping()
    except (RedisError, OSError) as error:
        await redis.aclose()
        raise StartupError(f"cannot reach Redis at REDIS_URL ({type(error).__name__})") from None
    log.info("sharing through redis")
    return Replicas(redis, settings, connections)
