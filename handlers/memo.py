"""Short-lived values behind short tokens: confirmations waiting for a press, the lists behind
page buttons, readings offered as buttons, the address a card is about.

Confirmations go to a :class:`~bot.shared.tokens.TokenStore`, as JSON: with ``REDIS_URL`` every
replica reads them, so a Yes pressed on one replica carries out what another asked, once. The
rest stays in this process's memory (it holds live objects: a message, a fetched list); a
press that reaches another replica finds it expired, and the command is run again.
A restart expires both, and an expired button does nothing.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from bot.shared.tokens import LocalTokens, TokenStore

DEFAULT_TTL = 15 * 60

log = logging.getLogger("handlers.memo")

T = TypeVar("T")
A = TypeVar("A")


@dataclass(frozen=True, slots=True)
class PendingAction(Generic[A]):
    """A destructive action that waits for an administrator's confirmation, with what it needs
    to be carried out (``args``: a dataclass or TypedDict of the action's own)."""

    chat_id: int
    action: str
    account: str  # the SMSC identity the chat had when it was asked
    args: A


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def encoded(pending: PendingAction[Any]) -> str:
    return json.dumps(
        {
            "chat_id": pending.chat_id,
            "action": pending.action,
            "account": pending.account,
            "args": to_jsonable_python(pending.args),
        }
    )


def decoded(raw: str, action: str, args: type[A]) -> PendingAction[A] | None:
    """The pending ``action`` in ``raw``; None if it is another action's or unreadable (a
    token taken from one kind of button and forged into another finds nothing)."""
    try:
        value = json.loads(raw)
        if value["action"] != action:
            return None
        return PendingAction(
            chat_id=int(value["chat_id"]),
            action=action,
            account=str(value["account"]),
            args=_adapter(args).validate_python(value["args"]),
        )
    except (ValueError, KeyError, TypeError, ValidationError) as error:
        # Asked with arguments of another type than its Yes reads, or left by another
        # version of the bot: the press reads as expired, and a maintainer is told.
        log.warning(
            "pending action unreadable", extra={"action": action, "error": type(error).__name__}
        )
        return None


class Memo:
    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        max_items: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
        shared: TokenStore | None = None,
    ) -> None:
        self._ttl = ttl
        self._max = max_items
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self.shared: TokenStore = shared or LocalTokens(max_items, clock)

    async def ask(self, pending: PendingAction[Any]) -> str:
        """Keep ``pending`` where every replica finds it; the token for its buttons."""
        return await self.shared.put(encoded(pending), self._ttl)

    async def pending(self, token: str, action: str, args: type[A]) -> PendingAction[A] | None:
        """The pending ``action`` behind ``token``, left in place."""
        raw = await self.shared.get(token)
        return None if raw is None else decoded(raw, action, args)

    async def take(self, token: str) -> bool:
        """Whether this caller took the confirmation behind ``token``: of two presses, even
        simultaneous ones on two replicas, only one does."""
        return await self.shared.take(token) is not None

    def put(self, value: Any) -> str:
        self._expire()
        token = secrets.token_urlsafe(8)
        self._items[token] = (self._clock() + self._ttl, value)
        while len(self._items) > self._max:
            self._items.popitem(last=False)
        return token

    def get(self, token: str, kind: type[T]) -> T | None:
        """The value behind ``token`` if it is a ``kind``: a token taken from one kind of
        button and forged into another finds nothing."""
        item = self._items.get(token)
        if item is None:
            return None
        expires, value = item
        if expires < self._clock():
            del self._items[token]
            return None
        return value if isinstance(value, kind) else None

    def pop(self, token: str, kind: type[T]) -> T | None:
        value = self.get(token, kind)
        if value is not None:
            del self._items[token]
        return value

    def _expire(self) -> None:
        now = self._clock()
        while self._items:
            token, (expires, _) = next(iter(self._items.items()))
            if expires >= now:
                break
            del self._items[token]
