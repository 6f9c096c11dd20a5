"""Which chats are due, grouped by the credentials they share, and one account's poll."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from bot.accounts import ChatAccounts
from bot.smsc import (
    AddressBlockedError,
    AuthenticationError,
    ClientRateLimitError,
    DownloadTask,
    FailuresHeldError,
    IpBlockedError,
    Listing,
    Sender,
    SmscClient,
    SmscError,
)
from storage import (
    ChatCredentials,
    ChatSettings,
    CredentialsUnreadableError,
    NotificationKind,
    Storage,
)

log = logging.getLogger("bot.watcher")

M = TypeVar("M", bound=BaseModel)

# Credentials rows decrypted at once: only the clients made of them outlive a batch.
DECRYPT_BATCH = 1000


@dataclass
class Answer(Generic[M]):
    """One poll's answer, the whole list; ``key`` names it (its digest)."""

    listing: Listing[M]
    # Its records in the stored form, made once and shared by every chat that takes the answer
    # as its baseline: a first sweep over thousands of chats holds one copy per account.
    _seen: list[Any] | None = field(default=None, repr=False)
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = self.listing.digest

    def seen(self, baseline: Callable[[Sequence[M]], list[Any]]) -> list[Any]:
        if self._seen is None:
            self._seen = baseline(self.records)
        return self._seen

    @property
    def records(self) -> list[M]:
        # The list as read, with what it could not read (bot.smsc.Records): never a copy, or
        # an unreadable record would pass for a deleted one.
        return self.listing.records()


@dataclass(slots=True)
class WatchedChat:
    """A chat due in this sweep, with its account's generation when the sweep began (see
    :mod:`storage.deliveries`): nothing is delivered to it once that changes."""

    settings: ChatSettings
    generation: int

    @property
    def chat_id(self) -> int:
        return self.settings.chat_id


@dataclass(slots=True)
class Login:
    """The chats that share one set of credentials in this sweep, and their client."""

    key: str
    client: SmscClient
    chats: list[WatchedChat] = field(default_factory=list)

    def watches(self, kind: NotificationKind) -> bool:
        return any(chat.settings.notifies(kind) for chat in self.chats)


# The steps of :meth:`PollTimes.spread` (a prime: ids in runs spread evenly).
SPREAD = 997


