"""Short-lived values behind short tokens: confirmations waiting for a press, the lists behind
page buttons (with their search), the address a card is about, readings offered as buttons.

Confirmations go to a :class:`~bot.shared.tokens.TokenStore`, as JSON: with ``REDIS_URL`` every
replica reads them, so a Yes pressed on one replica carries out what another asked, once. Lists
and cards go there too when there are replicas (:meth:`Memo.share`), and are kept in this
process as well, so that the replica that showed them reads them without Redis. Readings stay in
this process (they hold the command's message): one pressed on another replica finds them
expired, and the command is sent again. A restart of one process expires what only it held, and
an expired button does nothing.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from bot.shared.tokens import Expiring, LocalTokens, TokenStore, new_token

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


def type_adapter(shape: Any) -> TypeAdapter[Any]:
    """pydantic's reader of one shape (a dataclass, a TypedDict), built once."""
    adapter = _ADAPTERS.get(shape)
    if adapter is None:
        adapter = _ADAPTERS[shape] = TypeAdapter(shape)
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
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("action") != action:
        return None
    try:
        return PendingAction(
            chat_id=int(value["chat_id"]),
            action=action,
            account=str(value["account"]),
            args=type_adapter(args).validate_python(value["args"]),
        )
    except (ValueError, KeyError, TypeError, ValidationError) as error:
        # Asked with arguments of another type than its Yes reads, or left by another
        # version of the bot: the press reads as expired, and a maintainer is told.
        log.warning(
            "pending action unreadable", extra={"action": action, "error": type(error).__name__}
        )
        return None


def typed_json(value: object) -> dict[str, Any]:
    """``value`` (a dataclass of JSON values) with its type's name, for :meth:`Memo.recall`: a
    token taken from one kind of button and forged into another finds nothing."""
    return {"type": type(value).__qualname__, "value": to_jsonable_python(value)}


def read_typed(value: Any, kind: type[T]) -> T | None:
    if not isinstance(value, dict) or value.get("type") != kind.__qualname__:
        return None
    try:
        read: T = type_adapter(kind).validate_python(value.get("value"))
    except ValidationError:
        return None
    return read


class Memo:
    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        max_items: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
        shared: TokenStore | None = None,
    ) -> None:
        self._ttl = ttl
        self._items: Expiring[object] = Expiring(max_items, clock)
        self.shared: TokenStore = shared or LocalTokens(max_items, clock)

    async def ask(self, pending: PendingAction[Any]) -> str:
        """Keep ``pending`` where every replica finds it; the token for its buttons."""
        return await self.shared.put(encoded(pending), self._ttl)

    async def give_back(self, token: str, pending: PendingAction[Any]) -> None:
        """Put a taken confirmation back under its token: what it confirms did not happen."""
        await self.shared.put(encoded(pending), self._ttl, token)

    async def pending(self, token: str, action: str, args: type[A]) -> PendingAction[A] | None:
        """The pending ``action`` behind ``token``, left in place."""
        raw = await self.shared.get(token)
        return None if raw is None else decoded(raw, action, args)

    @property
    def replicated(self) -> bool:
        """Whether other processes read the shared store (Redis), not this one alone."""
        return not isinstance(self.shared, LocalTokens)

    async def share(self, value: object, as_json: Callable[[], object]) -> str:
        """Keep ``value`` in this process and, with replicas, ``as_json()`` (what it reads back
        from) in the shared store, under one token."""
        if not self.replicated:
            return self.put(value)
        token = await self.shared.put(json.dumps(as_json()), self._ttl)
        self._hold(token, value)
        return token

    async def shared_json(self, token: str) -> Any:
        """What :meth:`share` kept for another replica under ``token``; None if nothing."""
        if not self.replicated:
            return None
        raw = await self.shared.get(token)
        try:
            return None if raw is None else json.loads(raw)
        except ValueError:
            return None

    async def recall(self, token: str, kind: type[T]) -> T | None:
        """The ``kind`` shared behind ``token``: this process's own, or else read back from the
        shared store (see :func:`typed_json`)."""
        value = self.get(token, kind)
        if value is not None:
            return value
        value = read_typed(await self.shared_json(token), kind)
        if value is not None:
            self._hold(token, value)
        return value

    async def take(self, token: str) -> bool:
        """Whether this caller took the confirmation behind ``token``: of two presses, even
        simultaneous ones on two replicas, only one does."""
        return await self.shared.take(token) is not None

    def put(self, value: Any) -> str:
        """Keep ``value`` in this process only; its token."""
        token = new_token()
        self._hold(token, value)
        return token

    def put_back(self, token: str, value: object) -> None:
        """Keep a popped ``value`` under its token again: what its button does did not
        happen, and the button is to work once more."""
        self._hold(token, value)

    def _hold(self, token: str, value: object) -> None:
        self._items.put(token, value, self._ttl)

    def get(self, token: str, kind: type[T]) -> T | None:
        """The value behind ``token`` if it is a ``kind``: a token taken from one kind of
        button and forged into another finds nothing."""
        value = self._items.get(token)
        return value if isinstance(value, kind) else None

    def pop(self, token: str, kind: type[T]) -> T | None:
        value = self.get(token, kind)
        if value is not None:
            self._items.pop(token)
        return value
