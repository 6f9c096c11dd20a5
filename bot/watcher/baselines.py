"""What exists when a chat starts watching is recorded, so that only later changes count."""

from __future__ import annotations

from bot.smsc import SmscClient
from bot.watcher.changes import baseline_senders, baseline_tasks
from bot.watcher.poll import Answer, PollTimes
from storage import NotificationKind, Storage


class Baselines:
    """Takes a new watch's baseline. The request made for it is the chat's first poll: the
    watcher does not repeat it on its next sweep (``polls``)."""

    def __init__(self, storage: Storage, polls: PollTimes) -> None:
        self._storage = storage
        self.polls = polls

    @property
    def interval(self) -> int:
        return self.polls.interval

    async def take(self, chat_id: int, kind: NotificationKind, client: SmscClient) -> int:
        """Record what exists now for ``kind``; returns how many there are."""
        if kind is NotificationKind.DOWNLOADS:
            tasks = Answer(await client.downloads.listing())
            await self._storage.watch.replace_download_baseline(
                chat_id, baseline_tasks(tasks.records), tasks.key
            )
            count = len(tasks.records)
        else:
            senders = Answer(await client.senders.listing(all=True, operators=True))
            await self._storage.watch.replace_sender_baseline(
                chat_id, baseline_senders(senders.records), senders.key
            )
            count = len(senders.records)
        self.polls.polled([chat_id])
        return count
