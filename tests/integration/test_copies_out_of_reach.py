"""A write SMSC accepted is reported as done though the kept copies cannot take it (Redis gone,
with replicas), and the copy that missed it is not shown afterwards. The store fails as a
RedisCopyStore does when Redis goes away just as the write's change reaches it; through the
real dispatcher, against the sandbox with SMSC's real 60 s window."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bench.phone_pace import CHAT, logged_in
from bot.copy_store import Kept, M, MemoryCopyStore
from tests.fakes.telegram import Call
from tests.integration.bot_harness import Harness, close_harness, sent, text_of

NEW, CONTACT, BLOCKED = "79160006001", "79991001111", "79990000001"  # sample: Olga, "asked to stop"
NOT_DONE = ("nothing was changed", "Nothing more was done", "Try again", "try again")


class GoneAtTheWrite(MemoryCopyStore):
    """Copies in memory that become unreachable, as Redis does, from the first save after
    ``armed``: from then on every call fails until ``back``."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = self.down = False

    def _reach(self) -> None:
        if self.down:
            raise RedisConnectionError(
                "Error 111 connecting to 127.0.0.1:6379. Connection refused."
            )

    def back(self) -> None:
        self.armed = self.down = False

    async def load(self, key: str, model: type[M]) -> tuple[str, Kept[M] | None]:
        self._reach()
        return await super().load(key, model)

    async def save(self, key: str, kept: Kept[Any] | None, *, expected: str) -> str | None:
        self.down = self.down or self.armed
        self._reach()
        return await super().save(key, kept, expected=expected)

    async def drop(self, key: str) -> None:
        self._reach()
        await super().drop(key)

    @asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        self._reach()
        async with super().exclusive(key):
            yield


@pytest.fixture
async def pace(tmp_path: Path) -> AsyncIterator[tuple[Harness, GoneAtTheWrite]]:
    harness, telegram, sandbox = await logged_in(tmp_path)
    store = GoneAtTheWrite()
    harness.app.dispatcher.workflow_data["copies"].store = store
    yield harness, store
    await close_harness(harness)
    await telegram.stop()
    await sandbox.stop()


def card_of(calls: list[Call]) -> Call:
    return next(c for c in reversed(calls) if c.text.startswith("📇"))


async def block_on_the_card(h: Harness, store: GoneAtTheWrite) -> list[Call]:
    card = card_of(await h.say(CHAT, NEW))
    store.armed = True
    return await h.press(card, "Block all", user_id=CHAT)


async def block_by_command(h: Harness, store: GoneAtTheWrite) -> list[Call]:
    await h.say(CHAT, NEW)
    store.armed = True
    return await h.say(CHAT, f"/block {NEW}")


async def unblock_confirmed(h: Harness, store: GoneAtTheWrite) -> list[Call]:
    [question] = [c for c in sent(await h.say(CHAT, f"/unblock {BLOCKED}")) if "Remove" in c.text]
    store.armed = True
    return await h.press(question, "Yes", user_id=CHAT)


async def add_contact(h: Harness, store: GoneAtTheWrite) -> list[Call]:
    await h.say(CHAT, NEW)
    await h.say(CHAT, "/groups")
    store.armed = True
    return await h.say(CHAT, f"/addcontact {NEW} Kim grp=VIP")


async def move_contact(h: Harness, store: GoneAtTheWrite) -> list[Call]:
    await h.say(CHAT, CONTACT)
    await h.say(CHAT, "/groups")
    store.armed = True
    return await h.say(CHAT, f"/movecontact {CONTACT} VIP")


async def into_a_group_on_the_card(h: Harness, store: GoneAtTheWrite) -> list[Call]:
    card = card_of(await h.say(CHAT, CONTACT))
    pressed = await h.press(card, "Add to group", user_id=CHAT)
    chooser = [c for c in pressed if c.method == "editMessageText"][-1]
    store.armed = True
    return await h.press(chooser, "VIP", user_id=CHAT)


async def delete_contact(h: Harness, store: GoneAtTheWrite) -> list[Call]:
    await h.say(CHAT, CONTACT)
    [question] = sent(await h.say(CHAT, f"/delcontact {CONTACT}"))
    store.armed = True
    return await h.press(question, "Yes", user_id=CHAT)


async def edit_contact(h: Harness, store: GoneAtTheWrite) -> list[Call]:
    await h.say(CHAT, CONTACT)
    store.armed = True
    return await h.say(CHAT, f"/editcontact {CONTACT} name=Olga S.")


Write = Callable[[Harness, GoneAtTheWrite], Awaitable[list[Call]]]
# Each write, what its reply says, and what is shown once the copies are back (in a card of
# the number, or in /groups), as SMSC has it and not as the copy that missed the write had it.
WRITES: list[tuple[Write, str, str, str]] = [
    (block_on_the_card, "Blacklisted: all messages blocked", NEW, "Blacklisted: all messages"),
    (block_by_command, "is blacklisted: all messages", NEW, "Blacklisted: all messages"),
    (unblock_confirmed, "removed from the blacklist", BLOCKED, "Not blacklisted"),
    (add_contact, "Contact 79160006001 added. Groups: VIP.", NEW, "Contact: Kim · groups VIP"),
    (move_contact, "moved to the group “VIP”", CONTACT, "Olga Smirnova · groups VIP"),
    (into_a_group_on_the_card, "Added to the group", CONTACT, "groups Customers, VIP"),
    (delete_contact, "Contact 79991001111 deleted", CONTACT, "Not in the contacts"),
    (edit_contact, "Contact <code>79991001111</code> changed", CONTACT, "Contact: Olga S."),
]


@pytest.mark.parametrize(
    ("write", "reply", "number", "then"), WRITES, ids=[w[0].__name__ for w in WRITES]
)
async def test_a_write_smsc_accepted_is_said_done_though_the_copies_are_out_of_reach(
    pace: tuple[Harness, GoneAtTheWrite], write: Write, reply: str, number: str, then: str
) -> None:
    h, store = pace
    said = text_of(await write(h, store))
    assert store.down  # the copy was not updated
    assert reply in said
    assert not any(words in said for words in NOT_DONE), said
    store.back()
    assert then in card_of(await h.say(CHAT, number)).text


async def test_the_counts_of_groups_a_lost_change_touched_are_read_again(
    pace: tuple[Harness, GoneAtTheWrite],
) -> None:
    h, store = pace
    await add_contact(h, store)
    store.back()
    listed = text_of(await h.say(CHAT, "/groups"))
    assert "<b>VIP</b> — 7 contacts" in listed  # the sample's six, and Kim
