"""The kept account copies (:mod:`bot.account_copies`) in Redis, seen by every replica.

A copy is one JSON value with a lifetime, its records each as the JSON text its model dumps,
and beside it its version, which every save and drop changes: a save is one script that stores
the copy only if the version is still the one it was made from. Reads of a copy from SMSC are
serialised across replicas by a Redis lock, renewed while it is held, so that a replica killed
half-way leaves the lock behind for seconds, not for a whole read. Each replica keeps the
copies it last decoded by their version: a load whose version is unchanged costs one short
read, not the whole list's JSON (a blacklist of thousands, on every card and every block). And
a record's text is made, or read back into its model, once: a block re-encodes one record and
joins the others' texts, and another replica decodes only the records it has not seen.

The short read of a version is itself a round trip on the way to a reply, so the versions of
the copies a chat's last update here loaded are read as its next update takes the chat's lock,
in that script (:mod:`bot.shared.dialog_locks`): a version read a moment earlier, which the
save's check still guards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

from bot.copy_store import Kept, M

# Copies older than SMSC's window are read again when used; one unused for this long goes.
COPY_TTL = 3600
# A lock outlives a dead holder by this much; a live one renews it every third of it.
LOCK_TTL = 15.0
# Decoded copies a replica keeps by their version; the least recently used go first.
DECODED = 1000
# Chats whose last update's copies a replica remembers, to read their versions ahead.
CHATS_AHEAD = 10_000
# How long a version read with the lock stands for the copy's: a moment, not a card that
# waits seconds for SMSC before it loads the blacklist.
AHEAD_FOR = 0.5

# KEYS: the copy, its version. ARGV: the version expected, the new one, the copy ("" for
# none), its lifetime (s). Returns 1 when saved, 0 when the version had changed.
_SAVE = """
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[4])
return 1
"""


@dataclass(frozen=True, slots=True)
class _Decoded:
    version: str
    kept: Kept[Any]
    texts: tuple[str, ...]  # each record's JSON, in the records' order


@dataclass(slots=True)
class _Ahead:
    """An update's versions read with its chat's lock (at ``read_at``), each taken by its first
    load within :data:`AHEAD_FOR` (a later one, after a save of its own perhaps, asks Redis);
    and the version keys it loaded. ``open`` while the update lasts: a task it started, which
    shares its context, asks Redis afterwards."""

    chat: str
    versions: dict[str, str]
    read_at: float
    loaded: list[str] = field(default_factory=list)
    open: bool = True


class RedisCopyStore:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "smsc-bot",
        ttl: int = COPY_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis = redis
        self._clock = clock
        # "copies": each record its own text (the "copy" keys of older replicas hold them
        # otherwise; they end by themselves).
        self._prefix = f"{prefix}:copies:"
        self._ttl = ttl
        self._save = redis.register_script(_SAVE)
        # Callers in this process wait on a local lock first: only one of them asks Redis.
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}
        self._decoded: OrderedDict[str, _Decoded] = OrderedDict()
        self._loaded_by: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._ahead: ContextVar[_Ahead | None] = ContextVar("copy_versions_ahead", default=None)

    def _keys(self, key: str) -> list[str]:
        return [self._prefix + key, self._prefix + key + ":v"]

    def keys_to_read(self, chat: str) -> list[str]:
        """The version keys the last update of ``chat`` (its lock's name) loaded here."""
        return list(self._loaded_by.get(chat, ()))

    @contextlib.contextmanager
    def read_ahead(self, chat: str, keys: Sequence[str], values: Sequence[Any]) -> Iterator[None]:
        """Around an update: what the versions under ``keys`` were as it took its chat's lock."""
        versions = {k: _text(v) for k, v in zip(keys, values, strict=True)}
        ahead = _Ahead(chat, versions, self._clock())
        token = self._ahead.set(ahead)
        try:
            yield
        finally:
            ahead.open = False
            self._ahead.reset(token)

    def _version_ahead(self, version_key: str) -> str | None:
        ahead = self._ahead.get()
        if ahead is None or not ahead.open:
            return None
        if version_key not in ahead.loaded:
            ahead.loaded.append(version_key)
            self._loaded_by[ahead.chat] = tuple(ahead.loaded)
            self._loaded_by.move_to_end(ahead.chat)
            while len(self._loaded_by) > CHATS_AHEAD:
                self._loaded_by.popitem(last=False)
        version = ahead.versions.pop(version_key, None)
        return version if self._clock() - ahead.read_at <= AHEAD_FOR else None

    async def load(self, key: str, model: type[M]) -> tuple[str, Kept[M] | None]:
        data, version_key = self._keys(key)
        known = self._decoded.get(key)
        current = self._version_ahead(version_key)
        if current is None and known is not None:
            current = _text(await self.redis.get(version_key))
        if known is not None and current == known.version:
            self._decoded.move_to_end(key)
            return known.version, known.kept
        raw, stored = await self.redis.mget(data, version_key)
        version = _text(stored)
        if raw is None:
            return version, None
        value = json.loads(raw)
        texts = tuple(value["records"])
        seen = dict(zip(known.texts, known.kept.records, strict=True)) if known else {}
        records = tuple(seen.get(text) or model.model_validate_json(text) for text in texts)
        loaded = Kept(value["read_at"], records, value["complete"])
        self._remember(key, _Decoded(version, loaded, texts))
        return version, loaded

    def seen(self, key: str) -> tuple[str, Kept[Any]] | None:
        known = self._decoded.get(key)
        return None if known is None else (known.version, known.kept)

    async def save(self, key: str, kept: Kept[Any] | None, *, expected: str) -> str | None:
        self._forget_ahead(key)
        version = secrets.token_hex(8)
        texts = () if kept is None else self._texts(key, kept)
        value = "" if kept is None else json.dumps(_document(kept, texts))
        args: list[str | int] = [expected, version, value, self._ttl]
        if not int(await self._save(keys=self._keys(key), args=args)):
            return None
        if kept is None:
            self._decoded.pop(key, None)
        else:
            self._remember(key, _Decoded(version, kept, texts))
        return version

    def _texts(self, key: str, kept: Kept[Any]) -> tuple[str, ...]:
        """Each record's JSON; those of the copy it was made from are not made again (the
        same objects: that copy holds them, so their ids are theirs alone)."""
        known = self._decoded.get(key)
        made: dict[int, str] = {}
        if known is not None:
            made = {id(r): t for r, t in zip(known.kept.records, known.texts, strict=True)}
        return tuple(
            made.get(id(record)) or record.model_dump_json(by_alias=True) for record in kept.records
        )

    def _remember(self, key: str, decoded: _Decoded) -> None:
        self._decoded[key] = decoded
        self._decoded.move_to_end(key)
        while len(self._decoded) > DECODED:
            self._decoded.popitem(last=False)

    def _forget_ahead(self, key: str) -> None:
        ahead = self._ahead.get()
        if ahead is not None:
            ahead.versions.pop(self._keys(key)[1], None)

    async def drop(self, key: str) -> None:
        self._forget_ahead(key)
        self._decoded.pop(key, None)
        data, version_key = self._keys(key)
        async with self.redis.pipeline(transaction=True) as both:
            both.delete(data)
            both.set(version_key, secrets.token_hex(8), ex=self._ttl)
            await both.execute()

    @contextlib.asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        lock, users = self._local.get(key) or (asyncio.Lock(), 0)
        self._local[key] = (lock, users + 1)
        try:
            async with lock, self._shared_lock(key):
                yield
        finally:
            lock, users = self._local[key]
            if users == 1:
                del self._local[key]
            else:
                self._local[key] = (lock, users - 1)

    @contextlib.asynccontextmanager
    async def _shared_lock(self, key: str) -> AsyncIterator[None]:
        lock = Lock(self.redis, f"{self._prefix}{key}:lock", timeout=LOCK_TTL, sleep=0.02)
        await lock.acquire()
        renewing = asyncio.create_task(_renew(lock))
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            # Lost meanwhile (Redis restarted): another holder may have it now; nothing to free.
            with contextlib.suppress(LockError, RedisError, OSError):
                await lock.release()


async def _renew(lock: Lock) -> None:
    while True:
        await asyncio.sleep(LOCK_TTL / 3)
        with contextlib.suppress(LockError, RedisError, OSError):
            await lock.reacquire()


def _document(kept: Kept[Any], texts: tuple[str, ...]) -> dict[str, Any]:
    return {"read_at": kept.read_at, "complete": kept.complete, "records": texts}


def _text(raw: bytes | str | None) -> str:
    """A version as Redis gave it back; "" when there is none."""
    return raw.decode() if isinstance(raw, bytes) else (raw or "")
