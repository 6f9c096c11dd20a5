"""Jobs that tell chats when exports finish and sender names change status."""

from bot.watcher.notifier import ChatGone, Notifier
from bot.watcher.scheduling import start_scheduler
from bot.watcher.service import Baselines, SweepReport, Watcher

__all__ = ["Baselines", "ChatGone", "Notifier", "SweepReport", "Watcher", "start_scheduler"]