class PollTimes:
    """When each chat was last polled: due again an interval later, or after its own longer
    interval. The request a new watch makes for its baseline counts as its first poll."""

    def __init__(self, interval: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._at: dict[int, float] = {}

    def polled(self, chat_ids: Iterable[int]) -> None:
        now = self.clock()
        for chat_id in chat_ids:
            self._at[chat_id] = now

    def forget(self, chat_id: int) -> None:
        self._at.pop(chat_id, None)

    def spread(self, chat_ids: Iterable[int]) -> None:
        """Give the chats with no poll time one spread over the last interval, by chat id: half
        are due at once, the rest an interval later."""
        now = self.clock()
        for chat_id in chat_ids:
            if chat_id not in self._at:
                self._at[chat_id] = now - self.interval * (chat_id % SPREAD) / SPREAD

    def due(self, settings: ChatSettings, now: float) -> bool:
        last = self._at.get(settings.chat_id)
        if last is None:
            return True
        every = max(settings.poll_interval or 0, self.interval)
        # Half an interval of slack absorbs the scheduler's jitter.
        return now - last >= every - self.interval / 2


@dataclass(frozen=True, slots=True)
class _Client:
    """The client of one set of credentials, shared by the chats that stored them."""

    same: tuple[object, ...] = field(repr=False)  # what they stored, the secret included
    client: SmscClient


class Clients:
    """Each due chat's client, kept between sweeps by the version of the chat's stored row:
    a row is decrypted again only when it changed (decrypting every row each sweep was a good
    part of a steady sweep's work)."""

    def __init__(self, storage: Storage, accounts: ChatAccounts) -> None:
        self._storage = storage
        self._accounts = accounts
        # By the version of the stored row each came from: a version names one row of one
        # chat (see storage.CredentialsRepository.versions).
        self._known: dict[int, _Client] = {}

    async def of(self, chat_ids: list[int]) -> dict[int, SmscClient]:
        known, fresh, found = self._known, {}, {}
        changed: list[tuple[int, int]] = []
        async for chat_id, version in self._storage.credentials.versions(chat_ids):
            kept = known.get(version)
            if kept is None:
                changed.append((chat_id, version))
            else:
                fresh[version], found[chat_id] = kept, kept.client
        # Most chats share credentials with others: one client per set of them.
        shared = {kept.same: kept for kept in known.values()}
        for at in range(0, len(changed), DECRYPT_BATCH):
            batch = changed[at : at + DECRYPT_BATCH]
            stored = await self._storage.credentials.many([chat_id for chat_id, _ in batch])
            for chat_id, version in batch:
                made = self._client(chat_id, stored.get(chat_id), shared)
                if made is not None:
                    fresh[version], found[chat_id] = made, made.client
        # Rows that changed, and chats that logged out, stopped watching or are not due, are
        # forgotten: decrypted again when they are next due.
        self._known = fresh
        return found

    def _client(
        self,
        chat_id: int,
        credentials: ChatCredentials | CredentialsUnreadableError | None,
        shared: dict[tuple[object, ...], _Client],
    ) -> _Client | None:
        if isinstance(credentials, CredentialsUnreadableError):
            log.error("cannot watch a chat", extra={"chat_id": chat_id, "error": str(credentials)})
            return None
        if credentials is None:
            return None
        same = (
            credentials.region,
            credentials.base_url,
            credentials.auth_kind,
            credentials.login,
            credentials.secret,
        )
        made = shared.get(same)
        if made is None:
            # Never waits for a slot: an account without one is skipped this sweep, so that
            # no other account's notifications wait on it.
            made = shared[same] = _Client(same, self._accounts.client(credentials, max_wait=0))
        return made


def group_by_account(due: list[ChatSettings], clients: dict[int, SmscClient]) -> list[Login]:
    """The due chats, one :class:`Login` per set of credentials (never per login name: a chat
    whose password went stale is polled with its own, and hears only that it fails)."""
    logins: dict[str, Login] = {}
    for settings in due:
        client = clients.get(settings.chat_id)
        if client is None:
            continue
        key = client.account.key
        login = logins.get(key)
        if login is None:
            login = logins[key] = Login(key, client)
        login.chats.append(WatchedChat(settings, settings.generation))
    return list(logins.values())


class Outcome(Enum):
    ANSWERED = "answered"
    STARVED = "starved"  # no free slot in the limiter: polled first next time
    REJECTED = "rejected"  # error 2: the credentials no longer work
    FAILED = "failed"


@dataclass
class Polled:
    """What one account's poll brought: an answer per kind it watches (None when it could not
    be had), how many requests it took, and how it ended."""

    tasks: Answer[DownloadTask] | None = None
    senders: Answer[Sender] | None = None
    requests: int = 0
    outcome: Outcome = Outcome.ANSWERED

    @property
    def anything(self) -> bool:
        return self.tasks is not None or self.senders is not None


async def poll(login: Login) -> Polled:
    """Ask SMSC for what the login's chats watch. An answer had before a failure is kept."""
    polled = Polled()
    try:
        if login.watches(NotificationKind.DOWNLOADS):
            polled.requests += 1
            polled.tasks = Answer(await login.client.downloads.listing())
        if login.watches(NotificationKind.SENDERS):
            polled.requests += 1
            # The whole list every time, not the one narrowed by ``from_date``: the page
            # promises there only the names whose status changed at an operator, so a new name
            # or a change of moderation would wait for the next whole list. An unchanged answer
            # costs its digest alone.
            polled.senders = Answer(await login.client.senders.listing(all=True, operators=True))
    except AuthenticationError:
        polled.outcome = Outcome.REJECTED
    except (ClientRateLimitError, FailuresHeldError):
        # Held back, by the account's windows or by failures on its site: polled first in
        # the next sweep.
        polled.outcome = Outcome.STARVED
        log.info("poll skipped: the account is held back", extra={"login": login.key})
    except (AddressBlockedError, IpBlockedError) as error:
        # The limiter holds every account on that site back, then probes once.
        polled.outcome, polled.tasks, polled.senders = Outcome.FAILED, None, None
        log.warning(
            "smsc blocked this server's address; polls wait",
            extra={"login": login.key, "retry_after": error.retry_after},
        )
    except SmscError as error:
        # A slow or failing login is skipped this time; the others go on.
        polled.outcome = Outcome.FAILED
        log.warning("poll failed", extra={"login": login.key, "error": type(error).__name__})
    return polled
