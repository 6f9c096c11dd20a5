"""Which chats an answer holds news for, and what they saw before it.

Most answers in most sweeps are the very list a chat took in last time (the same digest): those
chats are left at once, and rows are read only for the others.
"""

from __future__ import annotations

from typing import Any

from bot.watcher.poll import Answer, Login
from storage import NotificationKind, SeenSender, SeenTask, Storage, WatchSnapshot


def behind(
    login: Login, kind: NotificationKind, answer: Answer[Any] | None, seen: WatchSnapshot
) -> dict[int, bool]:
    """The chats watching ``kind`` that have not taken this answer in yet, each with whether
    it has a baseline (one to compare with, rather than one to take)."""
    if answer is None:
        return {}
    key = answer.key
    return {
        chat.chat_id: seen.has_baseline(chat.chat_id, kind)
        for chat in login.chats
        if chat.settings.notifies(kind) and not seen.unchanged(chat.chat_id, kind, key)
    }


async def seen_tasks(
    storage: Storage, behind_tasks: dict[int, bool]
) -> dict[int, dict[int, SeenTask]]:
    """What the chats behind a task list have seen, for those that have a baseline."""
    chats = [chat_id for chat_id, has_baseline in behind_tasks.items() if has_baseline]
    return await storage.watch.seen_tasks_of(chats) if chats else {}


async def seen_senders(
    storage: Storage, behind_senders: dict[int, bool]
) -> dict[int, dict[int, SeenSender]]:
    chats = [chat_id for chat_id, has_baseline in behind_senders.items() if has_baseline]
    return await storage.watch.seen_senders_of(chats) if chats else {}
