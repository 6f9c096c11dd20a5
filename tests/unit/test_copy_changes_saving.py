"""While an update is handled, the changes it makes to the kept copies are saved beside it, in
order, and all of them by its end; a read in the same update waits for them, and a task the
update left behind saves its own itself."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.copy_store import Kept, MemoryCopyStore
from bot.kept_copies import KeptCopies
from tests.kept_entries import Entry, added

KEY = "account|black|phones"


class SlowStore(MemoryCopyStore):
    """Copies in memory whose saves wait for ``go`` (a store far away)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()
        self.go.set()

    async def save(self, key: str, kept: Kept[Any] | None, *, expected: str) -> str | None:
        await self.go.wait()
        return await super().save(key, kept, expected=expected)


async def kept_copies() -> tuple[KeptCopies, SlowStore]:
    store = SlowStore()
    await store.save(KEY, Kept(1.0, (Entry(phone="1"),)), expected="")
    return KeptCopies(store, clock=lambda: 2.0), store


def phones(store: SlowStore) -> list[str]:
    seen = store.seen(KEY)
    assert seen is not None
    return [e.phone for e in seen[1].records]


async def test_the_handler_goes_on_while_its_changes_are_saved_in_order_by_its_end() -> None:
    copies, store = await kept_copies()
    store.go.clear()
    async with copies.beside_the_reply():
        await copies.change(KEY, Entry, added("2"))
        await copies.change(KEY, Entry, added("3"))
        await asyncio.sleep(0)  # the handler replies meanwhile; the store has not answered
        assert phones(store) == ["1"]
        store.go.set()
    assert phones(store) == ["1", "2", "3"]


async def test_a_read_in_the_same_update_sees_its_changes() -> None:
    copies, store = await kept_copies()
    async with copies.beside_the_reply():
        await copies.change(KEY, Entry, added("2"))
        kept = await copies.kept(KEY, Entry)
        assert kept is not None
        assert [e.phone for e in kept.records] == ["1", "2"]
    assert phones(store) == ["1", "2"]


async def test_changes_are_saved_when_the_handler_fails() -> None:
    copies, store = await kept_copies()
    try:
        async with copies.beside_the_reply():
            await copies.change(KEY, Entry, added("2"))
            raise RuntimeError("the reply could not be sent")
    except RuntimeError:
        pass
    assert phones(store) == ["1", "2"]


async def test_a_task_left_behind_by_the_update_saves_at_once() -> None:
    copies, store = await kept_copies()
    go = asyncio.Event()

    async def later() -> None:
        await go.wait()
        await copies.change(KEY, Entry, added("4"))

    async with copies.beside_the_reply():
        task = asyncio.create_task(later())  # shares the update's context
    go.set()
    await task
    assert phones(store) == ["1", "4"]
