"""aiogram's FSM storage on the bot's own database, so that a restart closes no dialog.

Someone asked for their password who sends it after a deploy must still be in the login
dialog, or the secret would stay in the chat as a stray message. The storage also keeps, for
the handlers (which reach it as ``fsm_storage``), what is left of login dialogs and prompts
once they are over: see :mod:`storage.dialogs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.shared.dialog_locks import state_read_with_lock
from storage import DialogsRepository, LoginTracesRepository, Storage
from storage.dialogs import DIALOG_TTL


def _key(key: StorageKey) -> str:
    return ":".join(
        str(part if part is not None else "")
        for part in (
            key.bot_id,
            key.chat_id,
            key.user_id,
            key.thread_id,
            key.business_connection_id,
            key.destiny,
        )
    )


def _state_name(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


class DialogStorage(BaseStorage):
    def __init__(self, storage: Storage) -> None:
        self._dialogs: DialogsRepository = storage.dialogs
        self.login_traces: LoginTracesRepository = storage.login_traces

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        _, data = await self._dialogs.get(_key(key))
        await self._dialogs.put(_key(key), _state_name(state), data)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._dialogs.get(_key(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        state, _ = await self._dialogs.get(_key(key))
        await self._dialogs.put(_key(key), state, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._dialogs.get(_key(key))
        return data

    async def close(self) -> None:
        """The database belongs to the application, which closes it."""


class SharedDialogStorage(RedisStorage):
    """With replicas: aiogram's Redis storage, so that a dialog begun through one replica goes
    on through another (JSON values that end a day after their last change), and the login
    traces in the shared database beside it."""

    def __init__(self, redis: Redis, storage: Storage, *, prefix: str) -> None:
        super().__init__(
            redis,
            key_builder=shared_key_builder(prefix),
            state_ttl=int(DIALOG_TTL),
            data_ttl=int(DIALOG_TTL),
        )
        self.login_traces: LoginTracesRepository = storage.login_traces

    async def get_state(self, key: StorageKey) -> str | None:
        read, state = state_read_with_lock(self.key_builder.build(key, "state"))
        return state if read else await super().get_state(key)

    async def close(self) -> None:
        """Redis belongs to the application, which closes it."""


def shared_key_builder(prefix: str) -> DefaultKeyBuilder:
    """The keys of dialogs and of aiogram's event isolation (its per-chat locks)."""
    return DefaultKeyBuilder(prefix=f"{prefix}:fsm", with_destiny=True)


def login_traces(storage: BaseStorage) -> LoginTracesRepository:
    """The login traces behind a dispatcher's FSM storage (handlers get it as ``fsm_storage``,
    or as ``state.storage``)."""
    if not isinstance(storage, DialogStorage | SharedDialogStorage):
        raise TypeError("the dispatcher's FSM storage must be a DialogStorage")
    return storage.login_traces
