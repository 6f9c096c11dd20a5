"""What a part of a sweep reads and writes together: the watch state of its logins' chats.

It is read once for the part (a few queries rather than a few per chat: at thousands of chats
per-chat reads would cost more than the polls) while its first logins are polled, and what the
chats took in is written once at its end. Memory is bounded by a part, not by the sweep.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.watcher.poll import Login
from storage import Storage, WatchSnapshot


@dataclass
class Part:
    """Logins whose chats' state is read and written together."""

    logins: list[Login]
    left: int = field(init=False)
    _seen: asyncio.Future[WatchSnapshot] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.left = len(self.logins)

    def read(self, storage: Storage) -> None:
        """Start reading the part's state, if nobody has yet."""
        if self._seen is None:
            chats = [chat.chat_id for login in self.logins for chat in login.chats]
            self._seen = asyncio.ensure_future(storage.watch.snapshot(chats))

    async def seen(self, storage: Storage) -> WatchSnapshot:
        self.read(storage)
        assert self._seen is not None
        # Shielded: one worker stopped while waiting must not cancel the read for the others.
        return await asyncio.shield(self._seen)

    def release(self) -> None:
        self._seen, self.logins = None, []


async def record(storage: Storage, part: Part) -> None:
    """Write what the part's chats now see: their new baselines and the answers they took in,
    one transaction each. A failure is retried by the next sweep, which finds the same chats
    without a baseline or with the old digest."""
    seen = await part.seen(storage)
    if seen.new_tasks or seen.new_senders:
        await storage.watch.replace_baselines(
            downloads=seen.new_tasks, senders=seen.new_senders, digests=seen.new_digests
        )
        # A chat whose account changed meanwhile (a logout, another login) keeps no baseline
        # of the old account: undone at once, and taken again if it still watches.
        began = {chat.chat_id: chat.generation for login in part.logins for chat in login.chats}
        taken = list(seen.new_tasks.keys() | seen.new_senders.keys())
        now = await storage.deliveries.generations(taken)
        for chat_id in taken:
            if now.get(chat_id) != began.get(chat_id):
                await storage.chats.forget_watch_state(chat_id)
    await storage.watch.save_digests(seen.taken)
