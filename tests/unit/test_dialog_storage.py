"""Dialogs kept in the database: aiogram's FSM survives a restart, a stale dialog is forgotten,
and the traces of login dialogs and prompts last as long as they should and no longer. On SQLite
and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.dialog_storage import DialogStorage
from storage import AuthKind, Database, Keyring, Storage, generate_key
from storage.dialogs import DialogsRepository, LoginTracesRepository

KEY = StorageKey(bot_id=1, chat_id=7, user_id=7)


class Asking(StatesGroup):
    secret = State()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def database(database_target: str | Path) -> AsyncIterator[Database]:
    opened = await Database.open(database_target)
    yield opened
    await opened.close()


async def test_a_dialog_survives_reopening_the_database(database_target: str | Path) -> None:
    keyring = Keyring.from_text(generate_key())
    storage = await Storage.open(database_target, keyring)
    try:
        context = FSMContext(DialogStorage(storage), KEY)
        await context.set_state(Asking.secret)
        await context.update_data(target_chat=-100, region=None, started_at=12.5)
    finally:
        await storage.close()
    storage = await Storage.open(database_target, keyring)
    try:
        context = FSMContext(DialogStorage(storage), KEY)
        assert await context.get_state() == Asking.secret.state
        assert await context.get_data() == {"target_chat": -100, "region": None, "started_at": 12.5}
        other = FSMContext(DialogStorage(storage), StorageKey(bot_id=1, chat_id=7, user_id=8))
        assert await other.get_state() is None
        await context.clear()
        rows = await storage.database.fetchall("SELECT key FROM dialogs")
        assert rows == []
    finally:
        await storage.close()


async def test_data_handed_out_is_a_copy(database: Database) -> None:
    dialogs = DialogsRepository(database)
    await dialogs.put("k", "s", {"operators": ["mts_step"]})
    _, data = await dialogs.get("k")
    data["operators"].append("tele2")
    assert (await dialogs.get("k"))[1] == {"operators": ["mts_step"]}


async def test_a_dialog_untouched_for_a_day_is_forgotten(database: Database) -> None:
    clock = Clock()
    dialogs = DialogsRepository(database, wall=clock)
    await dialogs.put("old", "s", {"a": 1})
    clock.now += 24 * 3600 + 1
    assert await dialogs.get("old") == (None, {})
    reopened = DialogsRepository(database, wall=clock)
    assert await reopened.get("old") == (None, {})
    assert await database.fetchall("SELECT key FROM dialogs") == []


async def test_a_login_window_lasts_ten_minutes(database: Database) -> None:
    clock = Clock()
    traces = LoginTracesRepository(database, wall=clock)
    await traces.dialog_opened(7, 7, 7)
    clock.now += 10 * 60
    assert await traces.window_open(7, 7)
    assert not await traces.window_open(7, 8)  # someone else in the chat
    assert not await traces.window_open(8, 7)
    # Read back after a restart.
    assert await LoginTracesRepository(database, wall=clock).window_open(7, 7)
    clock.now += 1
    assert not await traces.window_open(7, 7)
    assert not await LoginTracesRepository(database, wall=clock).window_open(7, 7)


async def test_a_login_window_closes_once_that_person_logged_in_there(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "bot.sqlite3", Keyring.from_text(generate_key()))
    try:
        traces = storage.login_traces
        await traces.dialog_opened(7, 7, -100)  # a group's dialog, held in a private chat
        await storage.credentials.save(
            -100, auth_kind=AuthKind.PASSWORD, secret="pw", login="acme", region="ru", set_by=9
        )
        assert await traces.window_open(7, 7)  # another administrator's login
        await storage.credentials.save(
            -100, auth_kind=AuthKind.PASSWORD, secret="pw", login="acme", region="ru", set_by=7
        )
        assert not await traces.window_open(7, 7)
    finally:
        await storage.close()


async def test_login_prompts_are_remembered_for_two_days(database: Database) -> None:
    clock = Clock()
    traces = LoginTracesRepository(database, wall=clock)
    await traces.prompt_sent(-100, 5)
    assert await traces.is_prompt(-100, 5)
    assert not await traces.is_prompt(-100, 6)
    assert not await traces.is_prompt(-101, 5)
    clock.now += 48 * 3600 + 1
    assert not await traces.is_prompt(-100, 5)
    await traces.prompt_sent(-100, 6)
    assert [r["message_id"] for r in await database.fetchall("SELECT * FROM login_prompts")] == [6]
